"""Typed messages in every shipped language are understood with the catalogs' keyword lists."""

from __future__ import annotations

import pytest

from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from bot.services.intents import Intent, IntentKind, Vocabulary, parse_intent
from handlers.free_text import vocabularies as all_vocabularies
from handlers.free_text import vocabulary

CANCEL = IntentKind.CANCEL
SHOW = IntentKind.SHOW_ORDER
LIST = IntentKind.LIST_ORDERS
HELP = IntentKind.HELP
UNKNOWN = IntentKind.UNKNOWN

EXAMPLES: dict[str, list[tuple[str, Intent]]] = {
    "en": [
        ("cancel order 1042", Intent(CANCEL, "1042")),
        ("Please cancel #1042!", Intent(CANCEL, "1042")),
        ("where is my order", Intent(LIST)),
        ("when will 1042 arrive?", Intent(SHOW, "1042")),
        ("1042", Intent(SHOW, "1042")),
        ("I want to cancel", Intent(CANCEL)),
        ("help", Intent(HELP)),
        ("nice weather today", Intent(UNKNOWN)),
        ("asdkjh qwe 123", Intent(UNKNOWN)),
        ("order #1001", Intent(SHOW, "1001")),
        ("order 10485", Intent(SHOW, "10485")),
        ("10485.", Intent(SHOW, "10485")),
        ("１０４８５", Intent(SHOW, "10485")),
        ("No. 10485", Intent(SHOW, "10485")),
        ("№10485", Intent(SHOW, "10485")),
    ],
    "de": [
        ("Bestellung 1042 stornieren", Intent(CANCEL, "1042")),
        ("Wo ist meine Bestellung?", Intent(LIST)),
        ("Wann kommt 1042 an?", Intent(SHOW, "1042")),
        ("#1042", Intent(SHOW, "1042")),
        ("Hallo", Intent(HELP)),
        ("Schönes Wetter heute", Intent(UNKNOWN)),
        ("wo ist meine Bestellung?", Intent(LIST)),
        ("Bestellung stornieren 10495", Intent(CANCEL, "10495")),
        ("Nr. 10485", Intent(SHOW, "10485")),
        ("Bestellnummer 10485", Intent(SHOW, "10485")),
    ],
    "es": [
        ("Cancelar el pedido 1042", Intent(CANCEL, "1042")),
        ("¿Dónde está mi pedido?", Intent(LIST)),
        ("donde esta mi pedido", Intent(LIST)),
        ("¿Cuándo llega el 1042?", Intent(SHOW, "1042")),
        ("1042", Intent(SHOW, "1042")),
        ("Qué buen tiempo hace", Intent(UNKNOWN)),
        ("Nº 10485", Intent(SHOW, "10485")),
    ],
    "fr": [
        ("Annuler la commande 1042", Intent(CANCEL, "1042")),
        ("Où est ma commande ?", Intent(LIST)),
        ("Quand arrivera la 1042 ?", Intent(SHOW, "1042")),
        ("n° 1042", Intent(SHOW, "1042")),
        ("Il fait beau aujourd'hui", Intent(UNKNOWN)),
    ],
    "ru": [
        ("Отменить заказ 1042", Intent(CANCEL, "1042")),
        ("Где мой заказ?", Intent(LIST)),
        ("Когда придёт 1042?", Intent(SHOW, "1042")),
        ("когда придет 1042", Intent(SHOW, "1042")),
        ("1042", Intent(SHOW, "1042")),
        ("Хорошая погода сегодня", Intent(UNKNOWN)),
        ("где мой заказ", Intent(LIST)),
        ("номер 10485", Intent(SHOW, "10485")),
    ],
}


@pytest.fixture(scope="module")
def vocabularies() -> list[Vocabulary]:
    """Every shipped language's keywords at once, as the chat handler uses them."""
    return all_vocabularies(Catalogs.load())


def test_every_shipped_language_has_examples() -> None:
    assert set(EXAMPLES) == set(SHIPPED_LANGUAGES)


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [(lang, message, intent) for lang, cases in EXAMPLES.items() for message, intent in cases],
)
def test_a_typed_message_is_understood_whatever_the_chats_language(
    vocabularies: list[Vocabulary], language: str, message: str, expected: Intent
) -> None:
    assert parse_intent(message, vocabularies) == expected


def test_every_language_has_its_own_keywords_in_its_catalog() -> None:
    catalogs = Catalogs.load()
    english = vocabulary(catalogs.translator("en"))
    for language in ("de", "es", "fr", "ru"):
        own = vocabulary(catalogs.translator(language))
        assert own.cancel and own.status and own.orders
        assert own != english


def test_an_order_number_with_letters_is_kept_whole_as_its_lookup_key() -> None:
    vocab = Vocabulary(cancel=("cancel*",))
    assert parse_intent("cancel A-1042 please", [vocab]) == Intent(CANCEL, "a-1042")


def test_a_stem_matches_longer_words_but_a_whole_word_does_not() -> None:
    vocab = Vocabulary(status=("wo",), cancel=("storn*",))
    assert parse_intent("Woche", [vocab]) == Intent(UNKNOWN)
    assert parse_intent("Stornierung bitte", [vocab]) == Intent(CANCEL)


def test_a_keyword_of_several_words_must_appear_in_that_order() -> None:
    vocab = Vocabulary(cancel=("call off",))
    assert parse_intent("please call it off", [vocab]) == Intent(UNKNOWN)
    assert parse_intent("call off 7", [vocab]) == Intent(CANCEL, "7")
