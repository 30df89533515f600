"""The page split behind every long screen: every item once, in order, within its limits."""

from __future__ import annotations

import pytest

from handlers.common import cut, short
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


def test_a_long_name_is_cut_with_an_ellipsis_and_a_short_one_kept() -> None:
    name = "Stainless gastronorm pan 1/1 GN no.07 " * 8
    assert short(name, 28) == "Stainless gastronorm pan 1/…"
    assert short("Office  chair\n", 28) == "Office chair"
    assert cut("Thank you", 200) == "Thank you"
    assert len(cut("y" * 300, 200)) == 200
