"""Delay notices and consent by jurisdiction, and knowing when to speak: a pure state machine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Literal

from bot.domain.calendar import BusinessCalendar
from bot.domain.model import Jurisdiction
from bot.domain.quiet_hours import QuietHours
from bot.domain.refunds import refund_due_date
from bot.domain.wall_clock import wall_clock_instant

__all__ = [
    "QUESTION_KINDS",
    "CancelReason",
    "ConsentState",
    "Decision",
    "Hold",
    "Notice",
    "NoticeKind",
    "NoticeState",
    "OrderFacts",
    "QuietHours",
    "SilenceMeans",
    "accept_delay",
    "answer_too_late",
    "cancellation_reason",
    "communicate",
    "decide",
    "fingerprint",
    "hold_for_quiet_hours",
    "initial_state",
    "promised_date",
    "undelivered",
]

SilenceMeans = Literal["consent", "cancel", "nothing"]

# Why: 16 CFR 435.2 — a first delay beyond 30 days needs the buyer's express consent.
US_CONSENT_WINDOW = timedelta(days=30)
UNPROMISED_SHIP_WINDOW = timedelta(days=30)
# Why: rolling estimates creep a day at a time; an open question is re-asked on a real slip only,
# and a date already told late is re-told only when it moves this much (or to "no date").
REASK_SLIP = timedelta(days=7)


class NoticeKind(StrEnum):
    """What a proactive message about one order says."""

    DELAY_FIRST = "delay_first"
    DELAY_RENEWED = "delay_renewed"
    DELAY_CONSENT_REQUEST = "delay_consent_request"
    DELAY_INFO = "delay_info"
    GOOD_NEWS = "good_news"
    READY_TO_SHIP = "ready_to_ship"
    AUTO_CANCELLED = "auto_cancelled"


# The notices that ask the customer to choose between waiting and cancelling.
QUESTION_KINDS = frozenset(
    {NoticeKind.DELAY_FIRST, NoticeKind.DELAY_RENEWED, NoticeKind.DELAY_CONSENT_REQUEST}
)


class ConsentState(StrEnum):
    """What the customer agreed to about a delay."""

    NONE = "none"
    CONSENTED = "consented"
    INDEFINITE = "indefinite"
    DEEMED = "deemed"


class CancelReason(StrEnum):
    """Why the policy cancels an order on its own."""

    NO_ANSWER = "delay_no_answer"
    NO_VALID_NOTICE = "delay_no_valid_notice"


@dataclass(frozen=True)
class Notice:
    """One thing to tell a customer about one order, with what the rule requires it to carry."""

    kind: NoticeKind
    order_id: str
    jurisdiction: Jurisdiction | None
    promised_date: date
    previous_date: date | None
    revised_date: date | None
    silence_means: SilenceMeans
    decision_deadline: date | None
    auto_cancel_on: date | None
    refund_minor: int
    currency: str
    refund_due: date | None
    order_version: int


@dataclass(frozen=True)
class OrderFacts:
    """What the policy needs to know about one open order today."""

    order_id: str
    customer_id: str
    jurisdiction: Jurisdiction | None
    promised_date: date
    estimate: date | None
    ready: bool
    refund_minor: int
    currency: str
    version: int = 0


@dataclass(frozen=True)
class NoticeState:
    """Per-order memory of what was communicated, the deadline in force and the consent given."""

    order_id: str
    # The date the shop is bound to ship by (T, then an agreed R); None after an indefinite delay.
    deadline: date | None
    # The last estimated ship date the customer was told; None means "no date" was told.
    communicated_date: date | None
    communicated_at: datetime | None = None
    consent: ConsentState = ConsentState.NONE
    awaiting_answer: bool = False
    silence_means: SilenceMeans = "nothing"
    decision_deadline: date | None = None
    auto_cancel_on: date | None = None
    offered_date: date | None = None
    ready_notified: bool = False
    auto_cancelled_on: date | None = None
    # The notice (see `fingerprint`) last decided from this state that no chat received.
    undelivered: str | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome for one order: its next state, what to say, and an automatic cancellation."""

    state: NoticeState
    notices: tuple[Notice, ...] = ()
    cancel: CancelReason | None = None


@dataclass(frozen=True)
class Hold:
    """When a digest may be delivered and whether it must not wait."""

    not_before: datetime | None
    urgent: bool


def promised_date(promised_ship_date: date | None, placed_on: date) -> date:
    """T: the promised ship date, or 30 days after the order was placed."""
    return promised_ship_date or placed_on + UNPROMISED_SHIP_WINDOW


