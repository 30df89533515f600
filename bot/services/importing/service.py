"""Use case: import a products, orders or purchase-orders CSV file, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.eta import EtaRules
from bot.domain.store import ImportStore
from bot.services.eta import recompute_etas
from bot.services.importing import orders, products, purchase_orders
from bot.services.importing.formats import BACKORDER, file_reader
from bot.services.importing.table import Problem, Problems, Record
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
    # The same first errors as values (line or index, column, message), for the ingest API.
    problems: list[Problem] = field(default_factory=list)
    # The SKUs whose ETAs the written rows change (recompute_imported recomputes them).
    skus: frozenset[str] = frozenset()


async def import_csv(
    store: ImportStore,
    kind: str,
    path: Path,
    *,
    timezone: ZoneInfo,
    rules: EtaRules,
    now: datetime,
    actor: str,
    file_format: str = BACKORDER,
    currency: str | None = None,
) -> ImportReport:
    """Validate every row of the file, then write all of it and recompute the affected ETAs.

    DESIGN §4. The file is read twice as a stream: once to check every row (keeping only the
    keys the checks across rows need), then again to write it chunk by chunk in one transaction,
    so memory stays bounded whatever the file's size and a bad row anywhere changes nothing.
    `file_format` is `backorder` (§4's columns) or a platform's export (bot/services/importing/
    formats.py: `shopify` orders and products, `woocommerce` orders), mapped row by row to §4's.
    `currency`: the shop's currency, for a format whose file has none (Shopify's products).
    Raises ValueError for an unknown kind or a format that has no such kind.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(COLUMNS)}")
    reader = file_reader(kind, file_format, COLUMNS[kind], currency=currency)
    problems = Problems(str(path), names=dict(reader.names))

    def records(into: Problems) -> Iterator[Record]:
        return reader.read(path, into)

    version = _version(path)
    report = await import_rows(
        store,
        kind,
        records,
        problems,
        timezone=timezone,
        now=now,
        actor=actor,
        unchanged=lambda: _version(path) == version,
    )
    await recompute_imported(store, report, rules=rules, today=now.astimezone(timezone).date())
    return report


async def recompute_imported(
    store: ImportStore, report: ImportReport, *, rules: EtaRules, today: date
) -> None:
    """Recompute the ETAs an import changed (none when it wrote nothing), after its commit.

    DESIGN §1 data flow 2: the recompute's mark makes the running bot sweep, which queues the
    notices moved dates cause; every import door (file, API, Shopify) ends here.
    """
    if report.rows and not report.error_count:
        await recompute_etas(store, rules=rules, today=today, skus=report.skus)


async def import_rows(
    store: ImportStore,
    kind: str,
    records: Records,
    problems: Problems,
    *,
    timezone: ZoneInfo,
    now: datetime,
    actor: str,
    unchanged: Callable[[], bool] = lambda: True,
    single_pass: bool = False,
) -> ImportReport:
    """Check every record `records` yields, then write them all in one transaction (no recompute).

    `records(problems)` is called once per reading (twice or three times) and must yield the same
    records each time; `unchanged()` is asked inside the write transaction (a file changed on
    disk meanwhile rejects the import). Inside a transaction the caller holds, the writes join it:
    a report with errors then means the caller must roll back (writes may have been made).
    With `single_pass` (records already in memory: the ingest API, a webhook) the rows are
    checked while they are written, in the transaction, and any error rolls all of it back:
    the same errors and the same all-or-nothing, with every row parsed once instead of twice.
    """
    context = _Context(store, problems, timezone, now, actor)
    importer = _IMPORTERS[kind](context, records)
    if single_pass:
        return await _check_and_write(store, importer, problems)
    rows = await importer.check()
    if problems.count:
        return _failed(problems)
    if not rows:
        # Why: a nightly export with nothing new is a header-only file; that is not an error.
        return ImportReport(0)
    try:
        async with store.atomic():
            written = await importer.write()
            if not unchanged():
                problems.add(0, "file", "changed while it was imported; import it again")
            if problems.count:
                raise _Rejected
    except _Rejected:
        return _failed(problems)
    return ImportReport(rows, [], kept_status=written.kept_status, skus=frozenset(written.skus))


async def _check_and_write(
    store: ImportStore, importer: _Importer, problems: Problems
) -> ImportReport:
    try:
        async with store.atomic():
            written = await importer.write()
            if problems.count:
                raise _Rejected
    except _Rejected:
        return _failed(problems)
    return ImportReport(
        written.rows, [], kept_status=written.kept_status, skus=frozenset(written.skus)
    )


class _Rejected(Exception):
    """Problems found while writing: the transaction is rolled back."""


def _failed(problems: Problems) -> ImportReport:
    return ImportReport(
        0, problems.messages, error_count=problems.count, problems=list(problems.found)
    )


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
    rows: int = 0


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
            written.rows += len(chunk)
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
