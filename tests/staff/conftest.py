"""Staff tests use the notices' chair shop, bot and sandbox fixtures."""

from tests.notices.conftest import catalogs, client, db_path, run_bot, sandbox, store

__all__ = ["catalogs", "client", "db_path", "run_bot", "sandbox", "store"]