def initial_state(facts: OrderFacts, today: date) -> NoticeState:
    """The state of an order the policy sees for the first time: T is what the customer knows."""
    # Why: an order first seen after T (imported late, history) was never ours to warn in time;
    # its notice is due now, and cancelling unseen orders on sight would punish the customer.
    return NoticeState(
        order_id=facts.order_id,
        deadline=max(facts.promised_date, today),
        communicated_date=facts.promised_date,
        ready_notified=facts.ready,
    )


def decide(
    facts: OrderFacts,
    state: NoticeState | None,
    *,
    today: date,
    calendar: BusinessCalendar,
    refund_days: int,
    answer_day: date | None = None,
) -> Decision:
    """Apply the jurisdiction's delay rule, then compare the estimate with what was told.

    `today` is the business's date; `answer_day` the customer's date (in their time zone, else
    the business's: the default is `today`), by which the last day to answer is judged.
    """
    current = state or initial_state(facts, today)
    if current.auto_cancelled_on is not None:
        # Why: the cancellation was decided (and announced) earlier but has not taken effect yet.
        return Decision(current, (), _closed_reason(current))
    if facts.jurisdiction is Jurisdiction.US:
        cancel = _us_cancellation_due(current, today, answer_day or today)
        if cancel is not None:
            return _auto_cancel(facts, current, cancel, today, calendar, refund_days)
        step = _us_step(facts, current, today)
    elif facts.jurisdiction in (Jurisdiction.EU, Jurisdiction.UK):
        step = _eu_uk_step(facts, current)
    else:
        step = _Step(current, None)
    told = step.state
    if step.notice_kind is not None:
        notice = _notice(
            step.notice_kind, facts, told, step.notice_deadline, _binding_date(facts, current)
        )
        told = communicate(told, facts.estimate, None)
        return _unless_undelivered(current, Decision(_ready_seen(told, facts), (notice,)))
    kind = _news_kind(facts, told, calendar)
    if kind is None:
        return Decision(_ready_seen(told, facts))
    notice = _notice(kind, facts, told, told.decision_deadline, current.communicated_date)
    told = _ready_seen(communicate(told, facts.estimate, None), facts)
    return _unless_undelivered(current, Decision(told, (notice,)))


def fingerprint(notice: Notice) -> str:
    """What identifies a notice's content for "the same notice again": kind and revised date."""
    revised = notice.revised_date.isoformat() if notice.revised_date else "none"
    return f"{notice.kind.value}:{revised}"


def undelivered(before: NoticeState, notice: Notice) -> NoticeState:
    """The state after `notice` reached no chat: as if it had not been sent (nothing was told)."""
    return replace(before, undelivered=fingerprint(notice))


def _unless_undelivered(current: NoticeState, decision: Decision) -> Decision:
    """The decision, unless it repeats the notice that could not be delivered from this state."""
    if current.undelivered is not None and any(
        fingerprint(notice) == current.undelivered for notice in decision.notices
    ):
        # Why: the same content would fail the same way; staff were alerted once already.
        return Decision(current)
    if decision.state.undelivered is None:
        return decision
    return Decision(replace(decision.state, undelivered=None), decision.notices)


def communicate(state: NoticeState, estimate: date | None, at: datetime | None) -> NoticeState:
    """The state after the customer was told `estimate` (at `at`, when known)."""
    return replace(
        state,
        communicated_date=estimate,
        communicated_at=at if at is not None else state.communicated_at,
    )


def answer_too_late(state: NoticeState, answer_day: date) -> bool:
    """True when a question's last day to answer has ended on the customer's date `answer_day`
    (16 CFR 435.2(b): an answer on the last day counts; silence cancels on the day after)."""
    return (
        state.awaiting_answer
        and state.auto_cancel_on is not None
        and answer_day >= state.auto_cancel_on
    )


def cancellation_reason(notice: Notice) -> CancelReason | None:
    """Why an automatic cancellation notice's order was cancelled (None: not one): for want of
    the customer's answer (it carries the last day to answer), or because no valid delay
    notice came before the date the shop was bound to ship by."""
    if notice.kind is not NoticeKind.AUTO_CANCELLED:
        return None
    return (
        CancelReason.NO_ANSWER if notice.silence_means == "cancel" else CancelReason.NO_VALID_NOTICE
    )


def accept_delay(state: NoticeState) -> NoticeState | None:
    """The state after the customer agreed to wait; None when there is nothing to agree to."""
    if state.auto_cancelled_on is not None:
        return None
    if state.awaiting_answer:
        agreed = state.offered_date
        return replace(
            state,
            consent=ConsentState.CONSENTED if agreed is not None else ConsentState.INDEFINITE,
            deadline=agreed,
            awaiting_answer=False,
            silence_means="nothing",
            decision_deadline=None,
            auto_cancel_on=None,
        )
    if state.consent is ConsentState.DEEMED:
        return replace(state, consent=ConsentState.CONSENTED)
    return None


