"""A shop on a real SQLite store whose clock moves day by day, sweeping like the daily job."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.domain.actions import ActionResult
from bot.domain.calendar import BusinessCalendar
from bot.domain.delays import Notice, NoticeKind, QuietHours
from bot.domain.eta import EtaRules
from bot.domain.model import (
    Customer,
    Jurisdiction,
    LineStatus,
    Order,
    OrderLine,
    Product,
    PurchaseOrder,
)
from bot.domain.notice_store import NoticeRecord
from bot.services.eta import recompute_etas
from bot.services.notices import RenderedMessage, SweepReport, answer_delay, sweep
from storage.store import SqlStore
from tests.sql import fetch_all

UTC_ZONE = ZoneInfo("UTC")
RULES = EtaRules(BusinessCalendar(), default_handling_days=1)
NIGHT = QuietHours(time(21, 0), time(8, 0))
REFUND_DAYS = 10
# Day 0 is Monday 1 March 2027; the daily sweep runs at 14:00 UTC, daytime for every customer.
DAY_ZERO = date(2027, 3, 1)
SWEEP_TIME = time(14, 0)


def render(language: str, notices: Sequence[Notice]) -> RenderedMessage:
    """A test renderer: one line per notice, naming its kind and order."""
    lines = [f"{language or '-'}: {notice.kind.value} {notice.order_id}" for notice in notices]
    return RenderedMessage(text="\n".join(lines))


@dataclass(frozen=True)
class Sent:
    """An outbox row as the customer would receive it."""

    chat_id: int
    text: str
    not_before: str | None

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """(kind, order_id) of each notice in the digest."""
        pairs = []
        for line in self.text.splitlines():
            kind, order_id = line.split(": ", 1)[1].split(" ")
            pairs.append((kind, order_id))
        return pairs


@dataclass
class Timeline:
    """The shop, its frozen clock and what each day's sweep queued."""

    store: SqlStore
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(at(0)))
    seen_outbox: int = 0
    reports: list[SweepReport] = field(default_factory=list)
    # The business's time zone (BACKORDER_TIMEZONE).
    zone: ZoneInfo = UTC_ZONE

    @property
    def today(self) -> date:
        """The business date of the clock."""
        return self.clock.now().astimezone(self.zone).date()

    async def product(self, sku: str, *, on_hand: int = 0, lead_time: int | None = None) -> None:
        """Create or restock a product (one business day of handling)."""
        product = Product(sku, sku.title(), 2500, "USD", on_hand, lead_time_days=lead_time)
        await self.store.upsert_products([product], actor="test", at=self.clock.now())

    async def po(
        self, po_id: str, sku: str, expected: date, *, quantity: int = 5, received: int = 0
    ) -> None:
        """Create or move a purchase order."""
        purchase = PurchaseOrder(po_id, sku, quantity, expected, received)
        await self.store.upsert_purchase_orders([purchase], actor="test", at=self.clock.now())

    async def order(
        self,
        order_id: str,
        customer_id: str,
        sku: str,
        *,
        promised: date | None,
        jurisdiction: Jurisdiction | None,
        placed_day: int = 0,
        status: LineStatus = LineStatus.OPEN,
        language: str | None = None,
        timezone: str | None = None,
    ) -> None:
        """Create an order of one unit (or change its line status)."""
        line = OrderLine(order_id, 1, sku, 1, 2500, status)
        order = Order(
            order_id,
            customer_id,
            at(placed_day) - timedelta(hours=4),
            "USD",
            promised_ship_date=promised,
            jurisdiction=jurisdiction,
            lines=(line,),
        )
        customer = Customer(customer_id, customer_id.title(), language=language, timezone=timezone)
        await self.store.upsert_orders([customer], [order], actor="test", at=self.clock.now())

    async def link(self, chat_id: int, customer_id: str) -> None:
        """Link a chat to a customer."""
        await self.store.link_chat(
            chat_id, customer_id, via="deep_link", actor="test", at=self.clock.now()
        )

    async def day(self, number: int) -> list[Sent]:
        """Move the clock to that day's sweep, recompute like the daily job, sweep, return news."""
        self.clock.moment = at(number)
        await recompute_etas(self.store, rules=RULES, today=self.today)
        return await self.sweep()

    async def sweep(self) -> list[Sent]:
        """Sweep at the current moment and return the outbox rows it queued."""
        report = await sweep(
            self.store,
            now=self.clock.now(),
            timezone=self.zone,
            rules=RULES,
            refund_days=REFUND_DAYS,
            render=render,
            quiet_hours=NIGHT,
        )
        self.reports.append(report)
        return await self.new_outbox()

    async def new_outbox(self) -> list[Sent]:
        """Outbox rows written since the last look."""
        rows = await fetch_all(
            self.store,
            "SELECT id, chat_id, text, not_before FROM outbox WHERE id > :seen ORDER BY id",
            seen=self.seen_outbox,
        )
        if rows:
            self.seen_outbox = rows[-1].id
        return [Sent(row.chat_id, row.text, row.not_before) for row in rows]

    async def answer(self, customer_id: str, order_id: str, *, keep_waiting: bool) -> ActionResult:
        """The customer taps a consent button on the latest notice about the order."""
        version = (await self.history(order_id))[-1].notice.order_version
        return await answer_delay(
            self.store,
            customer_id,
            order_id,
            keep_waiting=keep_waiting,
            version=version,
            actor=f"customer:{customer_id}",
            now=self.clock.now(),
            timezone=self.zone,
            rules=RULES,
            refund_days=REFUND_DAYS,
        )

    async def history(self, order_id: str) -> list[NoticeRecord]:
        """Notices decided for one order, oldest first."""
        return await self.store.notice_history(order_id)

    async def kinds(self, order_id: str) -> list[NoticeKind]:
        """The kinds of notice an order got, in order."""
        return [record.notice.kind for record in await self.history(order_id)]

    async def line_status(self, order_id: str) -> LineStatus:
        """The status of the order's only line."""
        order = await self.store.get_order(order_id)
        assert order is not None
        return order.lines[0].status

    async def run_until(self, last_day: int, *, start: int | None = None) -> dict[int, list[Sent]]:
        """Sweep every day up to `last_day`, returning what each day queued."""
        first = (self.today - DAY_ZERO).days + 1 if start is None else start
        return {number: await self.day(number) for number in range(first, last_day + 1)}

    async def refunds_due(self, order_id: str) -> list[str]:
        """Due dates of the order's refund obligations."""
        rows = await fetch_all(
            self.store,
            "SELECT due_date FROM refunds WHERE order_id = :order_id ORDER BY id",
            order_id=order_id,
        )
        return [row[0] for row in rows]

    async def audit_actions(self, order_id: str) -> list[str]:
        """Audit actions logged about an order, oldest first."""
        return [entry.action for entry in await self.store.audit_entries(f"order:{order_id}")]

    async def events(self, order_id: str) -> list[dict[str, object]]:
        """Shop events about an order."""
        rows = await fetch_all(
            self.store,
            "SELECT type, payload FROM events WHERE order_id = :order_id ORDER BY id",
            order_id=order_id,
        )
        return [{"type": row.type, **json.loads(row.payload)} for row in rows]


def at(day: int) -> datetime:
    """The sweep moment of a day of the timeline."""
    return datetime.combine(DAY_ZERO + timedelta(days=day), SWEEP_TIME, tzinfo=UTC)


def on(day: int) -> date:
    """The date of a day of the timeline."""
    return DAY_ZERO + timedelta(days=day)
