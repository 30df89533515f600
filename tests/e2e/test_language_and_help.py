"""/language, /help, the fallback and the per-language command menu."""

from __future__ import annotations

import pytest
from babel.dates import format_date

from bot.app import BotApplication
from bot.i18n import LANGUAGE_NAMES, SHIPPED_LANGUAGES, Catalogs
from handlers.help import help_text
from handlers.menu import bot_commands
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
async def test_after_choosing_a_language_dates_are_formatted_the_babel_way(
    users: Users, store: SqlStore, language: str
) -> None:
    bob = await users.create(701, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")
    await bob.say("bob@example.com", replies=2)
    await bob.say("/language")
    await bob.tap(LANGUAGE_NAMES[language])
    await bob.say("/orders")
    detail = await bob.tap("2002")
    assert format_date(shop.CHAIR_SHIPS, "medium", locale=language) in detail["text"]
    customer = await store.get_customer("C-BOB")
    assert customer is not None and customer.language == language


async def test_the_language_choice_edits_the_menu_in_place_and_confirms_in_the_new_language(
    users: Users, catalogs: Catalogs
) -> None:
    zoe = await users.create(702, "Zoë", language_code="en")
    (menu,) = await zoe.say("/language")
    confirmation = await zoe.tap("Français")
    assert confirmation["kind"] == "bot_edit"
    assert confirmation["message_id"] == menu["message_id"]
    expected = catalogs.translator("fr").gettext(
        "Done. I will write to you in {language} from now on.", language="français"
    )
    assert confirmation["text"] == expected


@pytest.mark.parametrize(
    ("button", "said"),
    [
        ("English", "in English"),
        ("Deutsch", "auf Deutsch"),
        ("Español", "en español"),
        ("Français", "en français"),
        ("Русский", "на языке: русский"),
    ],
)
async def test_the_confirmation_names_the_language_as_that_language_writes_it_mid_sentence(
    users: Users, button: str, said: str
) -> None:
    zoe = await users.create(704, "Zoë", language_code="en")
    await zoe.say("/language")

    confirmation = await zoe.tap(button)

    assert said in confirmation["text"]


async def test_a_chat_that_is_not_linked_keeps_its_language_choice(
    users: Users, store: SqlStore, catalogs: Catalogs
) -> None:
    ivan = await users.create(703, "Ivan", language_code="en")
    await ivan.say("/language")
    await ivan.tap("Русский")
    assert await store.chat_language(703) == "ru"
    (reply,) = await ivan.say("/help")
    assert reply["html"] == help_text(catalogs.translator("ru"))
    assert reply["html"].startswith("<b>Я сообщаю о заказах")


async def test_telegrams_language_is_used_until_the_customer_chooses(
    users: Users, catalogs: Catalogs
) -> None:
    hans = await users.create(704, "Hans", language_code="de-AT")
    (reply,) = await hans.say("something odd")
    german = catalogs.translator("de")
    assert german.gettext("Language") in [b["text"] for row in reply["buttons"] for b in row]


async def test_help_lists_the_commands(users: Users) -> None:
    ann = await users.create(705, "Ann", language_code="en")
    (reply,) = await ann.say("/help")
    for command in ("/orders", "/start", "/unlink", "/language", "/help"):
        assert command in reply["text"]


async def test_anything_unexpected_gets_a_short_help_with_buttons(users: Users) -> None:
    ann = await users.create(706, "Ann", language_code="en")
    (reply,) = await ann.say("what is this?")
    assert "didn't understand" in reply["text"]
    labels = [button["text"] for row in reply["buttons"] for button in row]
    assert labels == ["Find my orders", "Language", "Help"]


async def test_an_unknown_button_is_answered_politely_and_changes_nothing(users: Users) -> None:
    ann = await users.create(707, "Ann", language_code="en")
    await ann.say("/help")
    after = await ann.client.last_seq(707)
    answer = await ann.press_data("lang:xx")
    assert answer["callback_answer_text"] == "This button is no longer available."
    answer = await ann.press_data("nonsense")
    assert answer["callback_answer_text"] == "This button is no longer available."
    assert await ann.bot_events_after(after) == []


async def test_the_command_menu_is_set_for_every_shipped_language(
    bot: BotApplication, catalogs: Catalogs
) -> None:
    for language in SHIPPED_LANGUAGES:
        commands = await bot.bot.get_my_commands(language_code=language)
        assert list(commands) == bot_commands(catalogs.translator(language))
    default = await bot.bot.get_my_commands()
    assert list(default) == bot_commands(catalogs.translator(catalogs.default_language))
