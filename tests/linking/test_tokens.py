"""Signed deep-link tokens: short, URL-safe, tamper-proof, expiring, and naming no shop id."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.handles import order_handle
from bot.services.linking import TOKEN_LIFETIME, customer_tag, make_token, read_token
from tests.linking.conftest import NOW, handle_release_token, previous_release_token

SECRET = b"secret"


def test_a_token_names_its_orders_handle_its_customer_and_when_it_was_issued() -> None:
    claim = read_token(SECRET, make_token(SECRET, order_handle("1001"), "C-ALICE", now=NOW))
    assert claim is not None
    assert claim.order_handle == order_handle("1001") and claim.legacy_order_id is None
    assert claim.customer_tag == customer_tag(SECRET, "C-ALICE") != customer_tag(SECRET, "C-BOB")
    assert claim.issued_at == NOW


def test_a_token_does_not_carry_the_shops_customer_id() -> None:
    customer_id = "CUSTOMER-000123"
    token = make_token(SECRET, order_handle("1001"), customer_id, now=NOW)
    raw = base64.urlsafe_b64decode(token + "==")
    assert customer_id.encode() not in raw and customer_id not in token


@given(st.text(min_size=1, max_size=500))
def test_every_order_whatever_its_ids_length_gets_a_token_that_fits_a_start_payload(
    order_id: str,
) -> None:
    token = make_token(SECRET, order_handle(order_id), order_id, now=NOW)
    assert len(token) <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    claim = read_token(SECRET, token)
    assert claim is not None and claim.order_handle == order_handle(order_id)


def test_a_token_does_not_carry_the_shops_order_id() -> None:
    order_id = "SHOP-ORDER-2026-000123"
    raw = base64.urlsafe_b64decode(
        make_token(SECRET, order_handle(order_id), "C-1", now=NOW) + "=="
    )
    assert order_id.encode() not in raw


def test_tokens_of_earlier_releases_are_still_read_with_their_issue_time_and_no_customer() -> None:
    claim = read_token(SECRET, previous_release_token(SECRET, "1001"))
    assert claim is not None
    assert claim.legacy_order_id == "1001" and claim.order_handle is None
    assert claim.customer_tag is None
    assert claim.issued_at == pytest.approx(NOW, abs=timedelta(seconds=1))
    expires = NOW + TOKEN_LIFETIME
    claim = read_token(SECRET, handle_release_token(SECRET, "1001", expires=expires))
    assert claim is not None and claim.order_handle == order_handle("1001")
    assert claim.customer_tag is None and claim.issued_at == NOW


def test_a_token_with_any_character_changed_is_rejected() -> None:
    for token in (
        make_token(SECRET, order_handle("1001"), "C-ALICE", now=NOW),
        previous_release_token(SECRET, "1001"),
        handle_release_token(SECRET, "1001", expires=NOW + TOKEN_LIFETIME),
    ):
        for position in range(len(token)):
            replacement = "A" if token[position] != "A" else "B"
            tampered = token[:position] + replacement + token[position + 1 :]
            assert read_token(SECRET, tampered) is None, (token, position)


def test_a_token_signed_with_another_secret_is_rejected() -> None:
    token = make_token(SECRET, order_handle("1001"), "C-ALICE", now=NOW)
    assert read_token(b"other", token) is None
    assert read_token(b"other", previous_release_token(SECRET, "1001")) is None


@pytest.mark.parametrize("garbage", ["", "x", "not a token!", "A" * 65, "%%%%"])
def test_garbage_payloads_are_rejected(garbage: str) -> None:
    assert read_token(SECRET, garbage) is None


@pytest.mark.parametrize("not_a_handle", ["1001", "", "A" * 12, "not a handle"])
def test_only_an_order_handle_can_be_signed(not_a_handle: str) -> None:
    with pytest.raises(ValueError, match="handle"):
        make_token(SECRET, not_a_handle, "C-ALICE", now=NOW)
