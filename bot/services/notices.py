"""Use cases: the sweep that decides who hears what, consent answers, and dates seen."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import ActionResult, AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.domain.alerts import ReadyUnshipped
from bot.domain.delays import (
    QUESTION_KINDS,
    CancelReason,
    Decision,
    Notice,
    NoticeState,
    OrderFacts,
    QuietHours,
    accept_delay,
    answer_too_late,
    communicate,
    decide,
    hold_for_quiet_hours,
    initial_state,
    promised_date,
)
from bot.domain.eta import EtaRules, split_order_estimate
from bot.domain.fitting import fits, pages, split_lines
from bot.domain.model import Confidence, Customer, LineEta, LineStatus
from bot.domain.notice_delivery import DECIDED_OTHERWISE, WithdrawnNotice, withdrawal_reason
from bot.domain.notice_store import NoticeChange, NoticeStore, RecordedSweep, VersionedOrder
from bot.domain.outbox import Button, OutgoingMessage
from bot.domain.time_zones import named_zone
from bot.services.bulk import collector_paused
from bot.services.cancel import cancel_for_system, confirm_cancel


@dataclass(frozen=True)
class RenderedMessage:
    """A digest as the customer will read it: HTML text and inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


Renderer = Callable[[str, Sequence[Notice]], RenderedMessage]


@dataclass(frozen=True)
class KeptWaiting(Done):
    """The customer agreed to wait: until `agreed_date`, or with no date (an indefinite delay)."""

    agreed_date: date | None = None


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    orders_checked: int
    notices: int
    messages_queued: int
    customers_unreachable: tuple[str, ...]
    cancelled: tuple[str, ...]
    # Ready orders past their promised ship date, not shipped (staff are alerted once each).
    ready_unshipped: tuple[ReadyUnshipped, ...] = ()


# Why: a sweep that lost a race to another sweep decides those customers again from what that
# one wrote; a second loss in a row is rare, a third means something keeps writing, and the
# next sweep (each recompute, the daily one) picks them up.
SWEEP_ATTEMPTS = 3


async def sweep(
    store: NoticeStore,
    *,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
    render: Renderer,
    quiet_hours: QuietHours,
    customers: Collection[str] | None = None,
    orders: Collection[str] | None = None,
) -> SweepReport:
    """Compare every open order (of `customers` only, or the open ones of `orders` only, when
    given) with what its customer was told, and queue one digest each; the decision rules are
    the same whatever the scope.

    An order scope is a staff change's (DESIGN §10): only the orders on the changed SKU can have
    news from it; the bot's regular sweep after every recompute decides the rest."""
    report: SweepReport | None = None
    scope = SweepScope(customers, orders)
    with collector_paused():
        for _ in range(SWEEP_ATTEMPTS):
            run, conflicted = await _sweep_once(
                store,
                now=now,
                timezone=timezone,
                rules=rules,
                refund_days=refund_days,
                render=render,
                quiet_hours=quiet_hours,
                scope=scope,
            )
            report = run if report is None else _added(report, run)
            if conflicted.empty:
                break
            scope = conflicted
    assert report is not None
    return report


@dataclass(frozen=True)
class SweepScope:
    """Which open orders a sweep decides: all (both None), those of `customers`, or `orders`."""

    customers: Collection[str] | None = None
    orders: Collection[str] | None = None

    @property
    def empty(self) -> bool:
        """True when the scope holds no order at all."""
        return (self.customers is not None and not self.customers) or (
            self.orders is not None and not self.orders
        )


def _added(first: SweepReport, then: SweepReport) -> SweepReport:
    return SweepReport(
        orders_checked=first.orders_checked,
        notices=first.notices + then.notices,
        messages_queued=first.messages_queued + then.messages_queued,
        customers_unreachable=first.customers_unreachable + then.customers_unreachable,
        cancelled=first.cancelled + then.cancelled,
        ready_unshipped=_merged(first.ready_unshipped, then.ready_unshipped),
    )


