"""Short handles that stand for an order or a product in button callback data (DESIGN §7).

Why a digest rather than a handle table: it is computed where a button is drawn (no write per
screen), is the same after a restart, a re-import or a rebuilt database, and is resolved only
among the keys a press may reach anyway (the chat's own orders, an order's own products), so a
forged or foreign handle resolves to nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Literal

HandleKind = Literal["order", "product", "chat_link", "purchase_order", "rating", "alert"]
# Why: 6 bytes are 8 base64 characters; a clash among one customer's orders is out of reach.
_DIGEST_BYTES = 6


def handle(kind: HandleKind, key: str) -> str:
    """The 8-character URL-safe handle of an order id or SKU (no ":" so it fits callback data)."""
    digest = hashlib.blake2b(key.encode(), digest_size=_DIGEST_BYTES, person=kind.encode())
    return base64.urlsafe_b64encode(digest.digest()).decode()


def resolve(kind: HandleKind, value: str, keys: Iterable[str]) -> str | None:
    """The key among `keys` whose handle is `value`, None when none is."""
    return next((key for key in keys if handle(kind, key) == value), None)
