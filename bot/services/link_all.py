"""Use case: a deep link for every customer with an open order (for the shop's own email)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.domain.link_targets import CustomerLink, LinkTargetStore
from bot.domain.model import Customer
from bot.services.linking import LinkError, bot_username, link_secret, order_token

CSV_COLUMNS = ("customer_id", "name", "email", "order_id", "deep_link")


@dataclass(frozen=True, slots=True)
class SkippedLink:
    """A customer left without a link, and why (the others still get theirs)."""

    customer: Customer
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class LinkSheet:
    """The links made for `link --all`, by customer id, and the customers left out."""

    links: list[CustomerLink]
    skipped: list[SkippedLink]


async def deep_links_for_all(
    store: LinkTargetStore, settings: Settings, *, now: datetime
) -> LinkSheet:
    """One link per customer with an open order; LinkError only without the bot's username."""
    targets = await store.link_targets()
    if not targets:
        return LinkSheet([], [])
    username = await bot_username(store, settings)
    secret = await link_secret(store, settings)
    sheet = LinkSheet([], [])
    for customer, order_id in targets:
        # Why: one order that cannot be linked must not cost every other customer their link.
        try:
            token = await order_token(store, secret, order_id, now=now)
        except LinkError as exc:
            sheet.skipped.append(SkippedLink(customer, order_id, str(exc)))
            continue
        sheet.links.append(
            CustomerLink(customer, order_id, f"https://t.me/{username}?start={token}")
        )
    return sheet


def links_csv(links: Sequence[CustomerLink]) -> str:
    """The links as CSV with a header row (CSV_COLUMNS)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for link in links:
        customer = link.customer
        fields = (customer.customer_id, customer.name, customer.email or "", link.order_id)
        writer.writerow((*map(_inert, fields), link.url))
    return out.getvalue()


def _inert(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, - or @ would make it a formula."""
    # Why: OWASP CSV injection; the shop opens this file in a spreadsheet.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def links_text(links: Sequence[CustomerLink]) -> str:
    """The links as tab-separated lines: customer id, name, email, order id, link.

    Tabs and line breaks inside a field become spaces, so every customer stays one line.
    """
    return "".join(
        "\t".join(
            _one_line(field)
            for field in (
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


def _one_line(field: str) -> str:
    return _BREAKS.sub(" ", field)


_BREAKS = re.compile(r"[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
