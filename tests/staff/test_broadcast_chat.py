"""Staff broadcast from the chat: segment, message, preview, confirm, progress and report (§11)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.domain.model import Customer, Order, OrderLine, Product
from bot.sandbox.client import SandboxClient
from bot.services.broadcasts import broadcast_status
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated
from handlers.staff.broadcast_progress import PROGRESS_INTERVAL
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.staff.conftest import STAFF_ID
from tests.staff.test_po_chat import plain, say
from tests.staff.test_refused import STALE, UNKNOWN_COMMAND, answer_to_press, dump

BUYERS = [
    shop.Buyer(821),
    shop.Buyer(822, language="de"),
    shop.Buyer(823, language="fr"),
]


def action(event: dict[str, Any], name: str) -> str:
    """The callback data of the wizard button doing `name`."""
    (found,) = [
        str(b["callback_data"])
        for row in event["buttons"]
        for b in row
        if str(b.get("callback_data")).endswith(f":{name}")
        or str(b.get("callback_data")).startswith(name)
    ]
    return found


def labels(event: dict[str, Any]) -> list[str]:
    """The button labels of a message, row after row."""
    return [str(b["text"]) for row in event["buttons"] for b in row]


async def tap(client: SandboxClient, event: dict[str, Any], name: str) -> dict[str, Any]:
    """Press a wizard button of `event`; the bot's last message or edit after it."""
    after = await client.last_seq(STAFF_ID)
    await client.press(STAFF_ID, data=action(event, name))
    return (await client.wait_for(STAFF_ID, after=after, count=1, timeout=15))[-1]


async def typed(client: SandboxClient, text: str) -> dict[str, Any]:
    """Type an answer; the bot's reply or edit."""
    reply: dict[str, Any] = (await say(client, STAFF_ID, text))[-1]
    return reply


async def final_report(client: SandboxClient, message_id: int) -> dict[str, Any]:
    """The progress message once it has become the final report."""
    after = 0
    for _ in range(60):
        events = await client.wait_for(STAFF_ID, after=after, count=1, timeout=20)
        after = max(int(event["seq"]) for event in events)
        for event in events:
            if (
                event["message_id"] == message_id
                and not event["buttons"]
                and ("finished" in event["text"] or "stopped" in event["text"])
            ):
                return event
    raise AssertionError("no final report")


async def until_some_received(client: SandboxClient, crowd: list[shop.Buyer]) -> None:
    """Wait until the first copies reached customers (the broadcast is under way)."""
    for _ in range(300):
        for buyer in crowd:
            if await received(client, buyer.chat_id):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("no copy reached a customer")


async def stop_shown(client: SandboxClient, progress: dict[str, Any]) -> dict[str, Any]:
    """Press [Stop broadcast]; the progress message's first edit showing the stop.

    Why: a progress tick (every PROGRESS_INTERVAL) may edit the message between the press and the
    stop's own edit; that edit is no answer to the press.
    """
    after = await client.last_seq(STAFF_ID)
    await client.press(STAFF_ID, data=action(progress, "bx:"))
    for _ in range(60):
        events = await client.wait_for(STAFF_ID, after=after, count=1, timeout=15)
        for event in events:
            if event["message_id"] == progress["message_id"] and "stopp" in plain(event["text"]):
                return event
        after = max(int(event["seq"]) for event in events)
    raise AssertionError("the stop was never shown")


async def received(client: SandboxClient, chat_id: int) -> list[str]:
    """The texts the bot sent to a customer's chat."""
    events = await client.transcript(chat_id)
    return [plain(e["text"]) for e in events if e["kind"] == "bot_message"]


