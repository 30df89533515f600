"""The demo shop acting while the demo runs: a supplier update applied on the first wait."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.demo.catalogue import PLANNED_SKU, PRODUCTS
from bot.demo.seed import PO_COLUMNS, Row, SeedError, Shop
from bot.domain.eta import EtaRules
from bot.domain.store import ImportStore

# Why: long enough to push the demo customer's order past its promised date, short enough that
# the FTC rule deems silence consent, so the notice asks [Keep waiting] or [Cancel].
SLIP_DAYS = 14


@dataclass(frozen=True, slots=True)
class SupplierSlip:
    """A purchase order whose expected date the supplier moves."""

    row: Row
    before: date
    after: date

    def announcement(self) -> str:
        """What the shop did, in one line for the demo's stderr."""
        product = next(p.name for p in PRODUCTS if p.sku == self.row["sku"])
        return (
            f"(shop) supplier moved {self.row['po_id']} ({product}) "
            f"from {_day(self.before)} to {_day(self.after)}"
        )


def staged_slip(shop: Shop, *, days: int = SLIP_DAYS) -> SupplierSlip:
    """The slip of the purchase order one of the demo customer's lines waits for."""
    row = next(row for row in shop.purchase_orders if row["sku"] == PLANNED_SKU)
    before = date.fromisoformat(row["expected_date"])
    after = before + timedelta(days=days)
    return SupplierSlip({**row, "expected_date": after.isoformat()}, before, after)


class StagedUpdate:
    """Applies a supplier slip once, through the real purchase-orders import."""

    def __init__(
        self,
        store: ImportStore,
        slip: SupplierSlip,
        workdir: Path,
        *,
        clock: Clock,
        timezone: ZoneInfo,
        rules: EtaRules,
        announce: Callable[[str], None],
    ) -> None:
        self._store = store
        self._slip = slip
        self._path = workdir / "supplier-update.csv"
        self._clock = clock
        self._timezone = timezone
        self._rules = rules
        self._announce = announce
        self._applied = False

    async def apply_once(self) -> None:
        """Import the slip the first time it is called; later calls do nothing."""
        if self._applied:
            return
        self._applied = True
        from bot.services.importing import import_csv

        with self._path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=PO_COLUMNS)
            writer.writeheader()
            writer.writerow(self._slip.row)
        report = await import_csv(
            self._store,
            "purchase-orders",
            self._path,
            timezone=self._timezone,
            rules=self._rules,
            now=self._clock.now(),
            actor="demo-supplier",
        )
        if report.errors:
            raise SeedError("the staged supplier update did not import: " + str(report.errors))
        self._announce(self._slip.announcement())


def _day(day: date) -> str:
    return f"{day:%b} {day.day}"
