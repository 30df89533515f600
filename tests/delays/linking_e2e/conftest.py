"""The notices end-to-end fixtures: the real bot polling the sandbox over a chair shop."""

from tests.notices.conftest import catalogs, client, run_bot, sandbox, store

__all__ = ["catalogs", "client", "run_bot", "sandbox", "store"]
