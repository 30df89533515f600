"""Use cases of customer satisfaction (CSAT, DESIGN §12): ask once, record the first answer and
its comment, alert staff to a low score, and the figures the stats read.

One path whatever closed the order (an import, the customer's cancel, the automatic cancellation,
staff): the pass after each sweep sees the order with no open line left and asks about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.handles import handle, resolve
from bot.domain.outbox import OutgoingMessage
from bot.domain.quiet_hours import QuietHours
from bot.domain.ratings import (
    COMMENT_WINDOW,
    QUESTION_GAP,
    SCORES,
    STALE_AFTER,
    Asked,
    ClosedOrder,
    Csat,
    Outcome,
    PendingComment,
    Rating,
    RatingChat,
    RatingQuestion,
    RatingRequest,
    RatingStore,
    Subject,
    clean_comment,
    is_low,
    order_subject,
    parse_subject,
)
from bot.domain.store import Store
from bot.domain.time_zones import named_zone
from bot.services.notices import RenderedMessage

QuestionRenderer = Callable[[RatingQuestion], RenderedMessage]


class RatingsStore(RatingStore, Store, Protocol):
    """The ports the rating use cases need: ratings, and customers and chat links."""


@dataclass(frozen=True)
class LowRatingAlert:
    """What staff read of a low score: whose, about what, the score and any comment.

    `follow_up`: the comment to a score staff were already alerted to. `asked_at`: when the
    question was asked (for a hand-off, when the conversation closed), UTC.
    """

    customer_id: str
    customer_name: str | None
    subject: Subject
    score: int
    asked_at: datetime
    comment: str | None = None
    follow_up: bool = False


@dataclass(frozen=True)
class RatingAlerts:
    """Where low-score alerts go (see `alert_chats`) and how they read."""

    chats: tuple[int, ...]
    render: Callable[[LowRatingAlert], str]


@dataclass(frozen=True)
class RatingPass:
    """What one look at closed backorders did."""

    watched: int
    closed: int
    asked: int
    waiting: int
    given_up: int


@dataclass(frozen=True)
class Scored:
    """The first score was recorded; `low` when staff were alerted."""

    rating: Rating
    low: bool


@dataclass(frozen=True)
class AlreadyRated:
    """The question was answered before: nothing changed."""


@dataclass(frozen=True)
class NoSuchRating:
    """No question of this chat's customer has that handle (forged, stale, another's)."""


ScoreResult = Scored | AlreadyRated | NoSuchRating


def rating_handle(subject: str) -> str:
    """The short handle that stands for a rating in callback data (never the order id)."""
    return handle("rating", subject)


async def ask_for_rating(
    store: RatingsStore,
    *,
    customer_id: str,
    subject: str,
    now: datetime,
    render: QuestionRenderer,
    quiet_hours: QuietHours,
    timezone: ZoneInfo,
) -> bool:
    """Queue the 1-5 question about `subject` (`order:<id>` or `handoff:<id>`, see
    bot.domain.ratings) to the customer's most recently linked reachable chat; True when queued.

    False when the subject was asked already (by any process: the UNIQUE subject decides), the
    customer has no chat to ask in, or (DESIGN §12, one question a day) the customer was asked
    anything within QUESTION_GAP or still has an unanswered hand-off question asked within
    STALE_AFTER: a conversation closed again, reopened or not, is not asked about a second time
    (that one is dropped, not queued for later). Not urgent: held through quiet hours like any
    non-urgent notice. Raises ValueError for a subject of another shape. The hand-off calls this
    when a conversation closes.
    """
    parsed = parse_subject(subject)
    if parsed.kind == "handoff" and await _open_handoff_question(store, customer_id, now=now):
        return False
    chat = (await store.rating_chats([customer_id])).get(customer_id)
    if chat is None:
        return False
    request = _request(
        customer_id,
        parsed,
        None,
        chat,
        now,
        render,
        quiet_hours,
        timezone,
        gap_since=now - QUESTION_GAP,
    )
    outcomes = await store.queue_ratings([request], now=now)
    return outcomes.get(request.subject) is Asked.ASKED


async def _open_handoff_question(store: RatingsStore, customer_id: str, *, now: datetime) -> bool:
    """Whether a hand-off question to the customer, asked within STALE_AFTER, is unanswered
    (still queued through quiet hours, or shown and not pressed)."""
    return any(
        rating.subject.startswith("handoff:")
        and rating.score is None
        and now - rating.asked_at <= STALE_AFTER
        for rating in await store.customer_ratings(customer_id)
    )


async def ask_about_closed_orders(
    store: RatingsStore,
    *,
    now: datetime,
    render: QuestionRenderer,
    quiet_hours: QuietHours,
    timezone: ZoneInfo,
    watch: bool = True,
) -> RatingPass:
    """Remember backordered orders of linked customers (with `watch`), notice those that closed
    (every line shipped or cancelled) and ask about each once, at most one question a day per
    customer (QUESTION_GAP), oldest closure first; give up on an order not asked within
    STALE_AFTER of closing or whose customer has no reachable chat when its turn comes.

    Only orders seen backordered while their customer had a linked chat are asked about: not
    orders that were always in stock, nor history imported already shipped (DESIGN §12).
    """
    watched = await store.watch_backorders(now=now) if watch else 0
    closed = await store.close_backorders(now=now)
    waiting = await store.closed_backorders()
    stale = {order.order_id for order in waiting if now - order.closed_at > STALE_AFTER}
    if stale:
        await store.give_up_backorders(stale, reason="stale")
    # Why: the first in line of each customer goes now or not at all today; the rest wait.
    first: dict[str, ClosedOrder] = {}
    in_line = 0
    for order in waiting:
        if order.order_id in stale:
            continue
        in_line += 1
        first.setdefault(order.customer_id, order)
    chats = await store.rating_chats(first)
    unreachable = [order.order_id for c, order in first.items() if c not in chats]
    requests = [
        _request(
            customer_id,
            parse_subject(order_subject(order.order_id)),
            order.outcome,
            chats[customer_id],
            now,
            render,
            quiet_hours,
            timezone,
            gap_since=now - QUESTION_GAP,
        )
        for customer_id, order in first.items()
        if customer_id in chats
    ]
    outcomes = await store.queue_ratings(requests, now=now) if requests else {}
    if unreachable:
        await store.give_up_backorders(unreachable, reason="unreachable")
    asked = sum(outcome is Asked.ASKED for outcome in outcomes.values())
    done = len(unreachable) + sum(outcome is not Asked.LATER for outcome in outcomes.values())
    return RatingPass(watched, closed, asked, in_line - done, len(stale) + len(unreachable))


def _request(
    customer_id: str,
    subject: Subject,
    outcome: Outcome | None,
    chat: RatingChat,
    now: datetime,
    render: QuestionRenderer,
    quiet_hours: QuietHours,
    timezone: ZoneInfo,
    *,
    gap_since: datetime | None = None,
) -> RatingRequest:
    """One question, rendered in the chat's language, held through the customer's quiet hours."""
    key = f"{subject.kind}:{subject.key}"
    rendered = render(
        RatingQuestion(
            subject=subject,
            handle=rating_handle(key),
            languages=(chat.chat_language, chat.customer_language),
            outcome=outcome,
        )
    )
    message = OutgoingMessage(
        dedupe_key=f"rating:{key}",
        chat_id=chat.chat_id,
        text=rendered.text,
        buttons=rendered.buttons,
        customer_id=customer_id,
        not_before=quiet_hours.release_at(now, named_zone(chat.timezone) or timezone),
        urgent=False,
    )
    return RatingRequest(customer_id, key, chat.chat_id, message, gap_since)


async def score_rating(
    store: RatingsStore,
    *,
    chat_id: int,
    rating: str,
    score: int,
    message_id: int | None,
    now: datetime,
    alerts: RatingAlerts,
) -> ScoreResult:
    """Record a press of `score` on the question with handle `rating`, from `chat_id`.

    The chat must be linked to the customer who was asked (any of their chats); the first score
    counts and opens a COMMENT_WINDOW for this chat's next text; a low score (≤ LOW_SCORE)
    queues a staff alert. Raises ValueError for a score outside 1-5.
    """
    if score not in SCORES:
        raise ValueError(f"a rating is 1 to 5, not {score}")
    found = await _rating_of_chat(store, chat_id, rating)
    if found is None:
        return NoSuchRating()
    if found.score is not None:
        return AlreadyRated()
    low = is_low(score)
    messages = await _alerts(store, found, score, None, alerts, follow_up=False) if low else []
    recorded = await store.record_score(
        found.rating_id,
        score,
        chat_id=chat_id,
        message_id=message_id,
        comment_until=now + COMMENT_WINDOW,
        now=now,
        alerts=messages,
    )
    if not recorded:
        return AlreadyRated()
    return Scored(found, low)


async def awaited_comment(
    store: RatingsStore, chat_id: int, *, now: datetime
) -> PendingComment | None:
    """The rating this chat's next text comments on, if one is awaited."""
    return await store.pending_comment(chat_id, now=now)


