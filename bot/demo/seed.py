"""A realistic demo shop generated relative to today and loaded through the real CSV import."""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo.catalogue import (
    BASE_CURRENCY,
    CONFIRMED_SKU,
    ESTIMATE_SKU,
    IN_STOCK_SKU,
    PLANNED_SKU,
    PRODUCTS,
    REGIONS,
    UNKNOWN_SKU,
    DemoProduct,
    Region,
)
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.store import ImportStore

Row = dict[str, str]

PRODUCT_COLUMNS = (
    "sku", "name", "category", "price", "currency", "on_hand", "lead_time_days",
    "handling_days", "supplier", "alternatives",
)  # fmt: skip
ORDER_COLUMNS = (
    "order_id", "line_no", "customer_id", "customer_name", "customer_email", "customer_phone",
    "customer_language", "customer_timezone", "placed_at", "promised_ship_date", "jurisdiction",
    "priority", "sku", "quantity", "unit_price", "currency", "status",
)  # fmt: skip
PO_COLUMNS = (
    "po_id", "sku", "quantity", "received_quantity", "expected_date", "status", "supplier",
)  # fmt: skip

FIRST_ORDER_NUMBER = 10401
DEMO_SEED = 20261125
# Why: the demo customer's orders must be first in line for their SKUs, so random orders of
# those SKUs are only placed after this many days before today.
DEMO_ORDER_AGES = (8, 4)
# Why: promised dates beyond every seeded estimate, so the first delay notice the demo customer
# gets is the one the staged supplier slip causes (see bot/demo/shop.py).
DEMO_PROMISED_DAYS = (35, 30)
RANDOM_ORDER_MAX_AGE = 70
SHIPPED_AFTER_DAYS = 35


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """The customer the terminal chat plays."""

    customer_id: str
    name: str
    email: str
    phone: str
    language: str
    order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Shop:
    """CSV rows for the three import kinds, the demo customer, and every customer with an order."""

    products: list[Row]
    orders: list[Row]
    purchase_orders: list[Row]
    demo_customer: DemoCustomer
    customer_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Person:
    customer_id: str
    name: str
    email: str
    phone: str
    region: Region
    timezone: str


@dataclass(slots=True)
class _Draft:
    person: _Person
    placed_at: datetime
    lines: list[tuple[str, int, str]]  # sku, quantity, status
    priority: int = 0
    promised_days: int | None = None
    order_id: str = ""


DEMO_PERSON = _Person(
    customer_id="C-1000",
    name="Alex Morgan",
    email="alex.morgan@example.com",
    phone="+1 415 555 0100",
    region=REGIONS[0],
    timezone="America/New_York",
)
DEMO_SKUS = frozenset({IN_STOCK_SKU, CONFIRMED_SKU, PLANNED_SKU, ESTIMATE_SKU, UNKNOWN_SKU})


def build_shop(
    today: date,
    *,
    customers: int | None = None,
    orders: int = 100,
    seed: int = DEMO_SEED,
    calendar: BusinessCalendar | None = None,
) -> Shop:
    """The demo shop's rows, dated relative to `today`, promising business days of `calendar`."""
    days = calendar or BusinessCalendar()
    rng = random.Random(seed)
    people = _people(rng, customers)
    drafts = _demo_drafts(today) + _random_drafts(rng, people, today, orders - 2)
    drafts.sort(key=lambda draft: (draft.placed_at, draft.person.customer_id))
    for number, draft in enumerate(drafts, start=FIRST_ORDER_NUMBER):
        draft.order_id = str(number)
    demo_orders = tuple(d.order_id for d in drafts if d.person is DEMO_PERSON)
    demo = DemoCustomer(
        DEMO_PERSON.customer_id,
        DEMO_PERSON.name,
        DEMO_PERSON.email,
        DEMO_PERSON.phone,
        DEMO_PERSON.region.language,
        demo_orders,
    )
    order_rows = [row for draft in drafts for row in _order_rows(draft, days)]
    return Shop(
        products=[_product_row(product) for product in PRODUCTS],
        orders=order_rows,
        purchase_orders=_purchase_order_rows(today),
        demo_customer=demo,
        customer_ids=tuple(dict.fromkeys(row["customer_id"] for row in order_rows)),
    )


