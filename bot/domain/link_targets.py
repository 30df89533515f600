"""Who a shop can send a deep link to: customers with an open order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.model import Customer
from bot.domain.store import Store


@dataclass(frozen=True, slots=True)
class CustomerLink:
    """A customer's signed deep link, made for their newest open order."""

    customer: Customer
    order_id: str
    url: str


class LinkTargetStore(Store, Protocol):
    """The store reads behind `link --all`."""

    async def link_targets(self) -> list[tuple[Customer, str]]:
        """(customer, newest open order id) for every customer with an open order."""
        ...