def _merged(
    first: Sequence[ReadyUnshipped], then: Sequence[ReadyUnshipped]
) -> tuple[ReadyUnshipped, ...]:
    """Each order once, as the later attempt saw it."""
    later = {entry.order_id: entry for entry in then}
    return (*[entry for entry in first if entry.order_id not in later], *then)


async def _sweep_once(
    store: NoticeStore,
    *,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
    render: Renderer,
    quiet_hours: QuietHours,
    scope: SweepScope,
) -> tuple[SweepReport, SweepScope]:
    today = now.astimezone(timezone).date()
    customers = scope.customers
    if scope.empty:
        orders = []
    elif scope.orders is not None:
        orders = await store.versioned_open_orders(order_ids=scope.orders)
        customers = {entry.order.customer_id for entry in orders}
    elif customers is None:
        orders = await store.versioned_open_orders()
    else:
        orders = await store.versioned_open_orders(customer_ids=customers)
    etas = await store.line_etas([entry.order.order_id for entry in orders])
    # Why: an order whose open lines are not all estimated yet (written just now, its recompute
    # still to come: an API, Shopify or CLI import while the bot runs) is decided by the sweep
    # that follows that recompute; a missing estimate would read as "no date" (a delay notice).
    orders = [entry for entry in orders if estimated(entry, etas)]
    order_ids = [entry.order.order_id for entry in orders]
    # Why: queued notices that no longer hold go back first, so this sweep decides them again.
    taken = await withdraw_stale(
        store,
        orders,
        etas,
        now=now,
        today=today,
        rules=rules,
        refund_days=refund_days,
        customers=customers,
        only_orders=scope.orders,
        timezone=timezone,
    )
    # Why: a digest goes back whole; its orders outside the scope are decided again here too,
    # so the customer gets them back in this sweep's one digest.
    outside = set(taken).difference(order_ids)
    if outside:
        more = await store.versioned_open_orders(order_ids=outside)
        etas = {**etas, **await store.line_etas([entry.order.order_id for entry in more])}
        more = [entry for entry in more if estimated(entry, etas)]
        orders = [*orders, *more]
        order_ids += [entry.order.order_id for entry in more]
    # Why: read with the states decided from; every notice written later has a larger id, so a
    # notice decided again (its first one undelivered) gets a key of its own (`_dedupe_key`).
    mark = await store.last_notice_id()
    states = await store.notice_states(order_ids)
    days = await answer_days(
        store,
        {entry.order.customer_id for entry in orders if _asking(states.get(entry.order.order_id))},
        now=now,
        timezone=timezone,
    )
    decisions: dict[str, list[tuple[VersionedOrder, Decision]]] = {}
    facts: dict[str, OrderFacts] = {}
    for entry in orders:
        before = states.get(entry.order.order_id)
        facts[entry.order.order_id] = order = order_facts(entry, etas)
        decision = decide(
            order,
            before,
            today=today,
            calendar=rules.calendar,
            refund_days=refund_days,
            answer_day=days.get(entry.order.customer_id),
        )
        if decision.notices or decision.cancel or decision.state != before:
            decisions.setdefault(entry.order.customer_id, []).append((entry, decision))
    recipients = await store.customers_with_chats(
        [customer for customer, pairs in decisions.items() if _notices_of(pairs)]
    )
    changes: list[NoticeChange] = []
    messages: list[OutgoingMessage] = []
    unreachable: list[str] = []
    for customer_id, pairs in decisions.items():
        notices = _notices_of(pairs)
        customer, chats = recipients.get(customer_id, (None, ()))
        key = _dedupe_key(customer_id, notices, now, mark) if notices and chats else None
        if notices and not chats:
            unreachable.append(customer_id)
        if notices and chats:
            messages += _digests(customer, chats, notices, key, now, timezone, render, quiet_hours)
        changes += [
            NoticeChange(
                customer_id,
                _told_at(decision, now),
                decision.notices,
                len(chats) if decision.notices else 0,
                key if decision.notices else None,
                states.get(entry.order.order_id)
                or initial_state(facts[entry.order.order_id], today),
            )
            for entry, decision in pairs
        ]
    recorded = (
        await store.record_sweep(changes, messages, now=now, read=states)
        if changes
        else RecordedSweep(0)
    )
    conflicted = recorded.conflicted
    if conflicted:
        changes = [change for change in changes if change.customer_id not in conflicted]
        unreachable = [customer for customer in unreachable if customer not in conflicted]
        decisions = {c: pairs for c, pairs in decisions.items() if c not in conflicted}
    cancelled = await _cancel_due(store, decisions, now, timezone, rules, refund_days)
    report = SweepReport(
        orders_checked=len(orders),
        notices=sum(len(change.notices) for change in changes),
        messages_queued=recorded.queued,
        customers_unreachable=tuple(unreachable),
        cancelled=cancelled,
        ready_unshipped=tuple(
            ReadyUnshipped(
                order.order_id,
                order.customer_id,
                order.promised_date,
                order.refund_minor,
                order.currency,
                cancelled=order.order_id in cancelled,
            )
            for entry in orders
            if entry.order.customer_id not in conflicted
            for order in (facts[entry.order.order_id],)
            if order.ready and today > order.promised_date
        ),
    )
    if scope.orders is None:
        return report, SweepScope(customers=conflicted)
    return report, SweepScope(
        orders=[entry.order.order_id for entry in orders if entry.order.customer_id in conflicted]
    )


