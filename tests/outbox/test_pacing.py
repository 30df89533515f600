"""The send planner, driven by a fake clock: rates are never exceeded and chats take turns."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pacing import SendPlanner


@dataclass(frozen=True)
class Send:
    at: float
    chat_id: int
    key: int


def drive(planner: SendPlanner[int], chats: dict[int, int], latency: float = 0.01) -> list[Send]:
    """Run the planner to the end on a fake clock; every send takes `latency` seconds."""
    for key, chat_id in sorted(chats.items()):
        planner.push(chat_id, key, key)
    now = 0.0
    sends: list[Send] = []
    finishing: list[tuple[float, int]] = []
    while True:
        while finishing and finishing[0][0] <= now:
            planner.finish(heapq.heappop(finishing)[1])
        decision = planner.take(now)
        if isinstance(decision, int) and not isinstance(decision, bool):
            chat_id = chats[decision]
            sends.append(Send(now, chat_id, decision))
            heapq.heappush(finishing, (now + latency, chat_id))
        elif isinstance(decision, float):
            now += decision if not finishing else min(decision, finishing[0][0] - now)
        elif finishing:
            now = finishing[0][0]
        else:
            return sends


def most_in_any_window(times: list[float], window: float) -> int:
    """The most sends that start within any half-open window of this length."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_a_chat_with_five_queued_messages_does_not_hold_up_the_others() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=1)
    chats = {1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 201, 7: 202, 8: 203}
    sends = drive(planner, chats)
    first_four = [send.chat_id for send in sends[:4]]
    assert first_four == [100, 201, 202, 203]
    assert [send.key for send in sends if send.chat_id == 100] == [1, 2, 3, 4, 5]


def test_messages_to_one_chat_are_spaced_by_its_rate() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=1)
    sends = drive(planner, {key: 7 for key in range(1, 6)})
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(sends)]
    assert all(gap >= 1.0 - 1e-9 for gap in gaps)
    assert sends[-1].at == pytest.approx(4.0)


def test_many_chats_go_out_at_the_overall_rate_and_not_faster() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=1, burst_seconds=0.1)
    sends = drive(planner, {key: 1000 + key for key in range(300)})
    times = [send.at for send in sends]
    assert most_in_any_window(times, 1.0) <= 30 + 3
    assert times[-1] == pytest.approx((300 - 3) / 30, abs=0.05)


@settings(max_examples=40, deadline=None)
@given(
    owners=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=120),
    rate=st.sampled_from([5.0, 30.0, 300.0]),
    chat_rate=st.sampled_from([0.5, 1.0, 10.0]),
    latency=st.sampled_from([0.001, 0.05, 0.5]),
)
def test_no_plan_ever_exceeds_either_rate_or_reorders_a_chat(
    owners: list[int], rate: float, chat_rate: float, latency: float
) -> None:
    planner = SendPlanner[int](rate=rate, chat_rate=chat_rate)
    chats = {key: chat_id for key, chat_id in enumerate(owners, start=1)}
    sends = drive(planner, chats, latency)
    assert sorted(send.key for send in sends) == sorted(chats)
    burst = max(1, int(rate * 0.05))
    assert most_in_any_window([send.at for send in sends], 1.0) <= rate + burst
    for chat_id in set(owners):
        mine = [send for send in sends if send.chat_id == chat_id]
        assert [send.key for send in mine] == sorted(send.key for send in mine)
        gaps = [b.at - a.at for a, b in itertools.pairwise(mine)]
        assert all(gap >= 1 / chat_rate - 1e-9 for gap in gaps)


def test_an_overall_pause_stops_every_chat_until_it_ends() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=1)
    planner.push(1, 1, 1)
    planner.push(2, 2, 2)
    assert planner.take(0.0) == 1
    planner.pause_all(until=5.0)
    assert planner.take(0.5) == pytest.approx(4.5)
    assert planner.take(5.0) == 2


def test_a_retried_message_goes_before_its_chat_s_later_ones_after_its_wait() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=10)
    planner.push(1, 1, 1)
    planner.push(1, 2, 2)
    assert planner.take(0.0) == 1
    planner.retry(1, 1, 1, not_before=2.0)
    assert planner.take(1.0) == pytest.approx(1.0)
    assert planner.take(2.0) == 1


def test_a_chat_that_was_written_to_just_before_counts_as_recently_sent() -> None:
    planner = SendPlanner[int](rate=30, chat_rate=10)
    for key in (1, 2):
        planner.push(5, key, key)
    planner.push(6, 3, 3)
    assert planner.take(0.0) == 1
    assert not planner.sent_recently(5)
    planner.finish(5)
    assert planner.take(0.2) == 2
    assert planner.take(0.3) == 3
    assert planner.sent_recently(5)
    assert not planner.sent_recently(6)
