"""The platforms' fields as DESIGN §4 values: countries, locales, prices, statuses, moments."""

from __future__ import annotations

import pytest

from bot.domain.jurisdictions import jurisdiction_of
from bot.domain.model import Jurisdiction
from bot.services.importing.shopify_csv import export_moment
from bot.services.importing.woocommerce_csv import line_status, unit_price
from bot.services.shopify_orders import language_tag, map_order


@pytest.mark.parametrize(
    ("country", "jurisdiction"),
    [
        ("US", Jurisdiction.US),
        ("de", Jurisdiction.EU),
        ("GR", Jurisdiction.EU),
        ("GB", Jurisdiction.UK),
        ("CH", None),
        ("NO", None),
        ("", None),
        (None, None),
    ],
)
def test_a_country_code_gives_its_consumer_law_regime(
    country: str | None, jurisdiction: Jurisdiction | None
) -> None:
    assert jurisdiction_of(country) is jurisdiction


@pytest.mark.parametrize(
    ("locale", "tag"),
    [("de", "de"), ("pt-BR", "pt-BR"), ("en-AE", "en-AE"), ("xx-YY", None), ("", None)],
)
def test_a_shopify_locale_becomes_a_language_babel_knows(locale: str, tag: str | None) -> None:
    assert language_tag(locale) == tag


@pytest.mark.parametrize(
    ("total", "quantity", "currency", "unit"),
    [
        ("25.00", "2", "EUR", "12.50"),
        ("10.00", "3", "EUR", "3.33"),
        ("10.01", "2", "EUR", "5.01"),
        ("1500", "2", "JPY", "750"),
        ("abc", "2", "EUR", "abc"),
        ("25.00", "0", "EUR", "25.00"),
        ("25.00", "2", "XXX-BAD", "25.00"),
    ],
)
def test_a_woocommerce_line_total_is_split_into_a_unit_price(
    total: str, quantity: str, currency: str, unit: str
) -> None:
    assert unit_price(total, quantity, currency) == unit


@pytest.mark.parametrize(
    ("status", "line"),
    [
        ("completed", "shipped"),
        ("wc-completed", "shipped"),
        ("cancelled", "cancelled"),
        ("refunded", "cancelled"),
        ("failed", "cancelled"),
        ("processing", "open"),
        ("on-hold", "open"),
        ("", "open"),
    ],
)
def test_a_woocommerce_status_gives_the_line_status(status: str, line: str) -> None:
    assert line_status(status) == line


def test_shopifys_export_moment_becomes_iso_8601() -> None:
    assert export_moment("2026-02-27 10:00:00 +0100") == "2026-02-27T10:00:00+01:00"
    assert export_moment("27/02/2026") == "27/02/2026"


def test_an_order_without_contact_details_still_gets_a_customer_and_name() -> None:
    mapped = map_order(
        {
            "name": "#77",
            "created_at": "2026-02-27T10:00:00Z",
            "currency": "USD",
            "phone": "not a phone",
            "line_items": [{"sku": "A", "quantity": 1, "price": "1.00"}],
        },
        topic="orders/create",
    )
    ((index, row),) = mapped.rows
    assert index == 0
    assert row["customer_id"] == "shopify:order:#77"
    assert row["customer_name"] == "#77"
    assert row["customer_phone"] == ""
    assert "jurisdiction" not in row and "customer_language" not in row
    assert not mapped.cancelled and not mapped.refunded
