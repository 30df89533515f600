"""The e2e fixtures (sandbox, its client, settings, the seeded shop) for the inbox tests."""

from __future__ import annotations

from tests.e2e.conftest import catalogs, client, sandbox, settings, store

__all__ = ["catalogs", "client", "sandbox", "settings", "store"]
