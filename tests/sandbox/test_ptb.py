"""python-telegram-bot itself talks to the sandbox as it would to Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from tests.sandbox.conftest import TOKEN


@pytest.fixture
async def ptb_bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the sandbox."""
    async with Bot(TOKEN, base_url=sandbox.api_base_url) as bot:
        yield bot


async def test_a_ptb_bot_sends_a_keyboard_and_reads_the_users_text_and_press(
    ptb_bot: Bot, client: SandboxClient, customer: int
) -> None:
    assert ptb_bot.username == "BackorderDemoBot"
    await client.send_text(customer, "/orders")
    [command] = await ptb_bot.get_updates(timeout=5)
    assert command.message is not None
    assert command.message.text == "/orders"
    assert command.message.chat.id == customer
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Order A-1001", callback_data="o:1")]])
    sent = await ptb_bot.send_message(
        customer, "<b>Your orders</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert (sent.text, sent.reply_markup) == ("Your orders", keyboard)
    await client.press(customer, label="A-1001")
    [press] = await ptb_bot.get_updates(offset=command.update_id + 1, timeout=5)
    assert press.callback_query is not None
    assert press.callback_query.data == "o:1"
    assert await press.callback_query.answer("Opening")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_raises_its_own_errors_for_bad_html_blocked_users_and_floods(
    ptb_bot: Bot, client: SandboxClient, customer: int
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await ptb_bot.send_message(customer, "<b>open", parse_mode=ParseMode.HTML)
    await client.block(customer)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await ptb_bot.send_message(customer, "hello")
    await client.unblock(customer)
    await client.configure(per_chat_rate=0.1, burst=1)
    await ptb_bot.send_message(customer, "first")
    with pytest.raises(RetryAfter, match=r"Flood control exceeded\. Retry in \d+ seconds"):
        await ptb_bot.send_message(customer, "second")


async def test_a_polling_ptb_application_answers_a_command_and_a_button(
    sandbox: Sandbox, client: SandboxClient, customer: int
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
        await update.effective_message.reply_text("Link your order?", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Linked")
        await query.edit_message_text("Linked ✅")

    application = Application.builder().token(TOKEN).base_url(sandbox.api_base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        await application.start()
        try:
            await client.send_text(customer, "/start")
            [question] = await client.wait_for(customer, after=0)
            await client.press(customer, label="Yes")
            [edit] = await client.wait_for(customer, after=question["seq"])
        finally:
            await application.updater.stop()
            await application.stop()
    assert (question["text"], question["buttons"]) == (
        "Link your order?",
        [[{"text": "Yes", "callback_data": "yes"}]],
    )
    assert (edit["kind"], edit["text"], edit["message_id"]) == (
        "bot_edit",
        "Linked ✅",
        question["message_id"],
    )
    answers = [e for e in await client.transcript(customer) if e["kind"] == "callback_answer"]
    assert [a["callback_answer_text"] for a in answers] == ["Linked"]