async def withdraw_stale(
    store: NoticeStore,
    orders: Sequence[VersionedOrder],
    etas: Mapping[tuple[str, int], LineEta],
    *,
    now: datetime,
    today: date,
    rules: EtaRules,
    refund_days: int,
    customers: Collection[str] | None = None,
    only_orders: Collection[str] | None = None,
    wall: Callable[[], float] = time.time,
    timezone: ZoneInfo | None = None,
) -> tuple[str, ...]:
    """Take back queued notices held for later (a quiet-hours digest) whose order was cancelled,
    shipped or changed since so that they no longer hold; the orders whose notices went back.

    One path for every cause (customer, staff, import, automatic): the sweep that runs after any
    change decides each queued notice again (`withdrawal_reason`). A digest is taken back whole;
    its other orders' states return to what they were decided from (but with the dates the
    customer saw on screen since: `restored`), so this sweep queues them again, without the
    orders that no longer need a notice (16 CFR 435.2: a notice must be true when the customer
    reads it). With `customers`, only their notices are looked at: `orders`
    holds only their open orders, and another customer's notice is no less true for that. With
    `only_orders` too, only notices of those orders are decided again (`orders` holds those
    open); a digest taken back still takes its other orders' notices with it.
    """
    held = await store.pending_notices(customer_ids=customers, held_after=now)
    pending = [
        notice
        for notice in held
        if notice.rows
        and all(row.held_at(now) for row in notice.rows)
        and (customers is None or notice.customer_id in customers)
    ]
    if not pending:
        return ()
    open_orders = {entry.order.order_id: entry for entry in orders}
    days = (
        await answer_days(
            store,
            {notice.customer_id for notice in pending if _asking(notice.before)},
            now=now,
            timezone=timezone,
        )
        if timezone is not None
        else {}
    )
    stale_rows: set[int] = set()
    reasons: dict[int, str] = {}
    for notice in pending:
        if only_orders is not None and notice.notice.order_id not in only_orders:
            continue
        entry = open_orders.get(notice.notice.order_id)
        decided = None
        if entry is not None:
            decided = decide(
                order_facts(entry, etas),
                notice.before,
                today=today,
                calendar=rules.calendar,
                refund_days=refund_days,
                answer_day=days.get(notice.customer_id),
            ).notices
        reason = withdrawal_reason(notice.notice, decided)
        if reason is not None:
            reasons[notice.notice_id] = reason
            stale_rows.update(row.row_id for row in notice.rows)
    withdrawn = [
        WithdrawnNotice(
            notice_id=notice.notice_id,
            order_id=notice.notice.order_id,
            reason=reasons.get(notice.notice_id, DECIDED_OTHERWISE),
            rows=tuple(row.row_id for row in notice.rows),
            state=replace(notice.before, undelivered=None)
            if notice.latest and notice.before is not None
            else None,
        )
        for notice in pending
        if stale_rows.intersection(row.row_id for row in notice.rows)
    ]
    if not withdrawn:
        return ()
    # Why: outbox claims are timed by the wall clock (the business clock may be frozen).
    return await store.withdraw_notices(withdrawn, now=now, clock=wall())


