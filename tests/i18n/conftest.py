"""Fixtures for the i18n tests: the shipped catalogs and small catalogs written to tmp_path."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol

import pytest
from babel.messages import pofile
from babel.messages.catalog import Catalog

from bot.i18n import DOMAIN, Catalogs, catalog_path

from .checks import SourceMessage, extract_source_messages

Entries = Mapping[str | tuple[str, str], str | tuple[str, ...]]


class WritePo(Protocol):
    """Writes a small `.po` file for one language."""

    def __call__(self, language: str, entries: Entries, fuzzy: Collection[str] = ()) -> Path: ...


@pytest.fixture(scope="session")
def shipped() -> Catalogs:
    """The catalogs the bot ships, loaded the way the bot loads them."""
    return Catalogs.load()


@pytest.fixture(scope="session")
def source_messages() -> dict[tuple[str, str | None], SourceMessage]:
    """Every message the code in bot/ and handlers/ marks for translation."""
    return extract_source_messages()


@pytest.fixture
def locales_dir(tmp_path: Path) -> Path:
    """An empty locales directory."""
    return tmp_path / "locales"


@pytest.fixture
def write_po(locales_dir: Path) -> WritePo:
    """Write a language's `.po` file (msgid -> msgstr, some flagged fuzzy) into `locales_dir`."""

    def write(language: str, entries: Entries, fuzzy: Collection[str] = ()) -> Path:
        catalog = Catalog(locale=language, domain=DOMAIN, fuzzy=False)
        for msgid, msgstr in entries.items():
            singular = msgid[0] if isinstance(msgid, tuple) else msgid
            catalog.add(msgid, msgstr, flags=["fuzzy"] if singular in fuzzy else [])
        path = catalog_path(locales_dir, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            pofile.write_po(target, catalog)
        return path

    return write
