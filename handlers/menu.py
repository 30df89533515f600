"""The command menu and the main-menu buttons, both in the chat's language."""

from __future__ import annotations

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from handlers.common import label

ORDERS_DATA = "orders"
LANGUAGE_DATA = "language"
HELP_DATA = "help"
LINK_DATA = "link"
# The order screen's "Talk to a person" (handlers/handoff.py).
HUMAN_DATA = "human"

COMMANDS: tuple[tuple[str, str], ...] = (
    ("orders", N_("See your open orders and their dates")),
    ("start", N_("Link this chat to your orders")),
    ("unlink", N_("Make this chat forget your orders")),
    ("language", N_("Choose your language")),
    ("help", N_("What I can do")),
)
# Offered when a support chat is configured (DESIGN §12 hand-off).
HANDOFF_COMMAND = ("human", N_("Talk to a person from our team"))


# The staff's commands (DESIGN §10), shown in a staff member's own chat after the customers'.
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("po", N_("A purchase order: who waits, move its date, receipt")),
    ("stock", N_("On-hand units of a product")),
    ("find", N_("Any order as staff see it")),
    ("broadcast", N_("Send a message to a segment of customers")),
    ("stats", N_("Where backorders hurt: figures and a chart")),
)


def bot_commands(t: Translator, *, handoff: bool = False) -> list[BotCommand]:
    """The command menu in one language (/human too when a support chat takes hand-offs)."""
    commands = [*COMMANDS[:1], HANDOFF_COMMAND, *COMMANDS[1:]] if handoff else COMMANDS
    return [BotCommand(command, label(t.gettext(description))) for command, description in commands]


def staff_commands(t: Translator, *, handoff: bool = False) -> list[BotCommand]:
    """A staff member's command menu in one language: the customers' commands, then staff's."""
    return bot_commands(t, handoff=handoff) + [
        BotCommand(command, label(t.gettext(description)))
        for command, description in STAFF_COMMANDS
    ]


def main_menu(t: Translator, *, linked: bool) -> InlineKeyboardMarkup:
    """Buttons for the next step: orders when linked, else linking; language and help."""
    first = (
        InlineKeyboardButton(label(t.gettext("My orders")), callback_data=ORDERS_DATA)
        if linked
        else InlineKeyboardButton(label(t.gettext("Find my orders")), callback_data=LINK_DATA)
    )
    return InlineKeyboardMarkup(
        [
            [first],
            [
                InlineKeyboardButton(label(t.gettext("Language")), callback_data=LANGUAGE_DATA),
                InlineKeyboardButton(label(t.gettext("Help")), callback_data=HELP_DATA),
            ],
        ]
    )
