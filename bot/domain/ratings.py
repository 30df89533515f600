"""Customer satisfaction (CSAT, DESIGN §12): who is asked what and when, and one answer counts.

A rating is a 1-5 answer to one question about one subject: an order the bot looked after as a
backorder, once it shipped or was cancelled (`order:<order_id>`), or a conversation with staff
once it closed (`handoff:<id>`). The question is asked once per subject (the table's UNIQUE
subject), the first answer counts, and a comment may follow.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from bot.domain.outbox import OutgoingMessage

SCORES = range(1, 6)
# Why: on the usual 1-5 CSAT scale 4-5 count as satisfied and 3 as neutral; 1-2 are the customers
# who say the shop handled them badly, the ones worth a person's follow-up. Alerting on 3 too
# would make most alerts noise and teach staff to skip them.
LOW_SCORE = 2
# Why: a comment usually follows the score within minutes; a day later the chat has moved on, and
# a text typed then (an order number) must not be taken for a comment.
COMMENT_WINDOW = timedelta(hours=24)
# Why: enough for a few sentences; a pasted essay is cut (the alert and `/find` stay readable).
COMMENT_LIMIT = 1000
# Why: one question per customer per 24 hours: several orders closing together must not flood
# them; the others follow, one a day, oldest first.
QUESTION_GAP = timedelta(hours=24)
# Why: asked about two weeks after it closed, a customer no longer remembers how one order went.
STALE_AFTER = timedelta(days=14)

SubjectKind = Literal["order", "handoff"]
# Keeps line breaks (a comment may have paragraphs); every other control character goes.
_CONTROL_IN_COMMENT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
_ELLIPSIS = "…"


def order_subject(order_id: str) -> str:
    """The subject of the question about an order: `order:<order_id>`."""
    return f"order:{order_id}"


def handoff_subject(handoff_id: int | str) -> str:
    """The subject of the question about a conversation with staff: `handoff:<id>`."""
    return f"handoff:{handoff_id}"


@dataclass(frozen=True)
class Subject:
    """What a rating is about: its kind and the id after the colon."""

    kind: SubjectKind
    key: str

    @property
    def order_id(self) -> str | None:
        """The order's id for an order subject, else None."""
        return self.key if self.kind == "order" else None


def parse_subject(subject: str) -> Subject:
    """`order:1001` → Subject("order", "1001"); raises ValueError for any other shape."""
    kind, separator, key = subject.partition(":")
    if not separator or not key or kind not in ("order", "handoff"):
        raise ValueError(f"a rating subject is order:<id> or handoff:<id>, not {subject!r}")
    return Subject("order" if kind == "order" else "handoff", key)


def clean_comment(text: str) -> str | None:
    """A typed comment as stored: control characters out (line breaks kept), trimmed, at most
    COMMENT_LIMIT characters (cut with "…"); None when nothing is left."""
    cleaned = _CONTROL_IN_COMMENT.sub(" ", text).strip()
    if not cleaned:
        return None
    if len(cleaned) > COMMENT_LIMIT:
        cleaned = cleaned[: COMMENT_LIMIT - 1].rstrip() + _ELLIPSIS
    return cleaned


def is_low(score: int) -> bool:
    """True for a score that raises a staff alert (see LOW_SCORE)."""
    return score <= LOW_SCORE


class Outcome(StrEnum):
    """How an order closed, as its question names it."""

    SHIPPED = "shipped"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClosedOrder:
    """A backordered order with no open line left, not yet asked about."""

    order_id: str
    customer_id: str
    closed_at: datetime
    outcome: Outcome


@dataclass(frozen=True)
class RatingChat:
    """Where a customer's question goes: their most recently linked reachable chat."""

    chat_id: int
    chat_language: str | None
    customer_language: str | None
    timezone: str | None


@dataclass(frozen=True)
class RatingQuestion:
    """What the renderer needs to write one question (handle: the buttons' short key)."""

    subject: Subject
    handle: str
    languages: tuple[str | None, ...]
    outcome: Outcome | None = None


@dataclass(frozen=True)
class RatingRequest:
    """A question to record and queue: whose, about what, to which chat, and its message.

    `gap_since`: not queued when the customer was asked anything at or after it (None: no gap).
    """

    customer_id: str
    subject: str
    chat_id: int
    message: OutgoingMessage
    gap_since: datetime | None = None


class Asked(StrEnum):
    """What queueing a question came to."""

    ASKED = "asked"
    # This subject was asked before (by this process or another): nothing queued.
    ALREADY = "already"
    # The customer had a question within QUESTION_GAP: this one waits its turn.
    LATER = "later"


@dataclass(frozen=True)
class Rating:
    """One row of `ratings`."""

    rating_id: int
    customer_id: str
    subject: str
    chat_id: int
    asked_at: datetime
    score: int | None = None
    comment: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class PendingComment:
    """A rating whose chat's next text is its comment, and the message that invited it."""

    rating: Rating
    message_id: int | None


@dataclass(frozen=True)
class Csat:
    """CSAT figures: answered questions and their mean score (None without answers)."""

    responses: int
    average: float | None


class RatingStore(Protocol):
    """Persistence of rating questions, answers and the backorders they are about."""

    async def watch_backorders(self, *, now: datetime) -> int:
        """Remember every order with an open line not in stock whose customer has a linked
        chat (first seen `now`); how many were new."""
        ...

    async def close_backorders(self, *, now: datetime) -> int:
        """Mark remembered orders with no open line left as closed `now`; how many."""
        ...

    async def closed_backorders(self) -> list[ClosedOrder]:
        """Closed remembered orders not yet asked about nor given up, oldest closure first."""
        ...

    async def give_up_backorders(
        self, order_ids: Collection[str], *, reason: Literal["unreachable", "stale"]
    ) -> None:
        """These orders will not be asked about, and why."""
        ...

    async def rating_chats(self, customer_ids: Collection[str]) -> dict[str, RatingChat]:
        """Each customer's most recently linked chat that is not unreachable (customers without
        one are left out)."""
        ...

    async def queue_ratings(
        self, requests: Sequence[RatingRequest], *, now: datetime
    ) -> dict[str, Asked]:
        """Record each question and queue its message, all in one transaction, unless its
        subject was asked already or (see `RatingRequest.gap_since`) its customer was asked
        anything since; what came of each, by subject."""
        ...

    async def customer_ratings(self, customer_id: str) -> list[Rating]:
        """Every question asked of the customer, oldest first."""
        ...

    async def record_score(
        self,
        rating_id: int,
        score: int,
        *,
        chat_id: int,
        message_id: int | None,
        comment_until: datetime,
        now: datetime,
        alerts: Collection[OutgoingMessage],
    ) -> bool:
        """Record the first score (audited, the chat's next text awaited as its comment until
        `comment_until`, `alerts` queued); False when it was scored already."""
        ...

    async def pending_comment(self, chat_id: int, *, now: datetime) -> PendingComment | None:
        """The rating whose comment this chat's next text is, unless its window has passed."""
        ...

    async def record_comment(
        self,
        rating_id: int,
        comment: str | None,
        *,
        now: datetime,
        alerts: Collection[OutgoingMessage],
    ) -> bool:
        """Store the comment (None: skipped) and stop awaiting one (audited, `alerts` queued);
        False when no comment was awaited any more."""
        ...

    async def stop_awaiting_comment(self, chat_id: int) -> None:
        """The chat's next text is no comment (it moved on to something else)."""
        ...

    async def csat(self, *, since: datetime | None = None) -> Csat:
        """Answered questions (answered at or after `since` when given) and their mean score."""
        ...
