"""Fixtures for linking tests: a real store (each database) with two customers and their orders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import struct
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.domain.model import Customer, Jurisdiction, Order, OrderLine, Product
from bot.services.handles import order_handle
from bot.services.linking import TOKEN_LIFETIME
from storage.store import SqlStore, open_store
from tests.databases import database_settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A store holding Alice's order 1001 (EU, German) and Bob's order 2002 (UK)."""
    opened = await open_store(database_url)
    lamp = Product(sku="LAMP", name="Desk lamp", price_minor=2999, currency="EUR", on_hand=0)
    await opened.upsert_products([lamp], actor="test", at=NOW)
    customers = [
        Customer(
            "C-ALICE", "Alice", email="Alice@Example.com", phone="+49 170 1234567", language="de"
        ),
        Customer("C-BOB", "Bob", email="bob@example.com", phone="0044 7700 900123"),
    ]
    orders = [
        Order(
            "1001",
            "C-ALICE",
            NOW,
            "EUR",
            jurisdiction=Jurisdiction.EU,
            lines=(OrderLine("1001", 1, "LAMP", 1, 2999),),
        ),
        Order(
            "2002",
            "C-BOB",
            NOW,
            "EUR",
            jurisdiction=Jurisdiction.UK,
            lines=(OrderLine("2002", 1, "LAMP", 2, 2999),),
        ),
    ]
    await opened.upsert_orders(customers, orders, actor="test", at=NOW)
    yield opened
    await opened.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with a fixed link secret, on the test's database."""
    return database_settings(database_url, link_secret="test-secret")


def previous_release_token(secret: bytes, order_id: str, *, now: datetime = NOW) -> str:
    """A token as the first release signed it: expiry + the order id itself + 12-byte MAC."""
    body = struct.pack(">I", math.ceil((now + TOKEN_LIFETIME).timestamp())) + order_id.encode()
    return _signed(secret, b"deep-link\x00", body)


def handle_release_token(secret: bytes, order_id: str, *, expires: datetime) -> str:
    """A token as the second release signed it: expiry + the order's handle + 12-byte MAC."""
    handle = base64.urlsafe_b64decode(order_handle(order_id) + "==")
    body = struct.pack(">I", math.ceil(expires.timestamp())) + handle
    return _signed(secret, b"deep-link-handle\x00", body)


def forged_bound_token(secret: bytes, order_id: str, customer_id: str, *, issued: datetime) -> str:
    """A token in today's layout with any issue time, signed with the real secret."""
    handle = base64.urlsafe_b64decode(order_handle(order_id) + "==")
    tag = hmac.new(secret, b"deep-link-customer\x00" + customer_id.encode(), hashlib.sha256)
    body = struct.pack(">I", math.floor(issued.timestamp())) + handle + tag.digest()[:6]
    return _signed(secret, b"deep-link-bound\x00", body)


def _signed(secret: bytes, domain: bytes, body: bytes) -> str:
    mac = hmac.new(secret, domain + body, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()
