"""The products CSV: one row per SKU (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from bot.domain.model import Product
from bot.services.importing.bounds import DAYS, STOCK
from bot.services.importing.cells import Cells
from bot.services.importing.partial import keep_stored
from bot.services.importing.table import Problems, Record

REQUIRED = ("sku", "name", "price", "currency", "on_hand")
OPTIONAL = ("category", "lead_time_days", "handling_days", "supplier", "alternatives")
# Optional column -> Product field (the same names).
FIELDS = {column: column for column in OPTIONAL}


def parse_products(
    records: Sequence[Record],
    problems: Problems,
    *,
    stored_skus: Collection[str],
    stored: Mapping[str, Product],
    first_line: Mapping[str, int],
) -> list[Product]:
    """Products from valid rows, omitted columns kept from `stored`; problems for the rest.

    `first_line` has every SKU of the whole file with the line it first appears on (from
    `first_lines`), so duplicates and alternatives are checked across chunks of rows.
    """
    products = []
    for record in records:
        cells = Cells(record, problems)
        sku = cells.required("sku")
        if sku and first_line[sku] != record.line:
            cells.fail("sku", f"duplicate sku {sku!r}, first on {problems.at(first_line[sku])}")
        currency = cells.currency("currency")
        product = Product(
            sku=sku,
            name=cells.required("name"),
            price_minor=cells.money("price", currency),
            currency=currency or "",
            on_hand=cells.required_whole("on_hand", STOCK),
            category=cells.optional("category"),
            lead_time_days=cells.whole("lead_time_days", DAYS),
            handling_days=cells.whole("handling_days", DAYS),
            supplier=cells.optional("supplier"),
            alternatives=_alternatives(cells, sku, (stored_skus, first_line)),
        )
        if not cells.failed:
            products.append(keep_stored(product, stored.get(sku), cells.absent(FIELDS)))
    return products


def first_lines(records: Iterable[Record]) -> dict[str, int]:
    """Each SKU of the file with the line it first appears on."""
    first_line: dict[str, int] = {}
    for record in records:
        first_line.setdefault(record.cells.get("sku", ""), record.line)
    return first_line


def _alternatives(
    cells: Cells, sku: str, known: tuple[Collection[str], Collection[str]]
) -> tuple[str, ...]:
    text = cells.optional("alternatives")
    if text is None:
        return ()
    alternatives = tuple(part.strip() for part in text.split("|"))
    for alternative in alternatives:
        if not alternative:
            cells.fail("alternatives", "empty SKU between '|' separators")
        elif alternative == sku:
            cells.fail("alternatives", f"{sku!r} cannot be its own alternative")
        elif all(alternative not in skus for skus in known):
            cells.fail("alternatives", f"unknown SKU {alternative!r}")
    if len(set(alternatives)) != len(alternatives):
        cells.fail("alternatives", "a SKU is listed twice")
    return alternatives
