"""Use case: import a products, orders or purchase-orders CSV file, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.eta import EtaRules
from bot.domain.store import ImportStore
from bot.services.eta import recompute_etas
from bot.services.importing import orders, products, purchase_orders
from bot.services.importing.table import Problems, Record, read_records
from bot.services.importing.terminal import keep_final_statuses

COLUMNS = {
    "products": (products.REQUIRED, products.OPTIONAL),
    "orders": (orders.REQUIRED, orders.OPTIONAL),
    "purchase-orders": (purchase_orders.REQUIRED, purchase_orders.OPTIONAL),
}
# Rows checked or written at a time: what the import holds of the file (besides its keys).
CHUNK = 2_000


@dataclass
class ImportReport:
    """Rows imported, or the errors that stopped the import (nothing is written then)."""

    rows: int
    # The first errors (at most table.SHOWN_ERRORS); `error_count` counts all of them.
    errors: list[str] = field(default_factory=list)
    # Lines the file lists with another status than the shipped or cancelled one they keep.
    kept_status: int = 0
    error_count: int = 0


async def import_csv(
    store: ImportStore,
    kind: str,
    path: Path,
    *,
    timezone: ZoneInfo,
    rules: EtaRules,
    now: datetime,
    actor: str,
) -> ImportReport:
    """Validate every row of the file, then write all of it and recompute the affected ETAs.

    DESIGN §4. The file is read twice as a stream: once to check every row (keeping only the
    keys the checks across rows need), then again to write it chunk by chunk in one transaction,
    so memory stays bounded whatever the file's size and a bad row anywhere changes nothing.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(COLUMNS)}")
    problems = Problems(str(path))
    required, optional = COLUMNS[kind]
    context = _Context(store, problems, timezone, now, actor)

    def records(into: Problems) -> Iterator[Record]:
        return read_records(path, required=required, optional=optional, problems=into)

    importer = _IMPORTERS[kind](context, records)
    version = _version(path)
    rows = await importer.check()
    if problems.count:
        return _failed(problems)
    if not rows:
        # Why: a nightly export with nothing new is a header-only file; that is not an error.
        return ImportReport(0)
    try:
        async with store.atomic():
            written = await importer.write()
            if _version(path) != version:
                problems.add(0, "file", "changed while it was imported; import it again")
            if problems.count:
                raise _Rejected
    except _Rejected:
        return _failed(problems)
    # Why: what the checks across rows kept (a key per order and customer) is not needed any
    # more; freed now, the recompute reuses its memory instead of adding to it.
    del importer
    today = now.astimezone(timezone).date()
    await recompute_etas(store, rules=rules, today=today, skus=written.skus)
    return ImportReport(rows, [], kept_status=written.kept_status)


class _Rejected(Exception):
    """Problems found while writing: the transaction is rolled back."""


def _failed(problems: Problems) -> ImportReport:
    return ImportReport(0, problems.messages, error_count=problems.count)


def _version(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass(frozen=True, slots=True)
class _Context:
    store: ImportStore
    problems: Problems
    timezone: ZoneInfo
    now: datetime
    actor: str


@dataclass
class _Written:
    skus: set[str] = field(default_factory=set)
    kept_status: int = 0


Records = Callable[[Problems], Iterator[Record]]


def _chunks(records: Iterator[Record], key: str) -> Iterator[list[Record]]:
    """Runs of about CHUNK records; rows with the same `key` next to each other stay together."""
    chunk: list[Record] = []
    for record in records:
        if len(chunk) >= CHUNK and chunk[-1].cells.get(key) != record.cells.get(key):
            yield chunk
            chunk = []
        chunk.append(record)
    if chunk:
        yield chunk


class _Importer:
    """One kind of file: check every row (first read), then write them (second read)."""

    key = ""

    def __init__(self, context: _Context, records: Records) -> None:
        self.context = context
        self.records = records

    async def check(self) -> int:
        """Check every row; the number of rows."""
        rows = 0
        await self.start()
        for chunk in _chunks(self.records(self.context.problems), self.key):
            rows += len(chunk)
            await self.parse(chunk, write=False)
        return rows

    async def write(self) -> _Written:
        """Write every row, inside the caller's transaction; the SKUs to recompute."""
        written = _Written()
        # Why: the rows were checked; problems now mean the file changed between the readings.
        await self.start()
        for chunk in _chunks(self.records(self.context.problems), self.key):
            chunk_written = await self.parse(chunk, write=True)
            written.skus |= chunk_written.skus
            written.kept_status += chunk_written.kept_status
        return written

    async def start(self) -> None:
        """Set up the checks across rows for one reading of the file."""

    async def parse(self, chunk: list[Record], *, write: bool) -> _Written:
        """Parse (and with `write`, store) one chunk of rows."""
        raise NotImplementedError


class _Products(_Importer):
    key = "sku"

    async def start(self) -> None:
        self.stored_skus = await self.context.store.known_skus()
        self.first_line = products.first_lines(self.records(Problems("")))

    async def parse(self, chunk: list[Record], *, write: bool) -> _Written:
        context = self.context
        items = products.parse_products(
            chunk,
            context.problems,
            stored_skus=self.stored_skus,
            stored=await context.store.get_products({record.cells["sku"] for record in chunk}),
            first_line=self.first_line,
        )
        if not write or context.problems.count:
            return _Written()
        await context.store.upsert_products(items, actor=context.actor, at=context.now)
        return _Written({item.sku for item in items})


class _Orders(_Importer):
    key = "order_id"

    async def start(self) -> None:
        self.file = orders.OrdersFile(
            self.context.problems,
            stored_skus=await self.context.store.known_skus(),
            timezone=self.context.timezone,
        )

    async def parse(self, chunk: list[Record], *, write: bool) -> _Written:
        store = self.context.store
        order_ids = {record.cells["order_id"] for record in chunk if record.cells["order_id"]}
        previous = await store.get_orders(order_ids)
        parsed = self.file.parse(
            chunk,
            stored_orders=previous,
            stored_customers=await store.imported_customers(
                {record.cells["customer_id"] for record in chunk}
            ),
        )
        if not write or self.context.problems.count:
            return _Written()
        final = keep_final_statuses(parsed.orders, list(previous.values()))
        await store.upsert_orders(
            parsed.customers, final.orders, actor=self.context.actor, at=self.context.now
        )
        # Why: a line moved to another SKU frees units of the SKU it had before.
        skus = {line.sku for order in [*final.orders, *previous.values()] for line in order.lines}
        return _Written(skus, final.kept)


class _PurchaseOrders(_Importer):
    key = "po_id"

    async def start(self) -> None:
        self.stored_skus = await self.context.store.known_skus()
        self.first_line: dict[str, int] = {}

    async def parse(self, chunk: list[Record], *, write: bool) -> _Written:
        context = self.context
        po_ids = {record.cells["po_id"] for record in chunk}
        items = purchase_orders.parse_purchase_orders(
            chunk,
            context.problems,
            stored_skus=self.stored_skus,
            stored=await context.store.get_purchase_orders(po_ids),
            first_line=self.first_line,
        )
        if not write or context.problems.count:
            return _Written()
        await context.store.upsert_purchase_orders(items, actor=context.actor, at=context.now)
        return _Written({item.sku for item in items})


_IMPORTERS: dict[str, Callable[[_Context, Records], _Importer]] = {
    "products": _Products,
    "orders": _Orders,
    "purchase-orders": _PurchaseOrders,
}
