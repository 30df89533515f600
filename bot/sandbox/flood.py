"""Telegram's flood limits as token buckets: one over all chats, one per chat."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Refills `rate` tokens per second up to `capacity`; each send takes one."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 when it already is)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class FloodGate:
    """Decides whether a send may go now, or how long the bot must wait."""

    global_rate: float | None
    per_chat_rate: float | None
    burst: int
    paid_rate: float | None = None
    group_rate_per_minute: float | None = None
    _global: TokenBucket | None = None
    _paid: TokenBucket | None = None
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _groups: dict[int, TokenBucket] = field(default_factory=dict)

    def admit(
        self, chat_id: int, now: float, *, paid: bool = False, group: bool = False
    ) -> int | None:
        """Take a token from every bucket that applies, or return the whole seconds to retry after.

        A paid send (`allow_paid_broadcast`) counts against the paid overall bucket instead of
        the free one; the per-chat limit applies to both (Bot API: sendMessage). A send into a
        `group` also counts against that group's per-minute bucket (Telegram's bot FAQ: about 20
        messages per minute in one group), which holds a minute's worth of messages.
        """
        overall = self._paid_bucket(now) if paid else self._global_bucket(now)
        per_group = self._group_bucket(chat_id, now) if group else None
        buckets = [
            bucket
            for bucket in (overall, self._chat_bucket(chat_id, now), per_group)
            if bucket is not None
        ]
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None

    def _global_bucket(self, now: float) -> TokenBucket | None:
        if self.global_rate is None:
            return None
        if self._global is None:
            # Why: the global allowance spans as many seconds as the per-chat burst does.
            burst_seconds = self.burst / (self.per_chat_rate or 1.0)
            capacity = max(1.0, self.global_rate * burst_seconds)
            self._global = TokenBucket(self.global_rate, capacity, capacity, now)
        return self._global

    def _paid_bucket(self, now: float) -> TokenBucket | None:
        if self.paid_rate is None:
            return None
        if self._paid is None:
            burst_seconds = self.burst / (self.per_chat_rate or 1.0)
            capacity = max(1.0, self.paid_rate * burst_seconds)
            self._paid = TokenBucket(self.paid_rate, capacity, capacity, now)
        return self._paid

    def _group_bucket(self, chat_id: int, now: float) -> TokenBucket | None:
        if self.group_rate_per_minute is None:
            return None
        bucket = self._groups.get(chat_id)
        if bucket is None:
            capacity = max(1.0, self.group_rate_per_minute)
            rate = self.group_rate_per_minute / 60
            bucket = self._groups[chat_id] = TokenBucket(rate, capacity, capacity, now)
        return bucket

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket | None:
        if self.per_chat_rate is None:
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            capacity = float(self.burst)
            bucket = self._chats[chat_id] = TokenBucket(self.per_chat_rate, capacity, capacity, now)
        return bucket
