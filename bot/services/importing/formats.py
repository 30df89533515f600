"""The file formats an import reads: DESIGN §4's own, and the platforms' exports mapped to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bot.services.importing import shopify_csv, woocommerce_csv
from bot.services.importing.table import Problems, Record, read_records

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
        return FileReader(
            lambda path, problems: read_records(
                path, required=required, optional=optional, problems=problems
            )
        )
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
