"""CSV import (DESIGN §4): validate every row, then write all of it in one transaction."""

from bot.services.importing.service import ImportReport, import_csv

__all__ = ["ImportReport", "import_csv"]
