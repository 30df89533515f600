"""Staff texts read as one voice in each language: one form of address, one word for a purchase
order, and labels that cannot be mistaken for the customers' own."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import catalog_path
from tests.i18n.checks import LOCALES_DIR

STAFF_SOURCES = ("handlers/staff/", "handlers/help.py", "handlers/menu.py")
# The informal address the bot never uses with staff (it says "Sie", "usted", "vous", "вы").
INFORMAL = {
    "de": r"\b(du|dich|dir|dein\w*|gib|sende|wähle|tippe)\b",
    "es": r"\b(envía|escribe|escríbela|elige|tú|tu|tus|pulsa)\b",
    "fr": r"\b(tu|toi|ton|ta|tes|envoie|saisis|choisis)\b",
    "ru": r"\b(отправь|введи|выбери|ты|твой|твои)\b",
}
# Each language's one word for a purchase order, and the others it must not use.
PURCHASE_ORDER = {
    "de": ("lieferantenbestellung", ("einkaufsbestellung", "bestellung beim lieferanten")),
    "es": ("pedido a proveedor", ("orden de compra",)),
    "fr": ("commande fournisseur", ("bon de commande",)),
    "ru": ("поставщику", ("закупк",)),
}


def catalog(language: str) -> Catalog:
    with catalog_path(LOCALES_DIR, language).open("rb") as source:
        return read_po(source, locale=language)


def staff_texts(language: str) -> list[tuple[str, str]]:
    """(msgid, each translated form) of every message staff read."""
    texts = []
    for message in catalog(language):
        if not message.id or not any(
            path.startswith(STAFF_SOURCES) for path, _ in message.locations
        ):
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        texts += [(str(msgid), str(form)) for form in forms]
    return texts


@pytest.mark.parametrize("language", sorted(INFORMAL))
def test_every_staff_text_addresses_staff_formally(language: str) -> None:
    informal = re.compile(INFORMAL[language], re.IGNORECASE)
    assert [msgid for msgid, text in staff_texts(language) if informal.search(text)] == []


@pytest.mark.parametrize("language", sorted(PURCHASE_ORDER))
def test_a_purchase_order_has_one_name_in_every_staff_text(language: str) -> None:
    word, others = PURCHASE_ORDER[language]
    texts = staff_texts(language)
    named = [text.casefold() for msgid, text in texts if "purchase order" in msgid.casefold()]
    assert named and all(word in text for text in named)
    assert [text for _, text in texts if any(o in text.casefold() for o in others)] == []


@pytest.mark.parametrize("language", ["de", "es", "fr", "ru"])
def test_the_cancel_po_button_differs_from_the_customers_cancel_order_button(
    language: str,
) -> None:
    shown = catalog(language)
    cancel_po, cancel_order = shown.get("Cancel PO"), shown.get("Cancel order")
    assert cancel_po is not None and cancel_order is not None
    assert cancel_po.string != cancel_order.string


@pytest.mark.parametrize("language", ["de", "es", "fr", "ru"])
def test_units_to_come_are_not_worded_like_the_expected_date(language: str) -> None:
    shown = catalog(language)
    expected = shown.get("Expected: {date}")
    to_come = shown.get("Ordered {ordered} · received {received} · to come {remaining}")
    assert expected is not None and to_come is not None
    label = str(expected.string).split(":")[0].strip().casefold()
    assert label not in str(to_come.string).casefold()
