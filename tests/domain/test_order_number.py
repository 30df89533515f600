"""One lookup key for an order number, whether the shop stored it or a customer typed it."""

from __future__ import annotations

import pytest

from bot.domain.order_number import order_key


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("#1001", "1001"),
        ("#1001", "#1001"),
        ("#1001", "order #1001"),
        ("10485", "order 10485"),
        ("10485", "10485."),
        ("10485", "Nr. 10485"),
        ("10485", "１０４８５"),
        ("10485", "№10485"),
        ("10485", "n° 10485"),
        ("10485", "Bestellung 10485, bitte"),
        ("10485", "заказ №10485?"),
        ("A-1042", "a-1042"),
        ("SO-2026/0042", "so-2026/0042"),
        ("001042", "1042"),
    ],
)
def test_the_shops_order_number_and_the_customers_typing_give_the_same_key(
    stored: str, typed: str
) -> None:
    assert order_key(stored) is not None
    assert order_key(typed) == order_key(stored)


@pytest.mark.parametrize("typed", ["", "hello", "where is my order?", "Nr.", "#", "заказ"])
def test_a_text_without_digits_holds_no_order_number(typed: str) -> None:
    assert order_key(typed) is None


def test_different_numbers_keep_different_keys() -> None:
    assert len({order_key(text) for text in ("1001", "1002", "10010", "A-1001", "1001-2")}) == 5


@pytest.mark.parametrize("text", ["#1001", "order １０４８５.", "Nr. A-1042", "№0042", "0"])
def test_the_key_of_a_key_is_itself(text: str) -> None:
    key = order_key(text)
    assert key is not None and order_key(key) == key
