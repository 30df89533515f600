"""Long orders and long lists fit Telegram's limits: paged with [Next ›], never cut or refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain.model import Customer, LineStatus, Order, OrderLine, Product
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.actions_e2e.chat import text
from tests.e2e.conftest import User, Users
from tests.e2e.shop import NOW, RULES, TODAY

GINA = Customer("C-GINA", "Gina", email="gina@example.com", language="en")
GINA_CHAT = 7010
PAN = "Stainless gastronorm pan 1/1 GN no."
TEXT_LIMIT = 4096
BUTTON_LIMIT = 100


async def _shop_for_gina(
    store: SqlStore,
    orders: dict[str, int],
    *,
    name: str = PAN,
    in_stock: int = 0,
    alternative: str | None = None,
) -> list[str]:
    """Gina's orders (id -> number of lines), each line a product of its own, the first
    `in_stock` of them in stock, each with an in-stock `alternative` when named; the SKUs."""
    lines = max(orders.values())
    skus = [f"GN-PAN-{number:03}" for number in range(1, lines + 1)]
    products = [
        Product(
            sku,
            f"{name}{number:02}",
            2500,
            "EUR",
            on_hand=10 if number <= in_stock else 0,
            lead_time_days=20,
            category="pans",
            alternatives=("GN-ALT-001",) if alternative else (),
        )
        for number, sku in enumerate(skus, start=1)
    ]
    if alternative is not None:
        products.append(Product("GN-ALT-001", alternative, 2600, "EUR", 50, category="pans"))
        skus.append("GN-ALT-001")
    await store.upsert_products(products, actor="test", at=NOW)
    placed = [
        Order(
            order_id,
            GINA.customer_id,
            NOW,
            "EUR",
            lines=tuple(OrderLine(order_id, n, skus[n - 1], 1, 2500) for n in range(1, count + 1)),
        )
        for order_id, count in orders.items()
    ]
    await store.upsert_orders([GINA], placed, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)
    await store.link_chat(GINA_CHAT, GINA.customer_id, via="order_contact", actor="test", at=NOW)
    return skus


def _buttons(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [button for row in event.get("buttons") or [] for button in row]


def _assert_fits(event: dict[str, Any], *, secrets: list[str]) -> None:
    """Within Telegram's limits, and no button data carries a shop's order id or SKU."""
    assert len(text(event)) <= TEXT_LIMIT
    buttons = _buttons(event)
    assert len(buttons) <= BUTTON_LIMIT
    for button in buttons:
        data = str(button["callback_data"])
        assert len(data.encode()) <= 64
        assert not any(secret in data for secret in secrets), data


async def _walk(user: User, first: dict[str, Any], *, secrets: list[str]) -> list[dict[str, Any]]:
    """Every page from `first` on, pressing [Next ›] while there is one."""
    pages = [first]
    while any("Next" in str(button["text"]) for button in _buttons(pages[-1])):
        _assert_fits(pages[-1], secrets=secrets)
        pages.append(await user.tap("Next ›"))
        assert pages[-1]["kind"] == "bot_edit"
    _assert_fits(pages[-1], secrets=secrets)
    return pages


async def test_a_30_line_order_of_long_names_opens_in_pages_that_show_every_line(
    users: Users, store: SqlStore
) -> None:
    skus = await _shop_for_gina(store, {"G-30": 30})
    gina = await users.create(GINA_CHAT, "Gina")
    [first] = await gina.say("/orders G-30")
    pages = await _walk(gina, first, secrets=["G-30", *skus])
    assert len(pages) > 1
    shown = "\n".join(text(page) for page in pages)
    assert all(f"{PAN}{number:02} × 1" in shown for number in range(1, 31))
    assert f"Page 1 of {len(pages)}" in text(pages[0])
    back = await gina.tap("‹ Previous")
    assert text(back) == text(pages[-2])
    assert "something went wrong" not in str(await gina.client.transcript(GINA_CHAT))


async def test_a_60_line_order_pages_its_120_line_buttons_below_100_a_message(
    users: Users, store: SqlStore
) -> None:
    skus = await _shop_for_gina(store, {"G-60": 60})
    gina = await users.create(GINA_CHAT, "Gina")
    [first] = await gina.say("/orders G-60")
    pages = await _walk(gina, first, secrets=["G-60", *skus])
    cancels = [b for page in pages for b in _buttons(page) if b["text"].startswith("Cancel Stain")]
    assert len(cancels) == 60
    assert all(any(b["text"] == "Cancel order" for b in _buttons(page)) for page in pages)


async def test_a_300_character_product_name_is_shortened_on_its_buttons_but_whole_in_the_text(
    users: Users, store: SqlStore
) -> None:
    name = "Stainless gastronorm pan 1/1 GN, heavy duty, with lid and handles " * 5
    await _shop_for_gina(store, {"G-300": 3}, name=name[:297])
    gina = await users.create(GINA_CHAT, "Gina")
    [order] = await gina.say("/orders G-300")
    _assert_fits(order, secrets=["G-300", "GN-PAN"])
    labels = [str(b["text"]) for b in _buttons(order) if str(b["text"]).startswith("Cancel Stain")]
    assert len(labels) == 3
    assert all(len(label) <= 40 and "…" in label for label in labels)
    assert f"{name[:297]}01 × 1" in text(order)


async def test_a_customer_with_120_open_orders_pages_the_list_and_reaches_every_order(
    users: Users, store: SqlStore
) -> None:
    order_ids = [f"SHOP-ORDER-{number:04}" for number in range(1, 121)]
    skus = await _shop_for_gina(store, dict.fromkeys(order_ids, 1))
    gina = await users.create(GINA_CHAT, "Gina")
    [first] = await gina.say("/orders")
    assert "You have 120 open orders." in text(first)
    pages = await _walk(gina, first, secrets=[*order_ids, *skus])
    listed = [str(b["text"]) for page in pages for b in _buttons(page) if "Order" in b["text"]]
    assert len(listed) == 120
    assert all(any(order_id in label for label in listed) for order_id in order_ids)
    opened = await gina.tap("SHOP-ORDER-")
    assert "Order SHOP-ORDER-" in text(opened)


async def test_cancelling_a_60_line_order_pages_the_confirmation_and_ends_cancelled(
    users: Users, store: SqlStore
) -> None:
    skus = await _shop_for_gina(store, {"G-60": 60})
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders G-60")
    question = await gina.tap("Cancel order")
    pages = await _walk(gina, question, secrets=["G-60", *skus])
    assert len(pages) > 1
    assert all("Yes, cancel" in str(page["buttons"]) for page in pages)
    listed = "\n".join(text(page) for page in pages)
    assert all(f"• {PAN}{number:02} × 1" in listed for number in range(1, 61))
    done = await gina.tap("Yes, cancel")
    _assert_fits(done, secrets=["G-60", *skus])
    assert "Cancelled. We will refund €1,500.00" in text(done)
    order = await store.get_order("G-60")
    assert order is not None and {line.status for line in order.lines} == {LineStatus.CANCELLED}


async def test_a_fully_cancelled_order_reads_cancelled_not_that_it_has_no_date(
    users: Users, store: SqlStore
) -> None:
    await _shop_for_gina(store, {"G-2": 2})
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders G-2")
    await gina.tap("Cancel order")
    done = await gina.tap("Yes, cancel")
    assert "This order is cancelled." in text(done)
    assert "can't give a ship date" not in text(done)


async def test_an_order_everything_of_which_shipped_or_was_cancelled_says_nothing_is_left(
    users: Users, store: SqlStore
) -> None:
    await _shop_for_gina(store, {"G-2": 2})
    order = await store.get_order("G-2")
    assert order is not None
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders G-2")
    await gina.tap("Cancel Stainless")
    await gina.tap("Yes, cancel")
    shipped = (OrderLine("G-2", 2, order.lines[1].sku, 1, 2500, LineStatus.SHIPPED),)
    cancelled = (OrderLine("G-2", 1, order.lines[0].sku, 1, 2500, LineStatus.CANCELLED),)
    await store.upsert_orders(
        [GINA],
        [Order("G-2", GINA.customer_id, NOW, "EUR", lines=cancelled + shipped)],
        actor="test",
        at=NOW,
    )
    [view] = await gina.say("/orders G-2")
    assert "Nothing left to ship: every item has shipped or was cancelled." in text(view)


async def test_shipping_what_is_ready_of_a_60_line_order_pages_both_parts_then_ships_them(
    users: Users, store: SqlStore
) -> None:
    skus = await _shop_for_gina(store, {"G-60": 60}, in_stock=30)
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders G-60")
    question = await gina.tap("Ship what's ready")
    pages = await _walk(gina, question, secrets=["G-60", *skus])
    assert len(pages) > 1
    listed = "\n".join(text(page) for page in pages)
    assert all(f"• {PAN}{number:02} × 1" in listed for number in range(1, 61))
    assert "Ships now:" in text(pages[0]) and "Follows later:" in text(pages[-1])
    assert all(
        text(page).count("Ships now:") + text(page).count("Follows later:") for page in pages
    )
    done = await gina.tap("Yes, ship what's ready")
    _assert_fits(done, secrets=["G-60", *skus])
    assert "the ready items ship now" in text(done)
    order = await store.get_order("G-60")
    assert order is not None and sum(line.ship_now for line in order.lines) == 30


async def test_an_alternative_with_a_300_character_name_gets_a_short_label_and_no_sku_in_data(
    users: Users, store: SqlStore
) -> None:
    name = ("Stainless gastronorm pan 1/1 GN, heavy duty, with lid and handles " * 5)[:297]
    skus = await _shop_for_gina(store, {"G-1": 2}, alternative=name)
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders G-1")
    offers = await gina.tap("Alternatives to")
    _assert_fits(offers, secrets=["G-1", *skus])
    (offer,) = [b for b in _buttons(offers) if str(b["text"]).startswith("Stainless")]
    assert len(str(offer["text"])) <= 64 and "…" in str(offer["text"])
    question = await gina.tap(str(offer["text"]))
    _assert_fits(question, secrets=["G-1", *skus])
    done = await gina.tap("I accept the extra")
    assert "Swapped" in text(done)
    order = await store.get_order("G-1")
    assert order is not None and "GN-ALT-001" in {line.sku for line in order.lines}


async def test_only_the_dates_on_the_list_page_shown_count_as_told(
    users: Users, store: SqlStore
) -> None:
    order_ids = [f"G-{number:02}" for number in range(1, 13)]
    await _shop_for_gina(store, dict.fromkeys(order_ids, 1))
    gina = await users.create(GINA_CHAT, "Gina")
    await gina.say("/orders")

    async def told() -> set[str]:
        states = await store.notice_states(order_ids)
        return {order_id for order_id, state in states.items() if state.communicated_date}

    first_page = await told()
    assert len(first_page) == 10
    await gina.tap("Next ›")
    assert await told() == set(order_ids)


async def test_a_40_line_order_of_a_range_of_pans_gets_item_buttons_that_tell_them_apart(
    users: Users, store: SqlStore
) -> None:
    await _shop_for_gina(store, {"G-40": 40})
    gina = await users.create(GINA_CHAT, "Gina")
    [first] = await gina.say("/orders G-40")
    pages = await _walk(gina, first, secrets=["G-40"])

    cancels = [
        str(b["text"])
        for page in pages
        for b in _buttons(page)
        if b["text"] != "Cancel order"
        if str(b["text"]).startswith("Cancel ")
    ]
    assert len(cancels) == 40
    assert len(set(cancels)) == 40
    assert all(f"no.{number:02}" in label for number, label in enumerate(cancels, start=1))


async def test_names_alike_but_in_the_middle_get_numbered_buttons_on_every_page(
    users: Users, store: SqlStore
) -> None:
    await _shop_for_gina(store, {"G-12": 12})
    pans = await store.get_products({f"GN-PAN-{n:03}" for n in range(1, 13)})
    await store.upsert_products(
        [
            replace(pan, name=f"Stainless pan no.{sku[-2:]}, heavy duty, with lid, 1/1 GN")
            for sku, pan in pans.items()
        ],
        actor="test",
        at=NOW,
    )
    gina = await users.create(GINA_CHAT, "Gina")
    [first] = await gina.say("/orders G-12")
    pages = await _walk(gina, first, secrets=["G-12"])

    labels = [
        str(b["text"])
        for page in pages
        for b in _buttons(page)
        if str(b["text"]).startswith("Cancel Stain")
    ]
    assert len(labels) == 12
    assert all(label.endswith(f"(item {n})") for n, label in enumerate(labels, start=1))
