"""Plans sends within an overall and a per-chat rate: each chat in order, chats interleaved."""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class RateSlot:
    """A virtual-scheduling rate limiter (GCRA): at most 1 + tolerance/interval sends at once."""

    interval: float
    tolerance: float = 0.0
    theoretical: float = -math.inf

    def ready_at(self) -> float:
        """The earliest moment the next send may start."""
        return self.theoretical - self.tolerance

    def take(self, at: float) -> None:
        """Spend one slot at `at`."""
        self.theoretical = max(self.theoretical, at) + self.interval


@dataclass
class _Chat(Generic[Item]):
    slot: RateSlot
    items: deque[tuple[int, Item]] = field(default_factory=deque)
    busy: bool = False
    hold_until: float = -math.inf
    last_start: float | None = None
    previous_start: float | None = None
    generation: int = 0


class SendPlanner(Generic[Item]):
    """Decides which queued item goes next and when; items carry an order key (oldest first)."""

    def __init__(
        self,
        rate: float,
        chat_rate: float,
        *,
        burst_seconds: float = 0.05,
        recent_window: float = 1.0,
    ) -> None:
        if rate <= 0 or chat_rate <= 0:
            raise ValueError("send rates must be positive")
        burst = max(1.0, math.floor(rate * burst_seconds))
        self._global = RateSlot(1 / rate, (burst - 1) / rate)
        self._chat_interval = 1 / chat_rate
        self._recent_window = recent_window
        self._paused_until = -math.inf
        self._chats: dict[int, _Chat[Item]] = {}
        self._waiting: list[tuple[float, int, int, int]] = []
        self._ready: list[tuple[int, int, int]] = []
        self._tiebreak = itertools.count()
        self.queued = 0
        self.in_flight = 0

    def push(self, chat_id: int, key: int, item: Item) -> None:
        """Queue an item behind the chat's earlier ones."""
        chat = self._chat(chat_id)
        chat.items.append((key, item))
        self.queued += 1
        if len(chat.items) == 1 and not chat.busy:
            self._schedule(chat_id, chat)

    def take(self, now: float) -> Item | float | None:
        """An item to send now, else the seconds to wait, else None when nothing can be planned."""
        if not self._waiting and not self._ready:
            return None
        overall = max(self._global.ready_at(), self._paused_until)
        if overall > now:
            return overall - now
        while self._waiting and self._waiting[0][0] <= now:
            _, _, chat_id, generation = heapq.heappop(self._waiting)
            chat = self._chats[chat_id]
            if generation == chat.generation and chat.items:
                heapq.heappush(self._ready, (chat.items[0][0], chat_id, generation))
        while self._ready:
            _, chat_id, generation = heapq.heappop(self._ready)
            chat = self._chats[chat_id]
            if generation == chat.generation and chat.items and not chat.busy:
                return self._start(chat_id, chat, now)
        return self._waiting[0][0] - now if self._waiting else None

    def finish(self, chat_id: int) -> None:
        """The chat's send ended; its next item may be planned."""
        chat = self._chats[chat_id]
        chat.busy = False
        self.in_flight -= 1
        self._schedule(chat_id, chat)

    def retry(self, chat_id: int, key: int, item: Item, *, not_before: float) -> None:
        """Put a failed item back at the head of its chat, not to start before `not_before`."""
        chat = self._chats[chat_id]
        chat.items.appendleft((key, item))
        self.queued += 1
        chat.hold_until = max(chat.hold_until, not_before)
        self.finish(chat_id)

    def pause_all(self, until: float) -> None:
        """Start nothing anywhere before `until` (an overall flood wait)."""
        self._paused_until = max(self._paused_until, until)

    def drop_chat(self, chat_id: int) -> list[Item]:
        """Forget the chat's queued items (and free it if busy); they are returned."""
        chat = self._chats.pop(chat_id, None)
        if chat is None:
            return []
        self.queued -= len(chat.items)
        if chat.busy:
            self.in_flight -= 1
        return [item for _, item in chat.items]

    def sent_recently(self, chat_id: int) -> bool:
        """Whether the chat's latest send followed another one within the recent window."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.last_start is None or chat.previous_start is None:
            return False
        return chat.last_start - chat.previous_start < self._recent_window

    def _chat(self, chat_id: int) -> _Chat[Item]:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(RateSlot(self._chat_interval))
        return chat

    def _schedule(self, chat_id: int, chat: _Chat[Item]) -> None:
        if not chat.items:
            return
        chat.generation += 1
        ready = max(chat.slot.ready_at(), chat.hold_until)
        heapq.heappush(self._waiting, (ready, next(self._tiebreak), chat_id, chat.generation))

    def _start(self, chat_id: int, chat: _Chat[Item], now: float) -> Item:
        _, item = chat.items.popleft()
        self.queued -= 1
        self.in_flight += 1
        chat.busy = True
        chat.previous_start, chat.last_start = chat.last_start, now
        self._global.take(now)
        chat.slot.take(now)
        return item

    def forget_idle(self, now: float) -> None:
        """Drop the state of chats with nothing queued whose limits have fully recovered."""
        for chat_id in [
            chat_id
            for chat_id, chat in self._chats.items()
            if not chat.items
            and not chat.busy
            and chat.slot.ready_at() <= now
            and chat.hold_until <= now
        ]:
            del self._chats[chat_id]