async def answer_delay(
    store: NoticeStore,
    customer_id: str,
    order_id: str,
    *,
    keep_waiting: bool,
    version: int,
    actor: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
) -> ActionResult:
    """Keep waiting (consent recorded and audited) or cancel for a full refund."""
    order = await store.order_state(order_id)
    if order is None or not order.belongs_to(customer_id):
        return NotFound(order_id)
    if not keep_waiting:
        return await confirm_cancel(
            store,
            customer_id,
            order_id,
            None,
            version,
            actor=actor,
            now=now,
            timezone=timezone,
            rules=rules,
            refund_days=refund_days,
        )
    if not order.open_lines:
        return NotAllowed(order_id, "not_open")
    if order.version != version:
        return Changed(order_id)
    state = (await store.notice_states([order_id])).get(order_id)
    if state is not None and state.auto_cancelled_on is not None:
        # Why: the sweep decided the cancellation for silence; it takes effect in a moment.
        return NotAllowed(order_id, "answer_late")
    agreed = accept_delay(state) if state is not None else None
    if state is None or agreed is None:
        return AlreadyDone(order_id)
    day = (await answer_days(store, [customer_id], now=now, timezone=timezone))[customer_id]
    if answer_too_late(state, day):
        # Why: judged on the customer's date, as the sweep judges it: an answer on the last day
        # counts wherever the shop is; after it, the order is cancelled (16 CFR 435.2(b)).
        return NotAllowed(order_id, "answer_late")
    # Why: the consent is stored only if the order and its state are still what it was given
    # on; a sweep that cancelled or asked again in between wins, and the customer is told the
    # order changed (never "kept waiting" for an order just cancelled).
    refused = await store.save_notice_states(
        [agreed],
        action="notice.consent",
        actor=actor,
        at=now,
        expected={order_id: state},
        versions={order_id: version},
    )
    if refused:
        return Changed(order_id)
    return KeptWaiting(order_id, 0, order.currency, None, agreed.deadline)


async def mark_communicated(store: NoticeStore, customer_id: str, *, now: datetime) -> None:
    """Record the current estimated dates of a customer's open orders as told to them."""
    orders = await store.versioned_open_orders(customer_id)
    if not orders:
        return
    etas = await store.line_etas([entry.order.order_id for entry in orders])
    await mark_shown(store, customer_id, orders, etas, now=now)


async def mark_shown(
    store: NoticeStore,
    customer_id: str,
    orders: Sequence[VersionedOrder],
    etas: Mapping[tuple[str, int], LineEta],
    *,
    now: datetime,
    states: Mapping[str, NoticeState] | None = None,
    unshown: Collection[str] | None = None,
) -> None:
    """Record the estimated dates of these open orders, as just shown, as told to the customer.

    `states` and `unshown` are what the caller read with the orders (`OpenOrders`: the notice
    states, and the orders with a notice waiting to be sent that the customer has not seen the
    dates of); read here when None. Such a waiting notice is marked shown with the dates, even
    when they equal what it told: taken back later, it then leaves them (`restored`)."""
    if not orders:
        return
    order_ids = [entry.order.order_id for entry in orders]
    # Why: a caller that read the states with the orders (under the sweep lock) passes them.
    if states is None:
        states = await store.notice_states(order_ids)
    if unshown is None:
        unshown = await store.unshown_notices(order_ids)
    told: list[NoticeState] = []
    for entry in orders:
        facts = order_facts(entry, etas)
        before = states.get(facts.order_id) or initial_state(facts, now.date())
        after = replace(communicate(before, facts.estimate, now), ready_notified=facts.ready)
        if (
            (after.communicated_date, after.ready_notified)
            != (before.communicated_date, before.ready_notified)
            or facts.order_id not in states
            or facts.order_id in unshown
        ):
            told.append(after)
    if told:
        # Why: a state a sweep changed after it was read here keeps the sweep's news; the
        # dates just shown are recorded for the others only.
        await store.save_notice_states(
            told,
            action="notice.communicated",
            actor=f"customer:{customer_id}",
            at=now,
            expected={state.order_id: state for state in states.values()},
            shown=[state.order_id for state in told if state.order_id in unshown],
        )


