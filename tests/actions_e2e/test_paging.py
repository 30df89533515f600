"""The page split behind every long screen: every item once, in order, within its limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Catalogs
from handlers.common import cut, distinct_shorts, short
from handlers.paging import paginate


@pytest.mark.parametrize(
    "sizes", [[10] * 30, [450] * 60, [5000, 10, 10], [1], [2999, 2999, 1], list(range(1, 200, 7))]
)
def test_pages_hold_every_item_once_in_order_within_the_budget_and_ten_a_page(
    sizes: list[int],
) -> None:
    parts = ["x" * size for size in sizes]
    pages = paginate(parts, budget=3000, per_page=10)
    assert [index for page in pages for index in page] == list(range(len(parts)))
    for page in pages:
        assert 1 <= len(page) <= 10
        assert len(page) == 1 or sum(len(parts[index]) + 2 for index in page) <= 3000


def test_an_empty_list_is_one_empty_page() -> None:
    assert paginate([]) == [range(0)]


def test_a_long_name_is_cut_in_the_middle_so_its_distinguishing_end_survives() -> None:
    assert short("Stainless gastronorm pan 1/1 GN no.07", 28) == "Stainless … pan 1/1 GN no.07"
    assert short("Supercalifragilisticexpialidocious-Grinder-Model-2000-XL", 28) == (
        "Supercali…nder-Model-2000-XL"
    )
    assert all(len(short("Stainless gastronorm pan " * n, 28)) <= 28 for n in range(1, 20))
    assert short("Office  chair\n", 28) == "Office chair"
    assert cut("Thank you", 200) == "Thank you"
    assert len(cut("y" * 300, 200)) == 200


def test_a_stored_name_with_terminal_or_bidi_controls_reaches_the_chat_without_them() -> None:
    assert short("Mug\u202e gpj.exe\x1b[2J", 28) == "Mug gpj.exe [2J"


def test_names_still_alike_when_shortened_get_their_item_number_in_the_chats_language() -> None:
    names = [(1, "Office chair"), (2, "Office chair"), (3, "Desk lamp")]
    english = Catalogs.load().translator("en")
    german = Catalogs.load().translator("de")

    assert distinct_shorts(english, names) == {
        1: "Office chair (item 1)",
        2: "Office chair (item 2)",
        3: "Desk lamp",
    }
    assert distinct_shorts(german, names)[2] == "Office chair (Artikel 2)"
    alike = [(n, f"Stainless pan no.{n:02}, heavy duty, with lid, 1/1 GN") for n in (9, 10)]
    assert all(len(label) <= 28 for label in distinct_shorts(english, alike).values())


@given(st.text(alphabet=" ab-/.1", max_size=120), st.integers(min_value=1, max_value=80))
def test_a_shortened_name_never_exceeds_its_limit_and_keeps_both_ends(
    name: str, limit: int
) -> None:
    shortened = short(name, limit)
    whole = " ".join(name.split())
    assert len(shortened) <= limit
    if len(whole) > limit >= 8:
        head, _, tail = shortened.partition("…")
        assert whole.startswith(head.rstrip()) and whole.endswith(tail.lstrip())
