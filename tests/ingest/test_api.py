"""The ingest API (DESIGN §14): token, all-or-nothing with item indexes, Idempotency-Key."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot import metrics
from bot.i18n import Catalogs
from bot.services.eta import RECOMPUTE_MARK
from bot.web import ingest as ingest_web
from storage.store import SqlStore
from tests.importing.conftest import dump
from tests.ingest.conftest import TOKEN, Api, make_services, serve
from tests.sql import fetch_value

ORDERS = "/api/v1/orders"


def line(order_id: str = "1001", **changes: Any) -> dict[str, Any]:
    """One order line as the API takes it."""
    item: dict[str, Any] = {
        "order_id": order_id,
        "customer_id": "C1",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "customer_language": "en",
        "placed_at": "2026-02-27T10:00:00+00:00",
        "jurisdiction": "UK",
        "sku": "MUG-1",
        "quantity": 2,
        "unit_price": 12.50,
        "currency": "EUR",
    }
    item.update(changes)
    return item


async def api_audit_rows(store: SqlStore) -> int:
    return int(await fetch_value(store, "SELECT COUNT(*) FROM audit_log WHERE actor = 'api'"))


async def test_good_items_are_imported_and_their_orders_dated(api: Api) -> None:
    items = [line(), line(sku="CUP-1", quantity=1, unit_price="8.00"), line("1002", quantity=1)]
    mark = await api.store.get_setting(RECOMPUTE_MARK)
    status, answer = await api.post(ORDERS, items)
    # The running bot sweeps (and queues notices) when the mark moves, as after a CSV import.
    assert await api.store.get_setting(RECOMPUTE_MARK) != mark
    assert (status, answer) == (200, {"imported": 3})
    orders = await api.store.get_orders({"1001", "1002"})
    assert [(line.sku, line.quantity, line.unit_price_minor) for line in orders["1001"].lines] == [
        ("MUG-1", 2, 1250),
        ("CUP-1", 1, 800),
    ]
    etas = await api.store.line_etas({"1001"})
    assert len(etas) == 2
    assert await api_audit_rows(api.store) > 0


async def test_products_and_purchase_orders_go_in_the_same_way(api: Api) -> None:
    product = {"sku": "BOWL-1", "name": "Bowl", "price": "9.90", "currency": "EUR", "on_hand": 4}
    assert await api.post("/api/v1/products", [product]) == (200, {"imported": 1})
    po = {"po_id": "PO-9", "sku": "BOWL-1", "quantity": 5, "expected_date": "2026-03-20"}
    assert await api.post("/api/v1/purchase-orders", [po]) == (200, {"imported": 1})
    assert (await api.store.get_products({"BOWL-1"}))["BOWL-1"].on_hand == 4
    assert (await api.store.get_purchase_orders({"PO-9"}))["PO-9"].quantity == 5


async def test_bad_items_get_422_with_their_indexes_and_nothing_changes(api: Api) -> None:
    before = await dump(api.store)
    items = [
        line(),
        line("1002", sku="NOPE"),
        line("1003", quantity=0),
        {k: v for k, v in line("1004").items() if k != "placed_at"},
        line("1005", colour="blue"),
        line("1006", quantity=True),
    ]
    status, answer = await api.post(ORDERS, items)
    assert status == 422
    found = {(error["index"], error["field"]) for error in answer["errors"]}
    assert found == {
        (1, "sku"),
        (2, "quantity"),
        (3, "placed_at"),
        (4, "colour"),
        (5, "quantity"),
    }
    assert any("unknown SKU 'NOPE'" in error["message"] for error in answer["errors"])
    assert await dump(api.store) == before


async def test_a_row_conflicting_with_an_earlier_item_names_that_items_index(api: Api) -> None:
    status, answer = await api.post(ORDERS, [line(), line(currency="USD")])
    assert status == 422
    (error,) = answer["errors"]
    assert (error["index"], error["field"]) == (1, "currency")
    assert "index 0" in error["message"]


async def test_a_left_out_key_keeps_the_stored_value_and_null_clears_it(api: Api) -> None:
    await api.post(ORDERS, [line(customer_phone="+44 20 7946 0018")])
    again = {k: v for k, v in line().items() if k != "customer_language"}
    again["customer_email"] = None
    assert (await api.post(ORDERS, [again]))[0] == 200
    customer = (await api.store.imported_customers({"C1"}))["C1"]
    assert customer.language == "en"
    assert customer.phone == "+44 20 7946 0018"
    assert customer.email is None


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{not json", "not valid JSON"),
        ({"order_id": "1"}, "JSON array of objects, not an object"),
        (["x"], "item 0 must be a JSON object"),
        (b"\xff\xfe[]", "not UTF-8"),
    ],
)
async def test_a_body_that_is_not_an_array_of_objects_gets_400(
    api: Api, body: Any, said: str
) -> None:
    before = await dump(api.store)
    status, answer = await api.post(ORDERS, body)
    assert status == 400
    assert said in answer["error"]
    assert await dump(api.store) == before


@pytest.mark.parametrize("token", [None, "wrong-token", "", TOKEN[:-1], TOKEN + "x"])
async def test_a_missing_or_wrong_token_gets_401_and_changes_nothing(
    api: Api, token: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await dump(api.store)
    status, answer = await api.post(ORDERS, [line()], token=token)
    assert status == 401
    assert "bearer token" in answer["error"]
    assert await dump(api.store) == before
    assert (await api.post(ORDERS, [line()]))[0] == 200
    assert TOKEN not in caplog.text


async def test_without_a_token_setting_there_is_no_api(store: SqlStore, catalogs: Catalogs) -> None:
    async for client in serve(make_services(store, catalogs)):
        status, _ = await client.post(ORDERS, [line()])
        assert status == 404


async def test_a_retried_request_gets_the_first_answer_and_imports_once(api: Api) -> None:
    first = await api.post(ORDERS, [line()], key="push-42")
    audited = await api_audit_rows(api.store)
    # The shop changes the stored order in between; a retry must not undo that.
    await api.post(ORDERS, [line(quantity=5)])
    changed = await dump(api.store)
    retried = await api.post(ORDERS, [line()], key="push-42")
    assert first == retried == (200, {"imported": 1})
    assert await dump(api.store) == changed
    assert audited > 0


async def test_a_rejected_request_keeps_no_answer_so_its_retry_is_validated_again(
    api: Api,
) -> None:
    bowl = {"sku": "BOWL-1", "name": "Bowl", "price": "9.90", "currency": "EUR", "on_hand": 0}
    first = await api.post(ORDERS, [line(sku="BOWL-1")], key="push-43")
    assert first[0] == 422
    # Unchanged data: validated again, the same 422, still nothing stored under the key.
    status, answer, replayed = await api.post_replayed(ORDERS, [line(sku="BOWL-1")], key="push-43")
    assert ((status, answer), replayed) == (first, False)
    # The shop imports the missing product and retries with the same key: the order imports.
    assert await api.post("/api/v1/products", [bowl]) == (200, {"imported": 1})
    assert await api.post(ORDERS, [line(sku="BOWL-1")], key="push-43") == (200, {"imported": 1})
    assert [line.sku for line in (await api.store.get_orders({"1001"}))["1001"].lines] == ["BOWL-1"]
    retried = await api.post_replayed(ORDERS, [line(sku="BOWL-1")], key="push-43")
    assert retried == (200, {"imported": 1}, True)


async def test_a_key_reused_with_another_body_or_endpoint_gets_422_and_changes_nothing(
    api: Api,
) -> None:
    await api.post(ORDERS, [line()], key="push-44")
    before = await dump(api.store)
    status, answer = await api.post(ORDERS, [line(quantity=3)], key="push-44")
    assert status == 422
    assert answer["errors"][0]["field"] == "Idempotency-Key"
    assert "different body" in answer["errors"][0]["message"]
    status, answer = await api.post("/api/v1/products", [], key="push-44")
    assert status == 422
    assert "POST /api/v1/orders" in answer["errors"][0]["message"]
    assert await dump(api.store) == before


async def test_two_requests_with_one_key_at_once_import_once(api: Api) -> None:
    items = [line(str(1000 + n)) for n in range(50)]
    answers = await asyncio.gather(
        *(api.post_replayed(ORDERS, items, key="push-45") for _ in range(4))
    )
    assert [(status, answer) for status, answer, _ in answers] == [(200, {"imported": 50})] * 4
    assert sorted(replayed for _, _, replayed in answers) == [False, True, True, True]
    assert await fetch_value(api.store, "SELECT COUNT(*) FROM ingest_requests") == 1


async def test_a_batch_over_a_mebibyte_is_taken_whatever_the_servers_default_limit(
    api: Api,
) -> None:
    items = [line(str(10_000 + n), customer_name="A" * 120) for n in range(3_000)]
    status, answer = await api.post(ORDERS, items)
    assert (status, answer) == (200, {"imported": 3_000})


async def test_a_sku_twice_in_one_request_names_both_indexes(api: Api) -> None:
    product = {"sku": "BOWL-1", "name": "Bowl", "price": "9.90", "currency": "EUR", "on_hand": 4}
    status, answer = await api.post("/api/v1/products", [product, {**product, "on_hand": 5}])
    assert status == 422
    (error,) = answer["errors"]
    assert (error["index"], error["field"]) == (1, "sku")
    assert "first on index 0" in error["message"]


async def test_a_body_over_the_limit_gets_413_and_changes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_web, "MAX_BODY", 1_000)
    before = await dump(api.store)
    status, answer = await api.post(ORDERS, [line(str(n)) for n in range(10)])
    assert status == 413
    assert "send fewer items" in answer["error"]
    assert await dump(api.store) == before


async def test_an_import_through_the_api_is_timed_in_the_recompute_histogram(api: Api) -> None:
    def recomputes() -> float:
        count = metrics.REGISTRY.get_sample_value("backorder_eta_recompute_seconds_count")
        return count or 0.0

    before = recomputes()
    assert await api.post(ORDERS, [line()]) == (200, {"imported": 1})  # dated in the background
    assert recomputes() - before == 1
