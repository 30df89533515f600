"""Signed deep-link tokens: short, URL-safe, tamper-proof and expiring."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.linking import (
    MAX_TOKEN_ORDER_ID_BYTES,
    TOKEN_LIFETIME,
    LinkError,
    make_token,
    read_token,
)
from tests.linking.conftest import NOW

SECRET = b"secret"


def test_a_token_names_its_order_and_when_it_expires() -> None:
    claim = read_token(SECRET, make_token(SECRET, "1001", now=NOW))
    assert claim is not None
    assert claim.order_id == "1001"
    assert claim.expires_at - NOW == pytest.approx(TOKEN_LIFETIME, abs=timedelta(seconds=1))


@given(st.text(min_size=1).filter(lambda s: 0 < len(s.encode()) <= MAX_TOKEN_ORDER_ID_BYTES))
def test_every_token_fits_a_start_payload(order_id: str) -> None:
    token = make_token(SECRET, order_id, now=NOW)
    assert len(token) <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    claim = read_token(SECRET, token)
    assert claim is not None and claim.order_id == order_id


def test_a_token_with_any_character_changed_is_rejected() -> None:
    token = make_token(SECRET, "1001", now=NOW)
    for position in range(len(token)):
        replacement = "A" if token[position] != "A" else "B"
        tampered = token[:position] + replacement + token[position + 1 :]
        assert read_token(SECRET, tampered) is None, position


def test_a_token_signed_with_another_secret_is_rejected() -> None:
    assert read_token(b"other", make_token(SECRET, "1001", now=NOW)) is None


@pytest.mark.parametrize("garbage", ["", "x", "not a token!", "A" * 65, "%%%%"])
def test_garbage_payloads_are_rejected(garbage: str) -> None:
    assert read_token(SECRET, garbage) is None


def test_an_order_id_too_long_for_a_token_is_refused_clearly() -> None:
    with pytest.raises(LinkError, match="deep links"):
        make_token(SECRET, "9" * (MAX_TOKEN_ORDER_ID_BYTES + 1), now=NOW)