async def test_a_template_broadcast_to_a_sku_reaches_each_customer_once_in_their_language(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        assert "Who should receive it?" in first["text"]
        assert labels(first) == [
            "All waiting customers",
            "By product (SKU)",
            "By supplier",
            "By purchase order",
            "Order list",
            "Cancel",
        ]
        asked = await tap(client, first, "ks")
        assert asked["message_id"] == first["message_id"]
        assert "Type the SKU" in asked["text"]
        refused = await typed(client, "SOFA")
        assert "No product SOFA — please type the SKU again." in refused["text"]
        narrow = await typed(client, "CHAIR")
        assert narrow["kind"] == "bot_edit" and narrow["message_id"] == first["message_id"]
        assert "Customers waiting for CHAIR" in narrow["text"]
        assert {"English", "Deutsch", "US", "EU", "UK", "Continue"} <= set(labels(narrow))
        message = await tap(client, narrow, "n")
        assert labels(message)[:3] == ["Supplier delay", "Stock arrived", "Write my own text"]
        reason = await tap(client, message, "t0")
        assert "Product: CHAIR" in reason["text"] and "Type the reason" in reason["text"]
        preview = await typed(client, "a storm at the port")
        text = plain(preview["text"])
        assert preview["message_id"] == first["message_id"]
        assert "3 customers will get it" in text
        assert "• English: 1" in text and "• German: 1" in text and "• French: 1" in text
        assert "Sample in German:" in text and "Bestellung O-822" in text
        assert "Sample in French:" in text
        assert "a storm at the port" in text
        assert labels(preview)[0] == "Send to 3 customers"
        progress = await tap(client, preview, "y")
        assert progress["message_id"] == first["message_id"]
        report = await final_report(client, first["message_id"])
        copies = {buyer.chat_id: await received(client, buyer.chat_id) for buyer in BUYERS}
        (view,) = [await broadcast_status(store, 1)]
    assert view is not None and view.counts.sent == 3
    assert "Broadcast #1 finished" in report["text"]
    assert "3 of 3 messages sent" in plain(report["text"])
    assert "Failed: 0" in report["text"]
    assert [len(texts) for texts in copies.values()] == [1, 1, 1]
    assert "A supplier delay affects your order" in copies[821][0]
    assert "Bestellung O-822" in copies[822][0]
    assert "O-823" in copies[823][0] and "commande" in copies[823][0]
    assert all("a storm at the port" in texts[0] for texts in copies.values())


async def add_desk_order(store: SqlStore, buyer: shop.Buyer) -> str:
    """A desk (21 days' lead time) ordered by `buyer` besides their chair; the order's id."""
    desk = Product("DESK", "Standing desk", 49900, "EUR", on_hand=0, lead_time_days=21)
    await store.upsert_products([desk], actor="test", at=shop.NOW)
    order_id = f"D-{buyer.chat_id}"
    order = Order(
        order_id,
        buyer.customer_id,
        shop.NOW - timedelta(hours=1),
        "EUR",
        jurisdiction=buyer.jurisdiction,
        lines=(OrderLine(order_id, 1, "DESK", 1, 49900),),
    )
    customer = Customer(buyer.customer_id, f"Buyer {buyer.chat_id}", language=buyer.language)
    await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await mark_communicated(store, buyer.customer_id, now=shop.NOW)
    return order_id


async def test_a_product_delay_to_all_waiting_customers_reaches_only_those_waiting_for_it(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    desk_order = await add_desk_order(store, BUYERS[0])
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "t0")
        reason = await typed(client, "DESK")
        assert "Type the reason the supplier gave" in reason["text"]
        preview = await typed(client, "a storm at the port")
        text = plain(preview["text"])
        assert "1 customer will get it" in text
        assert (
            "2 customers in the segment are left out: no open line of DESK this message is about."
            in text
        )
        assert labels(preview)[0] == "Send to 1 customer"
        progress = await tap(client, preview, "y")
        await final_report(client, progress["message_id"])
        copies = {buyer.chat_id: await received(client, buyer.chat_id) for buyer in BUYERS}
    assert copies[822] == [] and copies[823] == []
    (copy,) = copies[821]
    assert "Standing desk" in copy and desk_order in copy
    assert BUYERS[0].order_id not in copy  # the chair order has no desk in it


async def test_free_text_in_two_languages_goes_to_each_customer_in_theirs_or_the_default(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        assert "All waiting customers" in narrow["text"]
        message = await tap(client, narrow, "n")
        asked = await tap(client, message, "f")
        assert "Type the message for customers who read English:" in asked["text"]
        written = await typed(client, "Our warehouse is closed on Friday <3")
        assert "your own text in English" in written["text"]
        picks = await tap(client, written, "a")
        assert "Deutsch" in labels(picks) and "English" not in labels(picks)
        asked_de = await tap(client, picks, "pde")
        assert "customers who read German" in asked_de["text"]
        both = await typed(client, "Unser Lager ist am Freitag geschlossen")
        assert "your own text in German, English" in both["text"]
        assert "• German: Unser Lager ist am Freitag geschlossen" in plain(both["text"])
        assert "• English: Our warehouse is closed on Friday <3" in plain(both["text"])
        preview = await tap(client, both, "v")
        text = plain(preview["text"])
        assert "• English: 2" in text and "• German: 1" in text
        assert "1 customer gets the English text for lack of one in their language." in text
        assert "Sample in English:\nOur warehouse is closed on Friday <3" in text
        progress = await tap(client, preview, "y")
        await final_report(client, progress["message_id"])
        copies = {buyer.chat_id: await received(client, buyer.chat_id) for buyer in BUYERS}
    assert copies[821] == ["Our warehouse is closed on Friday <3"]
    assert copies[822] == ["Unser Lager ist am Freitag geschlossen"]
    assert copies[823] == ["Our warehouse is closed on Friday <3"]


async def test_an_order_list_is_named_on_the_screen_up_to_ten_and_the_rest_counted(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    buyers = [shop.Buyer(830 + n) for n in range(12)]
    await shop.seed(store, buyers)
    await make_users(client, buyers)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        await tap(client, first, "ko")
        refused = await typed(client, "O-830, O-999")
        narrow = await typed(client, ", ".join(b.order_id for b in buyers))
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        preview = await typed(client, "Hello")
        preview = await tap(client, preview, "v")
    assert "No order O-999 — please type the order numbers again." in refused["text"]
    assert "Customers of orders O-830, O-831" in narrow["text"]
    assert "O-839 and 2 more" in narrow["text"] and "O-840" not in narrow["text"]
    assert "12 customers will get it" in preview["text"]


async def test_an_empty_segment_says_so_and_offers_to_change_it(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        russian = await tap(client, narrow, "lru")
        assert "✓ Русский" in labels(russian)
        assert "(only Russian)" in russian["text"]
        message = await tap(client, russian, "n")
        reason = await tap(client, message, "t1")
        asked = await typed(client, "CHAIR")
        assert "No customer with an open backorder is in this segment." in asked["text"]
        assert labels(asked)[0] == "Change the segment"
        again = await tap(client, asked, "s")
    assert "Type the product's SKU." in reason["text"]
    assert "Who should receive it?" in again["text"]
    assert await store.broadcast_records() == []


async def test_samples_too_long_for_one_message_come_one_by_one_before_the_send_button(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    english, german = "Long news. " * 300, "Lange Nachricht. " * 200
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, english)
        picks = await tap(client, written, "a")
        await tap(client, picks, "pde")
        both = await typed(client, german)
        after = await client.last_seq(STAFF_ID)
        await client.press(STAFF_ID, data=action(both, "v"))
        events = await client.wait_for(STAFF_ID, after=after, count=4, timeout=15)
        progress = await tap(client, events[-1], "y")
        await final_report(client, progress["message_id"])
    summary, *samples, ask = events
    assert summary["message_id"] == first["message_id"] and summary["buttons"] == []
    assert "3 customers will get it" in plain(summary["text"])
    assert samples[0]["text"] == "Sample in German:\n" + german.strip()
    assert samples[1]["text"] == "Sample in English:\n" + english.strip()
    assert "Send this broadcast to 3 customers?" in ask["text"]
    assert labels(ask)[0] == "Send to 3 customers"


async def test_stop_mid_broadcast_sends_nothing_more_and_the_report_says_so(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    crowd = [shop.Buyer(900 + n) for n in range(40)]
    await shop.seed(store, crowd)
    await make_users(client, crowd)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    await client.configure(global_rate=4.0, burst=1)
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        preview = await tap(client, written, "v")
        progress = await tap(client, preview, "y")
        assert "Stop broadcast" in labels(progress)
        await until_some_received(client, crowd)
        stopping = await stop_shown(client, progress)
        # "stopping" while claimed copies are on their way, else the report at once.
        assert plain(stopping["text"]).startswith(
            ("Broadcast #1: stopping", "Broadcast #1 stopped")
        )
        assert not stopping["buttons"]
        # A second press, on a broadcast already over, changes nothing.
        again = await answer_to_press(client, STAFF_ID, action(progress, "bx:"))
        # Copies a sender had already claimed when the stop came may still go out.
        stopped = await final_report(client, progress["message_id"])
        view = await broadcast_status(store, 1)
        total = sum([len(await received(client, b.chat_id)) for b in crowd])
        # No progress tick (one read before the stop, or a later one) puts the progress back.
        await asyncio.sleep(PROGRESS_INTERVAL.total_seconds() + 0.5)
        shown = [
            e
            for e in await client.transcript(STAFF_ID)
            if e["kind"] in ("bot_message", "bot_edit")
            and e["message_id"] == progress["message_id"]
        ][-1]
    assert not shown["buttons"] and "stopped" in plain(shown["text"])
    assert view is not None and view.status.value == "stopped"
    counts = view.counts
    assert 0 < counts.sent < 40 and counts.withdrawn > 0
    assert counts.sent + counts.withdrawn + counts.failed + counts.held == 40
    assert f"{counts.withdrawn} not sent because of the stop" in plain(stopped["text"])
    assert "already over" in str(again["callback_answer_text"])
    assert total == counts.sent


async def test_after_a_restart_mid_broadcast_the_progress_message_goes_on_to_the_report(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    crowd = [shop.Buyer(950 + n) for n in range(36)]
    await shop.seed(store, crowd)
    await make_users(client, crowd)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    await client.configure(global_rate=4.0, burst=1)
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        preview = await tap(client, written, "v")
        progress = await tap(client, preview, "y")
        await asyncio.sleep(1)
    during = await broadcast_status(store, 1)
    async with run_bot():
        report = await final_report(client, progress["message_id"])
        view = await broadcast_status(store, 1)
        copies = [await received(client, b.chat_id) for b in crowd]
    assert during is not None and during.counts.pending > 0
    assert view is not None and view.status.value == "done"
    assert "36 of 36 messages sent" in plain(report["text"])
    assert [len(texts) for texts in copies] == [1] * 36


async def test_a_customer_cannot_broadcast_or_press_copied_wizard_buttons(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    customer = BUYERS[0]
    await shop.seed(store, [customer])
    await make_users(client, [customer])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        before = await dump(store)
        (reply,) = await say(client, customer.chat_id, "/broadcast")
        answers = [
            await answer_to_press(client, customer.chat_id, action(narrow, name))
            for name in ("n", "x", "len")
        ]
        answers.append(await answer_to_press(client, customer.chat_id, "bx:1"))
        after = await dump(store)
    assert UNKNOWN_COMMAND in reply["text"]
    assert all(STALE in str(answer["callback_answer_text"]) for answer in answers)
    assert after == before


async def test_an_abandoned_draft_refuses_its_buttons_and_staff_text_is_not_swallowed(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS[:1])
    await make_users(client, BUYERS[:1])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        asked = await tap(client, first, "ks")
        cancelled = await typed(client, "/cancel")
        assert "Broadcast cancelled. Nothing was sent." in cancelled["text"]
        before = await dump(store)
        answer = await answer_to_press(client, STAFF_ID, action(asked, "s"))
        # Text typed outside the wizard goes to the flows as before (not taken for a SKU).
        (free,) = await say(client, STAFF_ID, "CHAIR")
        after = await dump(store)
    assert STALE in str(answer["callback_answer_text"])
    assert "Customers waiting for CHAIR" not in free["text"]
    assert after == before


async def test_a_typed_sku_then_a_typed_reason_go_on_to_the_preview_with_the_reason(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        asked = await tap(client, message, "t0")
        reason = await typed(client, "CHAIR")
        preview = await typed(client, "Port strike")
    assert "Type the product's SKU." in asked["text"]
    assert "Type the reason" in reason["text"]
    assert preview["message_id"] == first["message_id"]
    assert "3 customers will get it" in plain(preview["text"])
    assert "Port strike" in plain(preview["text"])
    assert labels(preview)[0] == "Send to 3 customers"


async def test_a_stop_while_copies_are_on_their_way_says_so_and_the_report_counts_them_sent(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        preview = await tap(client, written, "v")
        await client.configure(delay_ms=4000, delayed_methods="sendMessage")
        progress = await tap(client, preview, "y")
        await asyncio.sleep(1)
        answer = await answer_to_press(client, STAFF_ID, action(progress, "bx:"))
        report = await final_report(client, first["message_id"])
        view = await broadcast_status(store, 1)
        arrived = sum([len(await received(client, b.chat_id)) for b in BUYERS])
        await client.configure(delay_ms=0)
    assert view is not None and view.status.value == "stopped"
    counts = view.counts
    # Why: how many copies the dispatcher has claimed within the second depends on the machine.
    sent, withdrawn = counts.sent, counts.withdrawn
    assert 0 < sent == arrived and sent + withdrawn == 3 and counts.in_flight == 0
    will_not = "message will not be sent" if withdrawn == 1 else "messages will not be sent"
    on_way = "message was already on its way" if sent == 1 else "messages were already on their way"
    assert answer["callback_answer_text"] == (
        f"Broadcast stopped: {withdrawn} {will_not}. {sent} {on_way}."
    )
    text = plain(report["text"])
    assert "Broadcast #1 stopped" in text
    assert f"{sent} of 3 message{'' if sent == 1 else 's'} sent" in text
    assert f"{withdrawn} not sent because of the stop" in text


async def test_stop_pressed_on_a_finished_broadcast_says_it_has_finished_and_shows_the_report(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        preview = await tap(client, written, "v")
        progress = await tap(client, preview, "y")
        report = await final_report(client, first["message_id"])
        answer = await answer_to_press(client, STAFF_ID, action(progress, "bx:"))
        view = await broadcast_status(store, 1)
    assert "3 of 3 messages sent" in plain(report["text"])
    assert answer["callback_answer_text"] == (
        "This broadcast has already finished; nothing was changed."
    )
    assert view is not None and view.status.value == "done" and view.counts.sent == 3


async def test_an_order_list_takes_order_numbers_as_customers_type_them(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        first = await typed(client, "/broadcast")
        await tap(client, first, "ko")
        narrow = await typed(client, "#o-821 o-822")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        preview = await tap(client, written, "v")
    assert "Customers of orders" in narrow["text"] and "No order" not in narrow["text"]
    assert "2 customers will get it" in plain(preview["text"])


async def test_the_send_button_counts_who_gets_it_now_and_the_preview_says_who_is_held(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        await client.block(823)
        first = await typed(client, "/broadcast")
        narrow = await tap(client, first, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello")
        first_preview = await tap(client, written, "v")
        progress = await tap(client, first_preview, "y")
        report = await final_report(client, progress["message_id"])
        second = await typed(client, "/broadcast")
        narrow = await tap(client, second, "ka")
        message = await tap(client, narrow, "n")
        await tap(client, message, "f")
        written = await typed(client, "Hello again")
        preview = await tap(client, written, "v")
    text = plain(preview["text"])
    assert "2 of 3 messages sent" in plain(report["text"])
    assert "3 customers will get it" in text
    assert "1 of them has blocked the bot: their copy is held." in text
    assert labels(preview)[0] == "Send to 2 customers"
