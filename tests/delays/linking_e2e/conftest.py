"""The notices end-to-end fixtures: the real bot polling the sandbox over a chair shop."""

from tests.notices.conftest import catalogs, client, db_path, run_bot, sandbox, store

__all__ = ["catalogs", "client", "db_path", "run_bot", "sandbox", "store"]