def hold_for_quiet_hours(
    notices: Sequence[Notice], *, now: datetime, zone: tzinfo, quiet_hours: QuietHours
) -> Hold:
    """Hold a digest until quiet hours end, but never past the earliest deadline it carries; a
    digest telling of an automatic cancellation goes at once (16 CFR 435.2: the buyer is owed
    prompt word of the cancellation and refund)."""
    deadlines = [day for notice in notices for day in _deadlines(notice)]
    urgent = bool(deadlines)
    release = quiet_hours.release_at(now, zone)
    if release is None:
        return Hold(None, urgent)
    if any(notice.kind is NoticeKind.AUTO_CANCELLED for notice in notices):
        # Why: a held digest is decided again before it goes, and the cancellation it announces
        # closed the order, so holding it would withdraw the very notice the law requires.
        return Hold(None, True)
    if deadlines:
        # Why: a deadline day ends at local midnight; the customer must hear before then.
        cutoff = wall_clock_instant(min(deadlines) + timedelta(days=1), time(0), zone)
        if release >= cutoff:
            return Hold(None, urgent)
    return Hold(release, urgent)


@dataclass(frozen=True)
class _Step:
    """The state after a legal rule ran, and the legal notice it calls for, if any."""

    state: NoticeState
    notice_kind: NoticeKind | None
    notice_deadline: date | None = None


def _us_cancellation_due(state: NoticeState, today: date, answer_day: date) -> CancelReason | None:
    if state.awaiting_answer:
        # Why: the last day to answer is the customer's day; judged on the shop's date, a New
        # York customer's evening answer would find the order cancelled after Berlin's midnight.
        return CancelReason.NO_ANSWER if answer_too_late(state, answer_day) else None
    if state.consent is ConsentState.INDEFINITE or state.deadline is None:
        return None
    return CancelReason.NO_VALID_NOTICE if today > state.deadline else None


def _us_step(facts: OrderFacts, state: NoticeState, today: date) -> _Step:
    estimate = facts.estimate
    if state.awaiting_answer:
        if state.deadline is not None and not _later(estimate, state.deadline):
            # Why: the order will ship by the date the customer holds us to; no answer is needed.
            return _Step(_settled(state), None)
        if _slipped(estimate, state.offered_date):
            slipped = replace(state, offered_date=estimate)
            return _Step(slipped, NoticeKind.DELAY_RENEWED, state.decision_deadline)
        return _Step(state, None)
    if state.consent is ConsentState.INDEFINITE or state.deadline is None:
        return _Step(state, None)
    deadline = state.deadline
    if not _later(estimate, deadline):
        return _Step(state, None)
    if state.consent is ConsentState.NONE:
        limit = deadline + US_CONSENT_WINDOW
        if estimate is not None and estimate <= limit:
            deemed = replace(
                state, consent=ConsentState.DEEMED, deadline=estimate, offered_date=estimate
            )
            return _Step(deemed, NoticeKind.DELAY_FIRST, deadline)
        pending = _awaiting(state, estimate, answer_by=limit)
        return _Step(pending, NoticeKind.DELAY_FIRST, limit)
    # Why: an agreed (or deemed) date will be missed; silence until it passes means cancellation.
    return _Step(_awaiting(state, estimate, answer_by=deadline), NoticeKind.DELAY_RENEWED, deadline)


def _eu_uk_step(facts: OrderFacts, state: NoticeState) -> _Step:
    estimate = facts.estimate
    if state.consent is ConsentState.INDEFINITE or state.deadline is None:
        return _Step(state, None)
    if state.awaiting_answer:
        if not _later(estimate, state.deadline):
            return _Step(_settled(state), None)
        if _slipped(estimate, state.offered_date):
            asked = replace(state, offered_date=estimate)
            return _Step(asked, NoticeKind.DELAY_CONSENT_REQUEST)
        return _Step(state, None)
    if not _later(estimate, state.deadline):
        return _Step(state, None)
    asked = replace(state, awaiting_answer=True, silence_means="nothing", offered_date=estimate)
    return _Step(asked, NoticeKind.DELAY_CONSENT_REQUEST)


def _awaiting(state: NoticeState, offered: date | None, *, answer_by: date) -> NoticeState:
    # Why: 16 CFR 435.2(b) — consent given, or the order shipped, within the period keeps the
    # order; the period's last day is the customer's, so silence cancels on the day after.
    return replace(
        state,
        awaiting_answer=True,
        silence_means="cancel",
        decision_deadline=answer_by,
        auto_cancel_on=answer_by + timedelta(days=1),
        offered_date=offered,
    )


