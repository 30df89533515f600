"""Random sequences of imports, cancels, swaps and splits keep the books consistent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.domain.actions import Done
from bot.domain.eta import allocate
from bot.domain.model import Confidence, LineStatus, PoStatus
from bot.services.cancel import confirm_cancel
from bot.services.split import confirm_split
from bot.services.swap import confirm_swap, offer_substitutes
from storage.store import SqlStore, open_store
from tests.actions.shop import CUSTOMER, NOW, RULES, TODAY, in_days, order, po, product, stock
from tests.conftest import MoreDatabases

SKUS = ("A", "B", "C")
PRICES = {"A": 1000, "B": 900, "C": 1100}
COVERED = {Confidence.IN_STOCK, Confidence.CONFIRMED, Confidence.PLANNED}
UTC_ZONE = ZoneInfo("UTC")

line_spec = st.tuples(
    st.sampled_from(SKUS),
    st.integers(1, 4),
    st.sampled_from([LineStatus.OPEN, LineStatus.OPEN, LineStatus.SHIPPED]),
)
an_import = st.tuples(st.just("import"), st.lists(line_spec, min_size=1, max_size=3))
operation = st.one_of(
    an_import,
    st.tuples(st.just("cancel"), st.integers(0, 5), st.one_of(st.none(), st.integers(1, 4))),
    st.tuples(st.just("swap"), st.integers(0, 5), st.integers(1, 2), st.integers(0, 2)),
    st.tuples(st.just("split"), st.integers(0, 5), st.booleans()),
)


@dataclass
class Ledger:
    """What the test did, to check the store against."""

    orders: list[str] = field(default_factory=list)
    shipped: set[tuple[str, int]] = field(default_factory=set)
    done: int = 0
    # Value a swap moved onto the replacement line instead of refunding it.
    carried_over: int = 0


async def scenario(database: str, on_hand: dict[str, int], incoming: int, operations: list) -> None:  # type: ignore[type-arg]
    store = await open_store(database)
    try:
        await stock(
            store,
            [
                product(
                    sku,
                    price=PRICES[sku],
                    on_hand=on_hand[sku],
                    alternatives=["C"] if sku == "A" else [],
                )
                for sku in SKUS
            ],
            purchase_orders=[po("PO-B", "B", incoming, in_days(5))] if incoming else [],
        )
        ledger = Ledger()
        for step in operations:
            events_before = len(await store.events_after(0, limit=1000))
            audit_before = len(await store.audit_entries())
            result = await apply(store, ledger, step)
            new_events = len(await store.events_after(0, limit=1000)) - events_before
            new_audit = len(await store.audit_entries()) - audit_before
            if isinstance(result, Done):
                ledger.done += 1
                event(f"done {step[0]}")
                assert new_events >= 1 and new_audit == 1
            elif step[0] != "import":
                assert new_events == 0 and new_audit == 0
            await check_invariants(store, ledger)
    finally:
        await store.close()


async def apply(store: SqlStore, ledger: Ledger, step: tuple) -> object:  # type: ignore[type-arg]
    kind = step[0]
    if kind == "import":
        order_id = f"O{len(ledger.orders) + 1}"
        lines = [(sku, quantity, PRICES[sku]) for sku, quantity, _ in step[1]]
        statuses = [status for _, _, status in step[1]]
        await stock(
            store,
            [],
            [order(order_id, *lines, statuses=statuses, placed_days_ago=30 - len(ledger.orders))],
        )
        ledger.orders.append(order_id)
        ledger.shipped |= {
            (order_id, number)
            for number, status in enumerate(statuses, 1)
            if status == LineStatus.SHIPPED
        }
        return None
    if not ledger.orders:
        return None
    order_id = ledger.orders[step[1] % len(ledger.orders)]
    state = await store.order_state(order_id)
    assert state is not None
    if kind == "cancel":
        return await confirm_cancel(
            store,
            CUSTOMER,
            order_id,
            step[2],
            state.version,
            actor="customer:C1",
            now=NOW,
            timezone=UTC_ZONE,
            rules=RULES,
            refund_days=14,
        )
    if kind == "swap":
        offers = await offer_substitutes(
            store, CUSTOMER, order_id, step[2], rules=RULES, today=TODAY
        )
        if not isinstance(offers, list):
            return offers
        offer = offers[step[3] % len(offers)]
        old = state.line(step[2])
        assert old is not None
        result = await confirm_swap(
            store,
            CUSTOMER,
            order_id,
            step[2],
            offer.sku,
            state.version,
            accept_price_increase=True,
            actor="customer:C1",
            now=NOW,
            timezone=UTC_ZONE,
            rules=RULES,
            refund_days=14,
        )
        if isinstance(result, Done):
            new_value = offer.unit_price_minor * old.quantity
            ledger.carried_over += min(old.value_minor, new_value)
        return result
    version = state.version if step[2] else state.version - 1
    return await confirm_split(
        store,
        CUSTOMER,
        order_id,
        version,
        actor="customer:C1",
        now=NOW,
        timezone=UTC_ZONE,
        rules=RULES,
    )


async def check_invariants(store: SqlStore, ledger: Ledger) -> None:
    books = await store.sku_books()
    stored = await store.line_etas(ledger.orders)
    fresh = {
        (eta.order_id, eta.line_no): eta
        for book in books
        for eta in allocate(book, today=TODAY, rules=RULES)
    }
    assert stored == fresh
    for book in books:
        supply = book.on_hand + sum(
            p.remaining for p in book.purchase_orders if p.status != PoStatus.CANCELLED
        )
        quantities = {(d.order_id, d.line_no): d.quantity for d in book.demand}
        covered = sum(q for key, q in quantities.items() if fresh[key].confidence in COVERED)
        in_stock = sum(
            q for key, q in quantities.items() if fresh[key].confidence == Confidence.IN_STOCK
        )
        assert covered <= supply
        assert in_stock <= book.on_hand
    cancelled_value = 0
    for order_id in ledger.orders:
        state = await store.order_state(order_id)
        assert state is not None
        for line in state.lines:
            if (order_id, line.line_no) in ledger.shipped:
                assert line.status == LineStatus.SHIPPED
            if line.status == LineStatus.CANCELLED:
                cancelled_value += line.value_minor
            if line.replaces_line_no is not None:
                replaced = state.line(line.replaces_line_no)
                assert replaced is not None and replaced.status == LineStatus.CANCELLED
    refunds = await store.refunds()
    assert sum(refund.amount_minor for refund in refunds) == cancelled_value - ledger.carried_over
    assert all(refund.status == "due" for refund in refunds)
    changes = [
        e
        for e in await store.audit_entries()
        if e.action in ("order.cancel", "order.swap", "order.split")
    ]
    assert len(changes) == ledger.done


@settings(
    max_examples=60,
    deadline=None,
    # Why: more_databases hands each example a database of its own, so sharing it is harmless.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    on_hand=st.fixed_dictionaries({sku: st.integers(0, 6) for sku in SKUS}),
    incoming=st.integers(0, 8),
    operations=st.tuples(
        st.lists(an_import, min_size=1, max_size=3), st.lists(operation, max_size=10)
    ).map(lambda parts: parts[0] + parts[1]),
)
def test_random_customer_actions_keep_supply_refunds_statuses_and_records_consistent(
    more_databases: MoreDatabases,
    on_hand: dict[str, int],
    incoming: int,
    operations: list,  # type: ignore[type-arg]
) -> None:
    asyncio.run(scenario(more_databases(), on_hand, incoming, operations))
