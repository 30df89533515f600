"""A broadcast to 10,000 customers through `backorder-bot run` and the sandbox with flood limits
on: each reachable customer gets exactly one copy in their language, blocked ones are held and
counted, the progress adds up at every read, and `show` matches what the sandbox saw."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.broadcasts import BroadcastView, broadcast_status
from storage.store import SqlStore, open_store
from tests.broadcasts.conftest import RATE
from tests.broadcasts.crowd import Crowd, bot_messages, cli, create_users, seed, start_bot, stop_bot

CROWD = Crowd(10_000)
BLOCKED = frozenset(range(0, CROWD.size, 97))  # about 1 %
IN_FLIGHT = 32


async def checked(store: SqlStore, broadcast_id: int) -> BroadcastView:
    """The broadcast's status; its numbers add up, overall and per language."""
    view = await broadcast_status(store, broadcast_id)
    assert view is not None
    for counts in (view.counts, *view.by_language.values()):
        assert (
            counts.sent + counts.held + counts.failed + counts.pending + counts.withdrawn
            == counts.recipients
        )
    assert view.counts.recipients == CROWD.size
    return view


async def test_ten_thousand_customers_each_get_one_copy_in_their_language_blocked_ones_held(
    sandbox: Sandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    db_path = database_url
    await seed(db_path, CROWD)
    await create_users(client, CROWD)
    for number in sorted(BLOCKED):
        await client.block(CROWD.chat(number))
    code, out, err = await cli(
        db_path,
        "broadcast",
        "send",
        "--sku",
        "WIDGET",
        "--template",
        "supplier_delay",
        "--param",
        "sku=WIDGET",
        folder=tmp_path,
    )
    assert code == 0, err
    broadcast_id = int(out)
    bot = await start_bot(
        db_path, sandbox, rate=RATE, in_flight=IN_FLIGHT, log=tmp_path / "bot.log"
    )
    store = await open_store(db_path)
    try:
        statuses = set()
        while (view := await checked(store, broadcast_id)).status.value != "done":
            statuses.add(view.status.value)
            assert bot.returncode is None, (tmp_path / "bot.log").read_text()
            await asyncio.sleep(0.2)
        final = view
    finally:
        await store.close()
        await stop_bot(bot)
    assert "sending" in statuses
    reachable = [n for n in CROWD.numbers if n not in BLOCKED]
    assert (final.counts.sent, final.counts.held, final.counts.failed, final.counts.pending) == (
        len(reachable),
        len(BLOCKED),
        0,
        0,
    )

    catalogs = Catalogs.load()
    received = await bot_messages(client, [CROWD.chat(n) for n in CROWD.numbers])
    for number in CROWD.numbers:
        messages = received[CROWD.chat(number)]
        if number in BLOCKED:
            assert messages == []
            continue
        assert len(messages) == 1, (number, messages)
        t = catalogs.translator(CROWD.language(number))
        assert t.gettext("Where your order stands now:") in messages[0]
        assert CROWD.order(number) in messages[0]
    stats = await client.stats()
    assert stats["messages_sent"] == len(reachable)

    code, out, _ = await cli(
        db_path, "broadcast", "show", str(broadcast_id), "--json", folder=tmp_path
    )
    shown = json.loads(out)
    assert {
        key: shown[key] for key in ("status", "recipients", "sent", "held", "failed", "pending")
    } == {
        "status": "done",
        "recipients": CROWD.size,
        "sent": stats["messages_sent"],
        "held": len(BLOCKED),
        "failed": 0,
        "pending": 0,
    }
    for language, counts in shown["by_language"].items():
        speakers = [n for n in CROWD.numbers if CROWD.language(n) == language]
        assert counts["recipients"] == len(speakers)
        assert counts["held"] == len([n for n in speakers if n in BLOCKED])