async def pending_questions(store: NoticeStore, customer_id: str) -> list[Notice]:
    """The latest delay question of each open order still waiting for the customer's answer."""
    orders = await store.versioned_open_orders(customer_id)
    states = await store.notice_states([entry.order.order_id for entry in orders])
    questions: list[Notice] = []
    for entry in orders:
        state = states.get(entry.order.order_id)
        if state is None or not state.awaiting_answer:
            continue
        history = await store.notice_history(entry.order.order_id)
        asked = [record.notice for record in history if record.notice.kind in QUESTION_KINDS]
        if asked:
            questions.append(asked[-1])
    return questions


async def answer_days(
    store: NoticeStore, customer_ids: Collection[str], *, now: datetime, timezone: ZoneInfo
) -> dict[str, date]:
    """Each customer's date at `now`: in their time zone (`customers.timezone`), else the
    business's `timezone`; the date an answer's last day is judged by."""
    if not customer_ids:
        return {}
    known = await store.customers_with_chats(customer_ids)
    return {
        customer_id: now.astimezone(
            named_zone(known[customer_id][0].timezone if customer_id in known else None) or timezone
        ).date()
        for customer_id in customer_ids
    }


def _asking(state: NoticeState | None) -> bool:
    """True when a state waits for an answer with a last day (its customer's date matters)."""
    return state is not None and state.awaiting_answer and state.auto_cancel_on is not None


def estimated(entry: VersionedOrder, etas: Mapping[tuple[str, int], LineEta]) -> bool:
    """True when every open line of the order has a stored ETA (DESIGN §5: computed by a
    recompute, which may still be to come for an order written a moment ago)."""
    return all(
        (line.order_id, line.line_no) in etas
        for line in entry.order.lines
        if line.status == LineStatus.OPEN
    )


def order_facts(entry: VersionedOrder, etas: Mapping[tuple[str, int], LineEta]) -> OrderFacts:
    """What the policy needs of one open order: T, the estimate, readiness and the refund."""
    order = entry.order
    open_lines = [line for line in order.lines if line.status == LineStatus.OPEN]
    line_etas = [etas.get((line.order_id, line.line_no)) for line in open_lines]
    released = [line.ship_now for line in open_lines]
    return OrderFacts(
        order_id=order.order_id,
        customer_id=order.customer_id,
        jurisdiction=order.jurisdiction,
        promised_date=promised_date(order.promised_ship_date, order.placed_at.date()),
        estimate=split_order_estimate(zip(line_etas, released, strict=True)),
        ready=bool(line_etas)
        and all(eta is not None and eta.confidence == Confidence.IN_STOCK for eta in line_etas),
        refund_minor=sum(line.quantity * line.unit_price_minor for line in open_lines),
        currency=order.currency,
        version=entry.version,
    )


def _notices_of(pairs: Sequence[tuple[VersionedOrder, Decision]]) -> tuple[Notice, ...]:
    return tuple(notice for _, decision in pairs for notice in decision.notices)


def _told_at(decision: Decision, now: datetime) -> NoticeState:
    return replace(decision.state, communicated_at=now) if decision.notices else decision.state


