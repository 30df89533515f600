"""The database every store test runs on, twice: a SQLite file and a fresh PostgreSQL database.

`database_url` is parametrised `sqlite` / `postgresql`; a test (or a conftest's `store` fixture)
that takes it runs once per database. The PostgreSQL half needs a server:
BACKORDER_TEST_POSTGRES_URL, an admin URL such as postgresql://postgres@127.0.0.1:5432/postgres
(`make test` starts a throwaway one). Each test gets a new database copied from a template that
`open_store` migrated once per session (per xdist worker), and the database is dropped after the
test. `-m "not postgresql"` (`make test-sqlite`) runs SQLite only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.databases import (
    POSTGRES_VARIABLE,
    SQLITE_VARIABLE,
    DatabaseMaker,
    create_database,
    drop_database,
    is_postgres,
    masked,
    run_async,
    unique_name,
    with_database,
)
from tests.postgres_cluster import URL_VARIABLE

NO_SERVER = (
    f"{URL_VARIABLE} is not set, so the PostgreSQL half of the suite has no server. "
    "Run `make test` (it starts a throwaway PostgreSQL cluster), or start one yourself with "
    '`eval "$(.venv/bin/python -m tests.postgres_cluster start)"`, or run the SQLite half only: '
    '`make test-sqlite` (pytest -m "not postgresql").'
)

NewDatabase = Callable[[str], str]
MoreDatabases = Callable[[], str]


def pytest_configure(config: pytest.Config) -> None:
    """Keep the developer's own database settings away from the tests and their subprocesses;
    every `run` they start serves its web server on a free port."""
    for name in (SQLITE_VARIABLE, POSTGRES_VARIABLE):
        os.environ.pop(name, None)
    # Why: tests start `backorder-bot run` side by side; each one's web server takes a free port
    # instead of all fighting over the default 127.0.0.1:8080.
    os.environ["BACKORDER_LISTEN"] = "127.0.0.1:0"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the PostgreSQL test server; fails the test when none is configured."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        pytest.fail(NO_SERVER, pytrace=False)
    return url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """The name of a database holding the migrated, empty schema (made by `open_store` once)."""
    name = unique_name("template")
    url = create_database(postgres_server, name, "template0")
    try:
        run_async(_migrate(url))
    except Exception as exc:
        drop_database(postgres_server, name)
        # Why: the session fixture fails once here and pytest reports the same cause for every
        # PostgreSQL test; SQLite tests never ask for this fixture.
        pytest.fail(
            f"open_store({masked(url)}) could not make the PostgreSQL schema: "
            f"{type(exc).__name__}: {exc}",
            pytrace=False,
        )
    yield name
    drop_database(postgres_server, name)


async def _migrate(url: str) -> None:
    from storage.store import open_store

    store = await open_store(url)
    await store.close()


@pytest.fixture
def new_postgres_database(postgres_server: str) -> Iterator[NewDatabase]:
    """`make(template) -> url`: new databases on the test server, dropped after the test."""
    made: list[str] = []

    def make(template: str) -> str:
        name = unique_name("test")
        url = create_database(postgres_server, name, template)
        made.append(name)
        return url

    yield make
    for name in made:
        drop_database(postgres_server, name)


@pytest.fixture(scope="session")
def postgres_maker(postgres_server: str, postgres_template: str) -> Iterator[DatabaseMaker]:
    """Per-test databases copied from the template, made ahead and dropped behind the tests."""
    maker = DatabaseMaker(postgres_server, postgres_template)
    yield maker
    maker.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """This test's own empty, migrated database: a SQLite file path or a `postgresql://` URL.

    Give it to `open_store`, to `tests.databases.database_env` (subprocesses, CLI) or to
    `tests.databases.database_settings`. Reopening the same string reaches the same database.
    The PostgreSQL database is dropped after the test (connections still open to it are ended).
    """
    if request.param == "sqlite":
        yield str(tmp_path / "shop.sqlite3")
        return
    server: str = request.getfixturevalue("postgres_server")
    maker: DatabaseMaker = request.getfixturevalue("postgres_maker")
    name = maker.take()
    yield with_database(server, name)
    maker.drop_later(name)


@pytest.fixture
def more_databases(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MoreDatabases]:
    """`make() -> url`: another empty, migrated database of this test's kind at each call.

    For property tests, whose examples each need a database of their own within one test.
    """
    if not is_postgres(database_url):
        made = iter(range(1, 1_000_000))
        yield lambda: str(tmp_path / f"example-{next(made)}.sqlite3")
        return
    server: str = request.getfixturevalue("postgres_server")
    maker: DatabaseMaker = request.getfixturevalue("postgres_maker")
    names: list[str] = []

    def make() -> str:
        names.append(maker.take())
        return with_database(server, names[-1])

    yield make
    for name in names:
        maker.drop_later(name)
