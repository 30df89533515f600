"""Order changes racing on PostgreSQL (storage/actions.py), where write transactions run side by
side (READ COMMITTED): two stores (two bot instances) deciding on the same order version at once
get exactly one change written; the other decides again on what the first wrote, nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.domain.actions import (
    ActionResult,
    AlreadyDone,
    Decide,
    Done,
    LineEdit,
    OrderChange,
    OrderState,
    RefundDue,
    ShopEvent,
)
from bot.domain.model import LineStatus
from storage.store import SqlStore, open_store
from tests.conftest import NewDatabase
from tests.sql import execute, execute_many, fetch_value

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
REFUND_DUE = date(2026, 12, 16)
# Why: how long a decider waits for its rival to decide too; both deciding at once on one
# version is the race the order-row lock prevents (with the lock the rival never comes).
OVERLAP_SECONDS = 0.5

pytestmark = pytest.mark.postgresql


@pytest.fixture
def postgres_url(new_postgres_database: NewDatabase, postgres_template: str) -> str:
    """A new, migrated, empty database on the PostgreSQL test server (dropped after the test)."""
    return new_postgres_database(postgres_template)


@pytest.fixture
async def two_stores(postgres_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one database, each with its own pool (two instances); order 1042 of C1
    with two open mug lines, version 0."""
    first = await open_store(postgres_url)
    second = await open_store(postgres_url)
    await execute(
        first,
        """INSERT INTO products (sku, name, price_minor, currency, on_hand)
           VALUES ('MUG', 'Mug', 1000, 'EUR', 0)""",
    )
    await execute(first, "INSERT INTO customers (customer_id, name) VALUES ('C1', 'Ann')")
    await execute(
        first,
        """INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency)
           VALUES ('1042', 'C1', :at, :at, 'EUR')""",
        at=NOW.isoformat(),
    )
    await execute_many(
        first,
        """INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor)
           VALUES ('1042', :line_no, 'MUG', 1, :price)""",
        [{"line_no": 1, "price": 1000}, {"line_no": 2, "price": 500}],
    )
    yield first, second
    await second.close()
    await first.close()


class Rivals:
    """Two deciders that each wait (a little) for the other before deciding."""

    def __init__(self) -> None:
        self.entered = {"first": asyncio.Event(), "second": asyncio.Event()}

    async def meet(self, me: str) -> None:
        self.entered[me].set()
        other = self.entered["second" if me == "first" else "first"]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(other.wait(), OVERLAP_SECONDS)


def cancel_on(rivals: Rivals, me: str, seen: int) -> Decide:
    """The customer's cancel as decided on version `seen`: both lines, both refunded."""

    async def decide(state: OrderState | None) -> OrderChange | ActionResult:
        await rivals.meet(me)
        assert state is not None
        if state.version != seen:
            return AlreadyDone("1042")
        return OrderChange(
            action="order.cancel",
            result=Done("1042", 1500, "EUR", REFUND_DUE),
            skus=frozenset({"MUG"}),
            edits=tuple(LineEdit(line.line_no, LineStatus.CANCELLED) for line in state.lines),
            refunds=tuple(
                RefundDue(line.line_no, line.unit_price_minor, "EUR", REFUND_DUE, "cancel")
                for line in state.lines
            ),
            events=(ShopEvent("order.cancelled", {"actor": me}),),
        )

    return decide


def ship_now_on(rivals: Rivals, me: str, seen: int) -> Decide:
    """A staff change decided on version `seen`: ship line 1 now, alone."""

    async def decide(state: OrderState | None) -> OrderChange | ActionResult:
        await rivals.meet(me)
        assert state is not None
        if state.version != seen or state.lines[0].status != LineStatus.OPEN:
            return AlreadyDone("1042")
        return OrderChange(
            action="order.ship_now",
            result=Done("1042", 0, "EUR", None),
            skus=frozenset({"MUG"}),
            edits=(LineEdit(1, ship_now=True),),
            ship_complete=False,
        )

    return decide


async def test_two_cancels_from_two_instances_at_once_cancel_once(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    rivals = Rivals()
    results = await asyncio.gather(
        first.apply_order_change("1042", cancel_on(rivals, "first", 0), actor="c:1", at=NOW),
        second.apply_order_change("1042", cancel_on(rivals, "second", 0), actor="c:2", at=NOW),
    )

    assert sorted(type(result).__name__ for result in results) == ["AlreadyDone", "OrderChange"]
    assert [(r.line_no, r.amount_minor) for r in await first.refunds()] == [(1, 1000), (2, 500)]
    assert [event.type for event in await first.events_after(0, limit=10)] == ["order.cancelled"]
    state = await first.order_state("1042")
    assert state is not None and state.version == 1
    assert {line.status for line in state.lines} == {LineStatus.CANCELLED}
    assert await fetch_value(first, "SELECT count(*) FROM audit_log") == 1


async def test_a_cancel_and_a_staff_change_at_once_one_wins_and_the_other_sees_it(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    rivals = Rivals()
    cancel, staff = await asyncio.gather(
        first.apply_order_change("1042", cancel_on(rivals, "first", 0), actor="c:1", at=NOW),
        second.apply_order_change("1042", ship_now_on(rivals, "second", 0), actor="s:9", at=NOW),
    )

    state = await first.order_state("1042")
    assert state is not None and state.version == 1
    written = [result for result in (cancel, staff) if isinstance(result, OrderChange)]
    assert len(written) == 1
    if written[0].action == "order.cancel":
        # The staff change, decided on the old version, was not written over the cancel.
        assert isinstance(staff, AlreadyDone)
        assert {line.status for line in state.lines} == {LineStatus.CANCELLED}
        assert state.ship_complete and not state.lines[0].ship_now
        assert len(await first.refunds()) == 2
    else:
        assert isinstance(cancel, AlreadyDone)
        assert {line.status for line in state.lines} == {LineStatus.OPEN}
        assert not state.ship_complete and state.lines[0].ship_now
        assert await first.refunds() == []
    assert await fetch_value(first, "SELECT count(*) FROM audit_log") == 1
