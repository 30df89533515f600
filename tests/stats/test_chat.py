"""/stats in a staff member's private chat, end to end through the real bot and the sandbox:
the figures in the staff member's language, then the chart as an uploaded photo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import BotApplication, build_application, polling
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices.conftest import TOKEN, catalogs, client, sandbox
from tests.stats import shop

__all__ = ["catalogs", "client", "sandbox"]

STAFF_ID = 555
CUSTOMER_ID = 777


@asynccontextmanager
async def running(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str
) -> AsyncIterator[BotApplication]:
    """The real application with STAFF_ID as the one staff member, at the shop's moment."""
    settings = database_settings(
        database_url,
        token=TOKEN,
        api_base_url=sandbox.api_base_url,
        staff_ids=frozenset({STAFF_ID}),
        timezone=shop.ZONE,
    )
    services = Services(settings, store, shop.clock(), shop.RULES, catalogs)
    async with polling(build_application(services), poll_timeout=1) as application:
        yield application


async def ask_staff(client: SandboxClient, heading: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send /stats as staff; the figures message (starting with `heading`) and the photo.

    Why: the running bot may also alert staff (a notice Cy's blocked chat did not take)."""
    cursor = await client.last_seq(STAFF_ID)
    await client.send_text(STAFF_ID, "/stats")
    for count in range(2, 8):
        events = await client.wait_for(STAFF_ID, after=cursor, count=count, timeout=30)
        photos = [event for event in events if "photo" in event]
        if photos:
            [text] = [event for event in events if event["text"].startswith(heading)]
            return text, photos[0]
    raise AssertionError("no chart photo came")


async def test_staff_get_the_figures_then_the_chart_as_a_photo(
    sandbox: Sandbox,
    client: SandboxClient,
    store: SqlStore,
    catalogs: Catalogs,
    database_url: str,
) -> None:
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with running(sandbox, store, catalogs, database_url):
        text, photo = await ask_staff(client, "Backorders on Dec 2, 2026")
    assert "3 lines waiting · 8 units · 3 customers" in text["text"]
    assert "2 customers cannot be reached" in text["text"]
    assert "2 purchase orders are overdue" in text["text"]
    # The product with the most units short comes first, then the next.
    shortest = text["text"].split("Most units short")[1].splitlines()
    assert shortest[1].startswith("GADGET Gadget: short 5, lines 2; next supply Dec 20, 2026")
    assert shortest[2].startswith("WIDGET Widget: short 3, lines 1; supply late since Nov 25")
    assert "Ratings: 3.5 of 5 from 2" in text["text"]
    assert "photo" not in text
    assert photo["photo"]["width"] == 1080
    assert photo["photo"]["height"] == 1350
    assert photo["photo"]["file_size"] > 10_000
    assert photo["text"] == "Units short by product and backordered lines by days waiting"
    assert (await client.stats())["files_sent"] == {"photo": 1}


async def test_staff_read_the_figures_in_their_own_language(
    sandbox: Sandbox,
    client: SandboxClient,
    store: SqlStore,
    catalogs: Catalogs,
    database_url: str,
) -> None:
    await client.create_user(STAFF_ID, "Sam", language_code="de")
    async with running(sandbox, store, catalogs, database_url):
        text, photo = await ask_staff(client, "Rückstände am 02.12.2026")
    assert "3 Positionen warten · 8 Stück · 3 Kunden" in text["text"]
    assert "Fehlende Stück nach Artikel" in photo["text"]


async def test_anyone_else_gets_the_unknown_command_answer_and_no_photo(
    sandbox: Sandbox,
    client: SandboxClient,
    store: SqlStore,
    catalogs: Catalogs,
    database_url: str,
) -> None:
    await client.create_user(CUSTOMER_ID, "Cat", language_code="en")
    async with running(sandbox, store, catalogs, database_url):
        cursor = await client.last_seq(CUSTOMER_ID)
        await client.send_text(CUSTOMER_ID, "/stats")
        [reply] = await client.wait_for(CUSTOMER_ID, after=cursor, timeout=30)
        cursor = await client.last_seq(CUSTOMER_ID)
        await client.send_text(CUSTOMER_ID, "/nonsense")
        [unknown] = await client.wait_for(CUSTOMER_ID, after=cursor, timeout=30)
    assert reply["text"] == unknown["text"]
    assert "photo" not in reply
    assert (await client.stats())["files_sent"] == {}