async def save_comment(
    store: RatingsStore,
    pending: PendingComment,
    text: str,
    *,
    now: datetime,
    alerts: RatingAlerts,
) -> bool:
    """Store `text` (cleaned, see `clean_comment`) as the comment; a low score's comment goes to
    staff as a short follow-up alert. False when no comment was awaited any more or nothing
    readable is left of the text."""
    comment = clean_comment(text)
    if comment is None:
        return False
    rating = pending.rating
    low = rating.score is not None and is_low(rating.score)
    messages = (
        await _alerts(store, rating, rating.score or 0, comment, alerts, follow_up=True)
        if low
        else []
    )
    return await store.record_comment(rating.rating_id, comment, now=now, alerts=messages)


async def skip_comment(
    store: RatingsStore, *, chat_id: int, rating: str, now: datetime
) -> Rating | None:
    """Stop awaiting a comment on the question with handle `rating` (audited when one was
    awaited); the rating, or None when this chat's customer has no such question."""
    found = await _rating_of_chat(store, chat_id, rating)
    if found is None:
        return None
    await store.record_comment(found.rating_id, None, now=now, alerts=())
    return found


async def moved_on(store: RatingsStore, chat_id: int, *, now: datetime) -> bool:
    """The chat did something else (a command): its next text is no comment; True when one
    was awaited."""
    if await store.pending_comment(chat_id, now=now) is None:
        return False
    await store.stop_awaiting_comment(chat_id)
    return True