def _settled(state: NoticeState) -> NoticeState:
    return replace(
        state,
        awaiting_answer=False,
        silence_means="nothing",
        decision_deadline=None,
        auto_cancel_on=None,
        offered_date=None,
    )


def _auto_cancel(
    facts: OrderFacts,
    state: NoticeState,
    reason: CancelReason,
    today: date,
    calendar: BusinessCalendar,
    refund_days: int,
) -> Decision:
    closed = replace(_settled(state), auto_cancelled_on=today)
    no_answer = reason is CancelReason.NO_ANSWER
    if no_answer:
        # Why: the closed state and the notice keep the reason (`_closed_reason`,
        # `cancellation_reason`): silence meant cancellation, by the last day to answer.
        closed = replace(closed, silence_means="cancel")
    notice = replace(
        _notice(NoticeKind.AUTO_CANCELLED, facts, closed, None, state.communicated_date),
        decision_deadline=state.decision_deadline if no_answer else None,
        refund_due=refund_due_date(
            facts.jurisdiction, today, calendar=calendar, default_days=refund_days
        ),
    )
    return Decision(closed, (notice,), reason)


def _closed_reason(state: NoticeState) -> CancelReason:
    """The reason of a cancellation decided earlier (`_auto_cancel` keeps it in the state)."""
    return (
        CancelReason.NO_ANSWER if state.silence_means == "cancel" else CancelReason.NO_VALID_NOTICE
    )


def _news_kind(
    facts: OrderFacts, state: NoticeState, calendar: BusinessCalendar
) -> NoticeKind | None:
    told = state.communicated_date
    if facts.ready:
        # Why: a ready order's date moves with each day it waits for packing; that is not news.
        return None if state.ready_notified else NoticeKind.READY_TO_SHIP
    if _later(facts.estimate, told):
        return NoticeKind.DELAY_INFO if _slip_is_news(facts, told) else None
    if facts.estimate is not None and (
        told is None or calendar.next_business_day_on_or_after(facts.estimate) < told
    ):
        return NoticeKind.GOOD_NEWS
    return None


def _slip_is_news(facts: OrderFacts, told: date | None) -> bool:
    """True when a later estimate breaks the promise for the first time, or moves a week or more."""
    estimate = facts.estimate
    if estimate is None or told is None:
        return True
    if told <= facts.promised_date < estimate:
        return True
    return estimate - told >= REASK_SLIP


def _binding_date(facts: OrderFacts, state: NoticeState) -> date | None:
    """The date a legal notice says we expected: the one the customer holds us to.

    16 CFR 435.2 and the EU/UK rules measure a delay against the promised date, an agreed (or
    deemed) date, or the date a pending question offered, never against an estimate the
    customer merely saw on an order screen.
    """
    if state.awaiting_answer and state.offered_date is not None:
        return state.offered_date
    if state.consent in (ConsentState.CONSENTED, ConsentState.DEEMED) and state.deadline:
        return state.deadline
    return facts.promised_date


def _ready_seen(state: NoticeState, facts: OrderFacts) -> NoticeState:
    # Why: most orders of a sweep are unchanged; an equal copy costs a big sweep much time.
    if state.ready_notified == facts.ready:
        return state
    return replace(state, ready_notified=facts.ready)


def _slipped(estimate: date | None, offered: date | None) -> bool:
    """True when a pending question's date moved enough to ask again."""
    if estimate is None or offered is None:
        return _later(estimate, offered)
    return estimate - offered >= REASK_SLIP


def _later(estimate: date | None, reference: date | None) -> bool:
    """True when `estimate` is after `reference`; no date is later than any date."""
    if estimate is None:
        return reference is not None
    return reference is not None and estimate > reference


def _notice(
    kind: NoticeKind,
    facts: OrderFacts,
    after: NoticeState,
    decision_deadline: date | None,
    previous_date: date | None,
) -> Notice:
    silence: SilenceMeans = after.silence_means
    if kind is NoticeKind.DELAY_FIRST and after.consent is ConsentState.DEEMED:
        silence = "consent"
    return Notice(
        kind=kind,
        order_id=facts.order_id,
        jurisdiction=facts.jurisdiction,
        promised_date=facts.promised_date,
        previous_date=previous_date,
        revised_date=facts.estimate,
        silence_means=silence,
        decision_deadline=decision_deadline,
        auto_cancel_on=after.auto_cancel_on,
        refund_minor=facts.refund_minor,
        currency=facts.currency,
        refund_due=None,
        order_version=facts.version,
    )


def _deadlines(notice: Notice) -> list[date]:
    if notice.kind is NoticeKind.AUTO_CANCELLED:
        # Why: a cancellation's last day to answer is past; it tells why, not what is due.
        return []
    return [day for day in (notice.decision_deadline, notice.auto_cancel_on) if day is not None]
