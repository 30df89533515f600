"""getMe, getUpdates (long polling), deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import asyncio
from collections import deque

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.methods.base import Call, Method
from bot.sandbox.state import BotState

# Why: without allowed_updates, Telegram leaves these out unless asked for explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def get_me(call: Call) -> object:
    """The bot's own user; the first caller becomes the control API's default bot."""
    call.world.claim_default(call.bot.bot_id)
    return {
        **call.bot.user_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(call: Call) -> object:
    """Confirm updates below `offset`, then return the next ones, waiting up to `timeout`."""
    params, bot = call.params, call.bot
    offset = params.integer("offset")
    limit = min(100, max(1, params.integer("limit") or 100))
    timeout = max(0.0, params.number("timeout") or 0.0)
    _remember_allowed_updates(bot, params.json_value("allowed_updates"))
    _confirm(bot, offset)
    bot.polls_started += 1
    # Why: a newer poll wakes the older one, which then ends with 409 as in Telegram.
    bot.changed.fire()
    this_poll = bot.polls_started
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if bot.polls_started != this_poll:
            raise ApiError(409, CONFLICT)
        batch = _deliverable(bot, limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or call.world.closing:
            break
        await bot.changed.wait(remaining)
    call.world.stats.updates_delivered += len(batch)
    return batch


def _remember_allowed_updates(bot: BotState, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request("can't parse allowed_updates JSON array")
    bot.allowed_updates = frozenset(value) if value else None


def _confirm(bot: BotState, offset: int | None) -> None:
    if offset is None or offset == 0:
        return
    if offset < 0:
        bot.updates = deque(list(bot.updates)[offset:])
        return
    while bot.updates and int(str(bot.updates[0]["update_id"])) < offset:
        bot.updates.popleft()


def _deliverable(bot: BotState, limit: int) -> list[dict[str, object]]:
    wanted = bot.allowed_updates
    kept = deque(
        update
        for update in bot.updates
        if any(
            (kind in wanted) if wanted else kind not in OPT_IN_UPDATES
            for kind in update
            if kind != "update_id"
        )
    )
    if len(kept) != len(bot.updates):
        bot.updates = kept
    return list(kept)[:limit]


async def delete_webhook(call: Call) -> object:
    """There is never a webhook; optionally drop the pending updates."""
    if call.params.boolean("drop_pending_updates"):
        call.bot.updates.clear()
    return True


async def get_webhook_info(call: Call) -> object:
    """Empty webhook info, as for a bot that polls."""
    return {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.updates),
    }


METHODS = (
    Method("getMe", get_me),
    Method("getUpdates", get_updates, optional=("offset", "limit", "timeout", "allowed_updates")),
    Method("deleteWebhook", delete_webhook, optional=("drop_pending_updates",)),
    Method("getWebhookInfo", get_webhook_info),
)