def write_csv_files(shop: Shop, directory: Path) -> dict[str, Path]:
    """Write the shop as the three CSV files of DESIGN §4, keyed by import kind."""
    files = {
        "products": (PRODUCT_COLUMNS, shop.products),
        "orders": (ORDER_COLUMNS, shop.orders),
        "purchase-orders": (PO_COLUMNS, shop.purchase_orders),
    }
    paths: dict[str, Path] = {}
    for kind, (columns, rows) in files.items():
        path = directory / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        paths[kind] = path
    return paths


class SeedError(RuntimeError):
    """The generated shop did not import cleanly (a bug in the seed, not in the user's input)."""


async def seed_store(
    store: ImportStore,
    workdir: Path,
    *,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    customers: int | None = None,
    orders: int = 100,
) -> Shop:
    """Generate the shop for the business's today, write it as CSV and import it for real."""
    from bot.services.importing import import_csv

    shop = build_shop(
        now.astimezone(timezone).date(),
        customers=customers,
        orders=orders,
        calendar=rules.calendar,
    )
    for kind, path in write_csv_files(shop, workdir).items():
        report = await import_csv(
            store, kind, path, timezone=timezone, rules=rules, now=now, actor="demo"
        )
        if report.errors:
            raise SeedError(f"demo {kind} did not import: " + "; ".join(map(str, report.errors)))
    return shop


def _people(rng: random.Random, count: int | None) -> list[_Person]:
    """Customers from every region; beyond the name pools, names repeat as in any real shop."""
    pool = [(region, name, local) for region in REGIONS for name, local in region.people]
    total = len(pool) if count is None else count
    people: list[_Person] = []
    for index in range(total):
        region, name, local = pool[index % len(pool)]
        suffix = "" if index < len(pool) else str(index // len(pool) + 1)
        with_phone = rng.random() < 0.75
        people.append(
            _Person(
                customer_id=f"C-{1001 + index}",
                name=name,
                email=f"{local}{suffix}@{region.email_domain}",
                phone=f"{region.phone_prefix}{rng.randrange(100, 1000)}" if with_phone else "",
                region=region,
                timezone=rng.choice(region.timezones),
            )
        )
    return people


def _demo_drafts(today: date) -> list[_Draft]:
    """Two orders whose lines together show every confidence kind."""
    first_age, second_age = DEMO_ORDER_AGES
    first_promise, second_promise = DEMO_PROMISED_DAYS
    return [
        _Draft(
            DEMO_PERSON,
            _moment(today, first_age, hour=9, minute=41),
            [(IN_STOCK_SKU, 1, "open"), (CONFIRMED_SKU, 1, "open"), (PLANNED_SKU, 1, "open")],
            promised_days=first_promise,
        ),
        _Draft(
            DEMO_PERSON,
            _moment(today, second_age, hour=20, minute=15),
            [(ESTIMATE_SKU, 1, "open"), (UNKNOWN_SKU, 1, "open")],
            promised_days=second_promise,
        ),
    ]


def _random_drafts(
    rng: random.Random, people: Sequence[_Person], today: date, count: int
) -> list[_Draft]:
    skus = [product.sku for product in PRODUCTS]
    weights = [1 if product.sku in DEMO_SKUS else 3 for product in PRODUCTS]
    drafts: list[_Draft] = []
    for index in range(count):
        age = rng.randrange(1, RANDOM_ORDER_MAX_AGE)
        placed_at = _moment(today, age, hour=rng.randrange(7, 23), minute=rng.randrange(60))
        line_count = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        chosen: list[str] = []
        while len(chosen) < line_count:
            sku = rng.choices(skus, weights=weights)[0]
            if sku in chosen or (sku in DEMO_SKUS and age >= min(DEMO_ORDER_AGES)):
                continue
            chosen.append(sku)
        lines = [(sku, rng.choices((1, 2, 3), (8, 3, 1))[0], _status(rng, age)) for sku in chosen]
        drafts.append(
            _Draft(
                # Everyone ordered at least once, or they would not be a customer.
                people[index] if index < len(people) else rng.choice(people),
                placed_at,
                lines,
                # A few express orders are served first (DESIGN §5.2), never on the demo's SKUs.
                priority=1 if rng.random() < 0.08 and not DEMO_SKUS & set(chosen) else 0,
                promised_days=rng.choice((None, 3, 5, 10)),
            )
        )
    return drafts


def _status(rng: random.Random, age: int) -> str:
    if rng.random() < 0.04:
        return "cancelled"
    # Most old orders went out long ago; a few lines are still waiting for supply.
    if age > SHIPPED_AFTER_DAYS and rng.random() < 0.8:
        return "shipped"
    return "open"


def _moment(today: date, days_ago: int, *, hour: int, minute: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=UTC)


def _product_row(product: DemoProduct) -> Row:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "currency": BASE_CURRENCY,
        "on_hand": str(product.on_hand),
        "lead_time_days": "" if product.lead_time_days is None else str(product.lead_time_days),
        "handling_days": "" if product.handling_days is None else str(product.handling_days),
        "supplier": product.supplier,
        "alternatives": "|".join(product.alternatives),
    }


