"""Use case: a deep link for every customer with an open order (for the shop's own email)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from bot.config import Settings
from bot.domain.link_targets import CustomerLink, LinkTargetStore
from bot.services.linking import bot_username, link_secret, make_token

CSV_COLUMNS = ("customer_id", "name", "email", "order_id", "deep_link")


async def deep_links_for_all(
    store: LinkTargetStore, settings: Settings, *, now: datetime
) -> list[CustomerLink]:
    """One link per customer with an open order, by customer id; LinkError without a username."""
    targets = await store.link_targets()
    if not targets:
        return []
    username = await bot_username(store, settings)
    secret = await link_secret(store, settings)
    return [
        CustomerLink(
            customer,
            order_id,
            f"https://t.me/{username}?start={make_token(secret, order_id, now=now)}",
        )
        for customer, order_id in targets
    ]


def links_csv(links: Sequence[CustomerLink]) -> str:
    """The links as CSV with a header row (CSV_COLUMNS)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for link in links:
        customer = link.customer
        writer.writerow(
            (customer.customer_id, customer.name, customer.email or "", link.order_id, link.url)
        )
    return out.getvalue()


def links_text(links: Sequence[CustomerLink]) -> str:
    """The links as tab-separated lines: customer id, name, email, order id, link."""
    return "".join(
        "\t".join(
            (
                link.customer.customer_id,
                link.customer.name,
                link.customer.email or "-",
                link.order_id,
                link.url,
            )
        )
        + "\n"
        for link in links
    )
