"""The durable "needs recompute" marks (storage/eta_marks.py, bot/services/eta.py): written in the
transaction of each change, cleared in the one that saves its recompute, never lost in between."""

from __future__ import annotations

import subprocess
import sys

from bot.domain.actions import ActionResult, OrderChange, OrderState
from bot.domain.eta import allocate
from bot.domain.model import Customer, LineStatus
from bot.domain.store import EtaMark
from bot.services.cancel import cancellation
from bot.services.eta import MARK_GRACE_SECONDS, abandoned, recompute_etas, recompute_marked
from bot.services.order_changes import apply_owned_change
from bot.services.processes import this_process
from storage.store import SqlStore
from tests.actions.shop import NOW, RULES, TODAY, in_days, order, po, product, stock


async def marked(store: SqlStore) -> set[str]:
    """The SKUs waiting for a recompute."""
    return {mark.sku for mark in (await store.eta_marks()).pending}


async def test_each_import_kind_marks_its_skus_with_its_rows_and_the_recompute_clears_them(
    store: SqlStore,
) -> None:
    await store.upsert_products([product("MUG"), product("CUP")], actor="test", at=NOW)
    assert await marked(store) == {"MUG", "CUP"}
    await recompute_etas(store, rules=RULES, today=TODAY)
    assert await marked(store) == set()

    await store.upsert_orders(
        [Customer("C1", "Ann")], [order("O-1", ("MUG", 1, 1000))], actor="test", at=NOW
    )
    assert await marked(store) == {"MUG"}
    # Why: the line moves to another SKU; the units it held of the old one are free again.
    await store.upsert_orders(
        [Customer("C1", "Ann")], [order("O-1", ("CUP", 1, 1000))], actor="test", at=NOW
    )
    assert await marked(store) == {"MUG", "CUP"}
    await recompute_etas(store, rules=RULES, today=TODAY, skus={"MUG"})
    assert await marked(store) == {"CUP"}
    await recompute_etas(store, rules=RULES, today=TODAY)

    await store.upsert_purchase_orders([po("PO-1", "MUG", 5, in_days(9))], actor="test", at=NOW)
    assert await marked(store) == {"MUG"}
    await store.upsert_purchase_orders([po("PO-1", "CUP", 5, in_days(9))], actor="test", at=NOW)
    assert await marked(store) == {"MUG", "CUP"}


async def test_a_recompute_that_read_before_a_change_saves_nothing_stale_and_keeps_the_mark(
    store: SqlStore,
) -> None:
    await stock(store, [product("MUG", on_hand=1)], [order("O-1", ("MUG", 1, 1000))])
    marks = await store.eta_marks()
    books = await store.sku_books({"MUG"})
    # Meanwhile another process imports an order placed earlier: it comes first in the queue.
    earlier = order("O-0", ("MUG", 1, 1000), customer_id="C2", placed_days_ago=20)
    await store.upsert_orders([Customer("C2", "Bo")], [earlier], actor="cli", at=NOW)
    stale = [eta for book in books for eta in allocate(book, today=TODAY, rules=RULES)]

    await store.save_etas(stale, skus={"MUG"}, computed_on=TODAY, seen=marks.seen)

    assert await marked(store) == {"MUG"}
    assert ("O-0", 1) not in await store.line_etas(["O-0"])
    assert await recompute_marked(store, rules=RULES, today=TODAY) == 2
    etas = await store.line_etas(["O-0", "O-1"])
    assert etas["O-0", 1].ship_date == TODAY
    assert etas["O-1", 1].ship_date == in_days(30)
    assert await marked(store) == set()


async def test_a_cancel_whose_process_stops_before_the_refresh_is_recomputed_from_its_mark(
    store: SqlStore,
) -> None:
    first = order("O-1", ("MUG", 1, 1000), placed_days_ago=20)
    second = order("O-2", ("MUG", 1, 1000), customer_id="C2")
    await stock(store, [product("MUG", on_hand=1)], [first, second])
    assert (await store.line_etas(["O-2"]))["O-2", 1].ship_date == in_days(30)

    async def cancel(state: OrderState) -> OrderChange | ActionResult:
        return cancellation(
            state, state.open_lines, due=in_days(5), actor="chat:1", reason="customer", now=NOW
        )

    # The cancel's own transaction, without the ETA refresh that follows it.
    await apply_owned_change(store, "C1", "O-1", cancel, actor="chat:1", now=NOW)
    cancelled = await store.order_state("O-1")
    assert cancelled is not None and cancelled.lines[0].status is LineStatus.CANCELLED
    assert await marked(store) == {"MUG"}

    await recompute_marked(store, rules=RULES, today=TODAY)

    assert (await store.line_etas(["O-2"]))["O-2", 1].ship_date == TODAY
    assert await marked(store) == set()


def test_a_mark_is_left_to_its_live_writer_for_a_grace_and_taken_at_once_when_it_died() -> None:
    ours = EtaMark("MUG", this_process(), 1000.0)
    assert not abandoned(ours, now=1000.0 + MARK_GRACE_SECONDS - 1)
    assert abandoned(ours, now=1000.0 + MARK_GRACE_SECONDS)

    with subprocess.Popen([sys.executable, "-c", "pass"]) as ended:
        ended.wait()
    host = this_process().rpartition("/")[0]
    assert abandoned(EtaMark("MUG", f"{host}/{ended.pid}", 1000.0), now=1000.0)
