"""Plans sends within an overall and a per-chat rate: each chat in order, chats interleaved.

Items ride one of two lanes (DESIGN §1, §11): lane 0 (notices, legal questions, alerts) always
goes before lane 1 (broadcast copies) when both could go. Within a lane a chat's items go in key
order; a chat's lane-0 item may overtake its queued lane-1 items (a notice is never held behind
a broadcast copy to the same chat).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")

FIRST_LANE = 0
BROADCAST_LANE = 1
LANES = (FIRST_LANE, BROADCAST_LANE)


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
    lanes: tuple[deque[tuple[int, Item]], deque[tuple[int, Item]]] = field(
        default_factory=lambda: (deque(), deque())
    )
    busy: bool = False
    busy_lane: int = FIRST_LANE
    hold_until: list[float] = field(default_factory=lambda: [-math.inf, -math.inf])
    last_start: float | None = None
    previous_start: float | None = None
    generation: int = 0

    def head_lane(self) -> int | None:
        """The best lane with items queued."""
        return next((lane for lane in LANES if self.lanes[lane]), None)

    def ready_at(self) -> float:
        """When the chat's next item may start (its own rate and the holds of its lanes)."""
        start = self.slot.ready_at()
        return min(max(start, self.hold_until[lane]) for lane in LANES if self.lanes[lane])

    def lane_at(self, now: float) -> int | None:
        """The best lane whose head may start at `now` as far as the chat is concerned."""
        return next(
            (lane for lane in LANES if self.lanes[lane] and self.hold_until[lane] <= now), None
        )

    def idle(self) -> bool:
        return not self.busy and not any(self.lanes)