async def csat_summary(store: RatingStore, *, since: datetime | None = None) -> Csat:
    """CSAT for the stats (DESIGN §12 `csat`): answered questions (score given, at or after
    `since` when given) and their mean score, None without answers."""
    return await store.csat(since=since)


async def _rating_of_chat(store: RatingsStore, chat_id: int, rating: str) -> Rating | None:
    """The question with this handle among those of the chat's linked customer."""
    customer_id = await store.linked_customer(chat_id)
    if customer_id is None:
        return None
    ratings = {r.subject: r for r in await store.customer_ratings(customer_id)}
    subject = resolve("rating", rating, ratings)
    return ratings[subject] if subject is not None else None


async def _alerts(
    store: RatingsStore,
    rating: Rating,
    score: int,
    comment: str | None,
    alerts: RatingAlerts,
    *,
    follow_up: bool,
) -> list[OutgoingMessage]:
    if not alerts.chats:
        return []
    customer = await store.get_customer(rating.customer_id)
    text = alerts.render(
        LowRatingAlert(
            customer_id=rating.customer_id,
            customer_name=customer.name if customer else None,
            subject=parse_subject(rating.subject),
            score=score,
            comment=comment,
            follow_up=follow_up,
            asked_at=rating.asked_at,
        )
    )
    part = "comment:" if follow_up else ""
    return [
        OutgoingMessage(f"alert:rating:{rating.rating_id}:{part}{chat_id}", chat_id, text)
        for chat_id in alerts.chats
    ]