def _digests(
    customer: Customer | None,
    chats: Sequence[int],
    notices: Sequence[Notice],
    key: str | None,
    now: datetime,
    timezone: ZoneInfo,
    render: Renderer,
    quiet_hours: QuietHours,
) -> list[OutgoingMessage]:
    language = customer.language if customer and customer.language else ""
    zone = named_zone(customer.timezone if customer else None) or timezone
    hold = hold_for_quiet_hours(notices, now=now, zone=zone, quiet_hours=quiet_hours)
    return [
        OutgoingMessage(
            dedupe_key=f"{key}:{chat_id}" + (f":{number}" if number else ""),
            chat_id=chat_id,
            text=rendered.text,
            buttons=rendered.buttons,
            customer_id=customer.customer_id if customer else None,
            not_before=hold.not_before,
            urgent=hold.urgent,
            notice_key=key,
            notice_orders=orders,
        )
        for number, (rendered, orders) in enumerate(fitted(render, language, notices))
        for chat_id in chats
    ]


def fitted(
    render: Renderer, language: str, notices: Sequence[Notice]
) -> list[tuple[RenderedMessage, tuple[str, ...]]]:
    """The notices as messages within Telegram's limits, each with the orders it tells about."""

    def measure(group: Sequence[Notice]) -> tuple[str, int]:
        rendered = render(language, group)
        return rendered.text, sum(len(row) for row in rendered.buttons)

    # Why: a digest that fits whole is one message (every part of it would fit too, so paging
    # it would give the same one group); rendering it once keeps a big sweep linear.
    whole = render(language, notices)
    if fits(whole.text, sum(len(row) for row in whole.buttons)):
        return [(whole, tuple(notice.order_id for notice in notices))]
    messages: list[tuple[RenderedMessage, tuple[str, ...]]] = []
    for group in pages(notices, measure):
        rendered = render(language, group)
        orders = tuple(notice.order_id for notice in group)
        if fits(*measure(group)):
            messages.append((rendered, orders))
            continue
        # Why: one notice longer than a message (a huge order id) is paged, buttons on the last.
        pieces = split_lines(rendered.text)
        for number, piece in enumerate(pieces, start=1):
            buttons = rendered.buttons if number == len(pieces) else ()
            messages.append((RenderedMessage(piece, buttons), orders))
    return messages


def _dedupe_key(customer_id: str, notices: Sequence[Notice], now: datetime, mark: int) -> str:
    """The outbox key of one decision's digest: `mark` is the highest notice id when the sweep
    read the states it decided from.

    A key is sent at most once, so it must name one decision: a notice decided again after its
    first one went undelivered (a blocked chat back, at the same moment under a frozen clock,
    with the same dates) must not collide with the first one's dropped row (it would never be
    queued, and staff would be told it was refused). Two sweeps that read the same states and
    mark decide the same: one of them writes, the other is left out (`record_sweep`'s `read`).
    """
    # Why: a re-run of the same sweep (same moment, same decisions) must queue nothing new.
    content = [
        [notice.kind.value, notice.order_id, str(notice.revised_date), str(notice.previous_date)]
        for notice in notices
    ]
    digest = hashlib.sha256(
        json.dumps([customer_id, now.isoformat(), mark, content]).encode()
    ).hexdigest()
    return f"notice:{digest[:24]}"


async def _cancel_due(
    store: NoticeStore,
    decisions: Mapping[str, Sequence[tuple[VersionedOrder, Decision]]],
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
) -> tuple[str, ...]:
    """Carry out the automatic cancellations through the customer's cancel path."""
    cancelled: list[str] = []
    for pairs in decisions.values():
        for entry, decision in pairs:
            if decision.cancel is None:
                continue
            result = await cancel_for_system(
                store,
                entry.order.order_id,
                reason=_reason(decision.cancel),
                now=now,
                timezone=timezone,
                rules=rules,
                refund_days=refund_days,
            )
            if isinstance(result, Done | AlreadyDone):
                cancelled.append(entry.order.order_id)
    return tuple(cancelled)


def _reason(reason: CancelReason) -> str:
    return reason.value