_PRICES: Mapping[str, Decimal] = {product.sku: Decimal(product.price) for product in PRODUCTS}


def _order_rows(draft: _Draft, calendar: BusinessCalendar) -> list[Row]:
    person = draft.person
    region = person.region
    # Why: a shop promises a day it ships on, never a weekend or a public holiday.
    promised = (
        ""
        if draft.promised_days is None
        else calendar.next_business_day_on_or_after(
            draft.placed_at.date() + timedelta(days=draft.promised_days)
        ).isoformat()
    )
    rows: list[Row] = []
    for line_no, (sku, quantity, status) in enumerate(draft.lines, start=1):
        price = (_PRICES[sku] * Decimal(region.rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        rows.append(
            {
                "order_id": draft.order_id,
                "line_no": str(line_no),
                "customer_id": person.customer_id,
                "customer_name": person.name,
                "customer_email": person.email,
                "customer_phone": person.phone,
                "customer_language": region.language,
                "customer_timezone": person.timezone,
                "placed_at": draft.placed_at.isoformat(),
                "promised_ship_date": promised,
                "jurisdiction": region.jurisdiction,
                "priority": str(draft.priority),
                "sku": sku,
                "quantity": str(quantity),
                "unit_price": str(price),
                "currency": region.currency,
                "status": status,
            }
        )
    return rows


def _purchase_order_rows(today: date) -> list[Row]:
    """Ten purchase orders: confirmed and planned, some overdue, some partly received."""
    plan = (
        ("PO-7001", CONFIRMED_SKU, 30, 0, 6, "confirmed"),
        ("PO-7002", PLANNED_SKU, 20, 0, 24, "planned"),
        ("PO-7003", "KT-MIXR-04", 15, 0, -3, "confirmed"),
        ("PO-7004", "OD-SBAG-02", 25, 10, 2, "confirmed"),
        ("PO-7005", "CG-SCAL-04", 40, 0, 10, "confirmed"),
        ("PO-7006", "KT-DOVN-01", 30, 0, 35, "planned"),
        ("PO-7007", "OD-PACK-05", 20, 12, -1, "confirmed"),
        ("PO-7008", "BK-FERM-04", 50, 0, 14, "confirmed"),
        ("PO-7009", "HM-THRW-02", 18, 0, 42, "planned"),
        ("PO-7010", "CG-DRIP-03", 60, 0, 4, "confirmed"),
    )
    suppliers = {product.sku: product.supplier for product in PRODUCTS}
    return [
        {
            "po_id": po_id,
            "sku": sku,
            "quantity": str(quantity),
            "received_quantity": str(received),
            "expected_date": (today + timedelta(days=days)).isoformat(),
            "status": status,
            "supplier": suppliers[sku],
        }
        for po_id, sku, quantity, received, days, status in plan
    ]
