"""Runs the dispatcher once over a database (the crash test SIGKILLs this process midway)."""

from __future__ import annotations

import asyncio
import sys

from bot.clock import SystemClock
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from storage.store import open_store

TOKEN = "100000001:crash-test-token"


async def dispatch(
    database: str, api_base_url: str, rate: float, chat_rate: float, in_flight: int
) -> None:
    """Send everything due, as the bot's dispatcher would, then exit."""
    store = await open_store(database)
    clock = SystemClock()
    limits = DispatchLimits(send_rate=rate, chat_send_rate=chat_rate, max_in_flight=in_flight)
    try:
        async with sending_bot(TOKEN, api_base_url) as bot:
            await Dispatcher(store, clock, limits=limits).run_once(bot, now=clock.now())
    finally:
        await store.close()


if __name__ == "__main__":
    db, url, rate, chat_rate, in_flight = sys.argv[1:6]
    asyncio.run(dispatch(db, url, float(rate), float(chat_rate), int(in_flight)))
