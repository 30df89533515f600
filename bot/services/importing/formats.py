"""The file formats an import reads: DESIGN §4's own, and the platforms' exports mapped to it."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.services.importing import shopify_csv, woocommerce_csv
from bot.services.importing.table import HEADER_LINE, Problems, Record, read_records

BACKORDER = "backorder"
SHOPIFY = "shopify"
WOOCOMMERCE = "woocommerce"
# Which formats each kind of import reads (DESIGN §14).
FORMATS = {
    "products": (BACKORDER, SHOPIFY),
    "orders": (BACKORDER, SHOPIFY, WOOCOMMERCE),
    "purchase-orders": (BACKORDER,),
}

Mapper = Callable[[Iterator[Record], Problems], Iterator[Record]]


@dataclass(frozen=True)
class FileReader:
    """How to read one format: its rows as §4 records, and §4 columns' names in the file."""

    read: Callable[[Path, Problems], Iterator[Record]]
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Platform:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rows: Mapper
    names: Mapping[str, str]


def file_reader(
    kind: str,
    file_format: str,
    columns: tuple[tuple[str, ...], tuple[str, ...]],
    *,
    currency: str | None = None,
) -> FileReader:
    """The reader of `kind` files in `file_format` (`columns`: §4's required and optional).

    `currency` is the shop's currency for a format whose file has none (Shopify's products).
    Raises ValueError for a format that has no such kind.
    """
    if file_format == BACKORDER:
        required, optional = columns

        def read_own(path: Path, problems: Problems) -> Iterator[Record]:
            if (platform_export := _platform_export(path)) is not None:
                problems.add(HEADER_LINE, "header", platform_export)
                return iter(())
            return read_records(path, required=required, optional=optional, problems=problems)

        return FileReader(read_own)
    platform = _platforms(currency).get((kind, file_format))
    if platform is None:
        formats = ", ".join(FORMATS.get(kind, ()))
        raise ValueError(f"{kind} cannot be imported as {file_format!r}; formats: {formats}")

    def read(path: Path, problems: Problems) -> Iterator[Record]:
        rows = read_records(
            path,
            required=platform.required,
            optional=platform.optional,
            problems=problems,
            other_columns=True,
        )
        return platform.rows(rows, problems)

    return FileReader(read, platform.names)


def _platforms(currency: str | None) -> dict[tuple[str, str], _Platform]:
    return {
        ("orders", SHOPIFY): _Platform(
            shopify_csv.ORDER_REQUIRED,
            shopify_csv.ORDER_OPTIONAL,
            shopify_csv.order_rows,
            shopify_csv.ORDER_NAMES,
        ),
        ("products", SHOPIFY): _Platform(
            shopify_csv.PRODUCT_REQUIRED,
            shopify_csv.PRODUCT_OPTIONAL,
            partial(shopify_csv.product_rows, currency=currency),
            shopify_csv.PRODUCT_NAMES,
        ),
        ("orders", WOOCOMMERCE): _Platform(
            woocommerce_csv.REQUIRED,
            woocommerce_csv.OPTIONAL,
            woocommerce_csv.order_rows,
            woocommerce_csv.NAMES,
        ),
    }


# A column only each platform's export has, and what to say when one comes without --format.
_SIGNATURES = {
    "lineitem sku": "Shopify's order export; import it with --format shopify",
    "variant sku": "Shopify's product export; import it with --format shopify --currency CODE",
    "item_sku": "WooCommerce's order export; import it with --format woocommerce",
}


def _platform_export(path: Path) -> str | None:
    """What to say when a file given as §4's is a platform's export (else None).

    Why: without it, the dozens of columns of such a file are each an "unknown column".
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            header = next(csv.reader(text), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None  # Why: read_records reports these with its own messages.
    names = {name.strip().lower() for name in header}
    return next(
        (f"this is {what}" for column, what in _SIGNATURES.items() if column in names), None
    )