class SendPlanner(Generic[Item]):
    """Decides which queued item goes next and when; items carry an order key (oldest first)."""

    def __init__(
        self,
        rate: float,
        chat_rate: float,
        *,
        broadcast_rate: float | None = None,
        burst_seconds: float = 0.05,
        recent_window: float = 1.0,
    ) -> None:
        """`rate` and `chat_rate` are messages/s; `broadcast_rate`, when given, is an overall
        limit of the broadcast lane's own (Telegram's paid broadcasts) instead of `rate`."""
        if rate <= 0 or chat_rate <= 0 or (broadcast_rate is not None and broadcast_rate <= 0):
            raise ValueError("send rates must be positive")
        free = _overall(rate, burst_seconds)
        paid = _overall(broadcast_rate, burst_seconds) if broadcast_rate is not None else free
        self._overall = (free, paid)
        self._chat_interval = 1 / chat_rate
        self._recent_window = recent_window
        self._paused_until = -math.inf
        self._chats: dict[int, _Chat[Item]] = {}
        self._waiting: list[tuple[float, int, int, int]] = []
        self._ready: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
        self._tiebreak = itertools.count()
        self._queued = [0, 0]
        self.in_flight = 0

    @property
    def queued(self) -> int:
        """Items waiting in either lane."""
        return self._queued[FIRST_LANE] + self._queued[BROADCAST_LANE]

    def queued_in(self, lane: int) -> int:
        """Items waiting in one lane."""
        return self._queued[lane]

    def push(self, chat_id: int, key: int, item: Item, *, lane: int = FIRST_LANE) -> None:
        """Queue an item in its lane of the chat, in key order."""
        chat = self._chat(chat_id)
        before = chat.head_lane()
        items = chat.lanes[lane]
        if not items or items[-1][0] < key:
            items.append((key, item))
        else:
            # Why: a row that fell due late (quiet hours) keeps its place among its chat's rows.
            at = next(n for n, (queued, _) in enumerate(items) if queued > key)
            items.insert(at, (key, item))
        self._queued[lane] += 1
        if not chat.busy and (before is None or lane < before):
            self._schedule(chat_id, chat)

    def take(self, now: float) -> Item | float | None:
        """An item to send now, else the seconds to wait, else None when nothing can be planned."""
        if not self._waiting and not any(self._ready):
            return None
        if self._paused_until > now:
            return self._paused_until - now
        while self._waiting and self._waiting[0][0] <= now:
            _, _, chat_id, generation = heapq.heappop(self._waiting)
            chat = self._chats.get(chat_id)
            if chat is None or generation != chat.generation or chat.busy:
                continue
            lane = chat.lane_at(now)
            if lane is not None:
                heapq.heappush(self._ready[lane], (chat.lanes[lane][0][0], chat_id, generation))
        waits: list[float] = []
        for lane in LANES:
            ready = self._ready[lane]
            while ready:
                _, chat_id, generation = ready[0]
                chat = self._chats.get(chat_id)
                if chat is None or generation != chat.generation or chat.busy:
                    heapq.heappop(ready)
                    continue
                start = self._overall[lane].ready_at()
                if start > now:
                    waits.append(start - now)
                    break
                heapq.heappop(ready)
                return self._start(chat_id, chat, lane, now)
        if self._waiting:
            waits.append(self._waiting[0][0] - now)
        return min(waits) if waits else None

    def finish(self, chat_id: int) -> None:
        """The chat's send ended; its next item may be planned."""
        chat = self._chats[chat_id]
        chat.busy = False
        self.in_flight -= 1
        self._schedule(chat_id, chat)

    def retry(
        self, chat_id: int, key: int, item: Item, *, not_before: float, lane: int = FIRST_LANE
    ) -> None:
        """Put a failed item back at the head of its chat's lane, not before `not_before`."""
        chat = self._chats[chat_id]
        chat.lanes[lane].appendleft((key, item))
        self._queued[lane] += 1
        chat.hold_until[lane] = max(chat.hold_until[lane], not_before)
        self.finish(chat_id)

    def pause_all(self, until: float) -> None:
        """Start nothing anywhere before `until` (an overall flood wait)."""
        self._paused_until = max(self._paused_until, until)

    def drop_chat(self, chat_id: int, *, lane: int | None = None) -> list[Item]:
        """Forget the chat's queued items, of one lane or all (freeing the chat if busy with it);
        they are returned."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        lanes = LANES if lane is None else (lane,)
        dropped = [item for each in lanes for _, item in chat.lanes[each]]
        for each in lanes:
            self._queued[each] -= len(chat.lanes[each])
            chat.lanes[each].clear()
        if chat.busy and chat.busy_lane in lanes:
            self.finish(chat_id)
        elif not chat.busy:
            self._schedule(chat_id, chat)
        if chat.idle():
            chat.generation += 1
        return dropped

    def sent_recently(self, chat_id: int) -> bool:
        """Whether the chat's latest send followed another one within the recent window."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.last_start is None or chat.previous_start is None:
            return False
        return chat.last_start - chat.previous_start < self._recent_window

    def forget_idle(self, now: float) -> None:
        """Drop the state of chats with nothing queued whose limits have fully recovered."""
        for chat_id in [
            chat_id
            for chat_id, chat in self._chats.items()
            if chat.idle() and chat.slot.ready_at() <= now and max(chat.hold_until) <= now
        ]:
            del self._chats[chat_id]

    def _chat(self, chat_id: int) -> _Chat[Item]:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(RateSlot(self._chat_interval))
        return chat

    def _schedule(self, chat_id: int, chat: _Chat[Item]) -> None:
        if not any(chat.lanes):
            return
        chat.generation += 1
        entry = (chat.ready_at(), next(self._tiebreak), chat_id, chat.generation)
        heapq.heappush(self._waiting, entry)

    def _start(self, chat_id: int, chat: _Chat[Item], lane: int, now: float) -> Item:
        _, item = chat.lanes[lane].popleft()
        self._queued[lane] -= 1
        self.in_flight += 1
        chat.busy = True
        chat.busy_lane = lane
        chat.previous_start, chat.last_start = chat.last_start, now
        self._overall[lane].take(now)
        chat.slot.take(now)
        return item


def _overall(rate: float, burst_seconds: float) -> RateSlot:
    burst = max(1.0, math.floor(rate * burst_seconds))
    return RateSlot(1 / rate, (burst - 1) / rate)
