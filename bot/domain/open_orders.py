"""A customer's open orders as read at one moment: what `/orders` shows and records as seen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.delays import NoticeState
from bot.domain.model import LineEta
from bot.domain.notice_store import VersionedOrder
from bot.domain.store import Store


@dataclass(frozen=True)
class OpenOrders:
    """Open orders (newest first) with their lines' ETAs, product names and notice states."""

    orders: tuple[VersionedOrder, ...]
    etas: dict[tuple[str, int], LineEta]
    product_names: dict[str, str]
    notice_states: dict[str, NoticeState]
    # Orders with a notice waiting to be sent whose order's dates the customer has not seen on
    # screen since it was decided (`mark_shown` marks them).
    unshown_notices: frozenset[str] = frozenset()


class OpenOrdersStore(Store, Protocol):
    """A store that reads a customer's open orders and all that goes with them in one round trip."""

    async def customer_open_orders(self, customer_id: str) -> OpenOrders:
        """The customer's orders with an open line, newest first, with every line."""
        ...
