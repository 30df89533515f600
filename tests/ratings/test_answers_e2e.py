"""One answer counts: the press is thanked, a comment may follow, low scores reach staff."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.domain.model import LineStatus
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.services.ratings import ask_for_rating
from handlers.ratings import make_question_renderer
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.ratings.conftest import (
    STAFF,
    RunBot,
    bot_messages,
    import_orders,
    orders_csv,
    ratings_of,
)
from tests.ratings.helpers import data_of, labels, press_answer, say, tap

ALICE = shop.Buyer(1001)
BORIS = shop.Buyer(1002, language="ru")
CLARA = shop.Buyer(1003, language="fr")


async def asked(
    store: SqlStore, client: SandboxClient, tmp_path: Path, buyers: list[shop.Buyer]
) -> dict[int, dict[str, Any]]:
    """Ship every buyer's order by import; each one's question, by chat."""
    await import_orders(store, orders_csv(tmp_path, buyers, LineStatus.SHIPPED), now=shop.NOW)
    return {b.chat_id: (await client.wait_for(b.chat_id, after=0, timeout=15))[0] for b in buyers}


async def test_a_score_is_kept_thanked_and_its_comment_taken_even_when_it_looks_like_an_order(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    await shop.seed(store, [ALICE, BORIS])
    await make_users(client, [ALICE, BORIS])
    async with run_bot():
        questions = await asked(store, client, tmp_path, [ALICE, BORIS])
        four = data_of(questions[ALICE.chat_id], "4")
        # Boris's chat presses Alice's button: refused, nothing recorded.
        foreign = await press_answer(client, BORIS.chat_id, four)
        forged = await press_answer(client, ALICE.chat_id, "rt:AAAAAAAA:5")
        thanked = await tap(client, ALICE.chat_id, "4 ⭐")
        # The Skip button goes from the question, and the comment is acknowledged.
        comment = await say(client, ALICE.chat_id, "O-1001", replies=2)
        again = await press_answer(client, ALICE.chat_id, data_of(questions[ALICE.chat_id], "5"))
        tidied = await client.transcript(ALICE.chat_id)
    assert foreign["text"] == "Эта кнопка больше не действует."
    assert forged["text"] == "This button is no longer available."
    assert thanked["kind"] == "bot_edit"
    assert "Thank you! You rated us 4 ⭐ out of 5." in thanked["text"]
    assert "Tell us more in a message — or tap Skip." in thanked["text"]
    assert labels(thanked) == ["Skip"]
    assert comment["text"] == "Thank you for your comment. We have passed it on to our team."
    assert again["text"] == "You have already rated this. Thank you!"
    assert await ratings_of(store) == {
        "order:O-1001": (4, "O-1001"),
        "order:O-1002": (None, None),
    }
    edits = [event for event in tidied if event["kind"] == "bot_edit"]
    assert edits[-1]["buttons"] in (None, [])
    audit = [
        (entry.actor, entry.action) for entry in await store.audit_entries("rating:order:O-1001")
    ]
    assert audit == [
        ("system", "rating.ask"),
        ("customer:C-1001", "rating.score"),
        ("customer:C-1001", "rating.comment"),
    ]


async def test_a_low_score_alerts_staff_and_its_comment_follows(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    await shop.seed(store, [CLARA])
    await make_users(client, [CLARA])
    await client.create_user(STAFF, "Staff", language_code="en")
    async with run_bot():
        await asked(store, client, tmp_path, [CLARA])
        thanked = await tap(client, CLARA.chat_id, "1 ⭐")
        (alert,) = await client.wait_for(STAFF, after=0, timeout=15)
        await say(client, CLARA.chat_id, "La chaise est arrivée\x1b[31m cassée", replies=2)
        (follow_up,) = await client.wait_for(STAFF, after=int(alert["seq"]), timeout=15)
    assert "Merci ! Vous nous avez donné 1 ⭐ sur 5." in thanked["text"]
    assert "Low rating: 1 out of 5" in alert["text"]
    assert "From Buyer 1003 (customer C-1003) about order O-1003." in alert["text"]
    assert "No comment yet" in alert["text"]
    assert "Comment on a low rating (1 out of 5)" in follow_up["text"]
    assert "La chaise est arrivée [31m cassée" in follow_up["text"]
    assert await ratings_of(store) == {"order:O-1003": (1, "La chaise est arrivée [31m cassée")}


async def test_a_command_still_works_while_a_comment_is_awaited_and_skip_ends_the_wait(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    await shop.seed(store, [ALICE, BORIS])
    await make_users(client, [ALICE, BORIS])
    async with run_bot():
        await asked(store, client, tmp_path, [ALICE, BORIS])
        await tap(client, ALICE.chat_id, "3 ⭐")
        orders = await say(client, ALICE.chat_id, "/orders")
        later = await say(client, ALICE.chat_id, "where is my order")
        await tap(client, BORIS.chat_id, "5 ⭐")
        skipped = await tap(client, BORIS.chat_id, "Пропустить")
        after_skip = await say(client, BORIS.chat_id, "спасибо")
    assert "Thank you for your comment" not in orders["text"]
    assert "Thank you for your comment" not in later["text"]
    assert skipped["text"] == "Спасибо! Ваша оценка: 5 ⭐ из 5."
    assert labels(skipped) == []
    assert "Спасибо за комментарий" not in after_skip["text"]
    assert await ratings_of(store) == {"order:O-1001": (3, None), "order:O-1002": (5, None)}
    audit = [entry.action for entry in await store.audit_entries("rating:order:O-1002")]
    assert audit == ["rating.ask", "rating.score", "rating.comment_skipped"]


async def test_the_hand_off_asks_through_the_same_question_once(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    catalogs: Catalogs,
) -> None:
    await shop.seed(store, [ALICE])
    await make_users(client, [ALICE])
    settings = Settings()
    async with run_bot():

        async def ask() -> bool:
            return await ask_for_rating(
                store,
                customer_id=ALICE.customer_id,
                subject="handoff:7",
                now=shop.NOW,
                render=make_question_renderer(catalogs),
                quiet_hours=settings.quiet_hours,
                timezone=settings.timezone,
            )

        first, second = await ask(), await ask()
        (question,) = await client.wait_for(ALICE.chat_id, after=0, timeout=15)
        await tap(client, ALICE.chat_id, "5 ⭐")
        await asyncio.sleep(0.2)
    assert (first, second) == (True, False)
    assert "How well did we help you?" in question["text"]
    assert len(await bot_messages(client, ALICE.chat_id)) == 1
    assert await ratings_of(store) == {"handoff:7": (5, None)}


async def test_a_low_score_of_a_hand_off_names_the_day_the_conversation_closed(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    catalogs: Catalogs,
) -> None:
    await shop.seed(store, [ALICE])
    await make_users(client, [ALICE])
    await client.create_user(STAFF, "Staff", language_code="en")
    settings = Settings()
    async with run_bot():
        await ask_for_rating(
            store,
            customer_id=ALICE.customer_id,
            subject="handoff:7",
            now=shop.NOW,
            render=make_question_renderer(catalogs),
            quiet_hours=settings.quiet_hours,
            timezone=settings.timezone,
        )
        await client.wait_for(ALICE.chat_id, after=0, timeout=15)
        await tap(client, ALICE.chat_id, "2 ⭐")
        (alert,) = await client.wait_for(STAFF, after=0, timeout=15)
    text = alert["text"].replace("\xa0", " ")
    expected = "From Buyer 1001 (customer C-1001) about a conversation with the team closed on"
    assert f"{expected} Dec 2, 2026." in text
    assert "(7)" not in text


async def test_a_comment_belongs_to_the_question_scored_last_and_follows_its_low_alert(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    catalogs: Catalogs,
) -> None:
    await shop.seed(store, [ALICE])
    await make_users(client, [ALICE])
    await client.create_user(STAFF, "Staff", language_code="en")
    settings = Settings()

    async def ask(subject: str, days_ago: int) -> None:
        await ask_for_rating(
            store,
            customer_id=ALICE.customer_id,
            subject=subject,
            now=shop.NOW - timedelta(days=days_ago),
            render=make_question_renderer(catalogs),
            quiet_hours=settings.quiet_hours,
            timezone=settings.timezone,
        )

    async with run_bot():
        await ask("order:O-1001", 2)
        await ask("handoff:7", 0)
        older, newer = await client.wait_for(ALICE.chat_id, after=0, count=2, timeout=15)
        # The newer question is scored 4, then the older one 2: the comment is the 2's.
        await press_answer(client, ALICE.chat_id, data_of(newer, "4"))
        await press_answer(client, ALICE.chat_id, data_of(older, "2"))
        (alert,) = await client.wait_for(STAFF, after=0, timeout=15)
        await say(client, ALICE.chat_id, "Nobody told me about the delay", replies=2)
        (follow_up,) = await client.wait_for(STAFF, after=int(alert["seq"]), timeout=15)
    assert "Low rating: 2 out of 5" in alert["text"]
    assert "Comment on a low rating (2 out of 5)" in follow_up["text"]
    assert "Nobody told me about the delay" in follow_up["text"]
    assert await ratings_of(store) == {
        "order:O-1001": (2, "Nobody told me about the delay"),
        "handoff:7": (4, None),
    }
