"""Fixtures for status tests: a fake store holding one customer's orders."""

from __future__ import annotations

import pytest

from bot.domain.model import Product
from tests.fakes import FakeStore


@pytest.fixture
def store() -> FakeStore:
    """A fake store with a mug and a cup in the catalogue."""
    fake = FakeStore()
    for sku, name in (("MUG-1", "Blue mug"), ("CUP-1", "Tea cup")):
        fake.products[sku] = Product(sku, name, 1250, "EUR", on_hand=0)
    return fake
