"""Leadership: one role at a time, the duties follow the lock, changes are logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.leadership import LEADERSHIP_KEY, Leadership, leader_only


@dataclass
class Context:
    """What a job callback reads: the application's bot_data."""

    bot_data: dict[str, object]


class FakeLock:
    """A lock the test hands out and takes away."""

    def __init__(self, *, free: bool) -> None:
        self.free = free
        self.held = False
        self.failing = False

    async def try_acquire(self) -> bool:
        if self.failing:
            raise OSError("database down")
        if self.free:
            self.held, self.free = True, False
        return self.held

    async def still_held(self) -> bool:
        return self.held

    async def release(self) -> None:
        if self.held:
            self.held, self.free = False, True


class Recorder:
    """Duties that record what was asked of them."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def begin(self) -> None:
        self.calls.append("begin")

    async def end(self, *, at_once: bool) -> None:
        self.calls.append("end at once" if at_once else "end")


async def until(condition: Callable[[], bool], *, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_free_lock_makes_the_instance_leader_after_its_catch_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock, duties = FakeLock(free=True), Recorder()
    leadership = Leadership(lock, duties, interval=0.01)
    caplog.set_level(logging.INFO, "bot.leadership")

    await leadership.start()

    assert (leadership.role, duties.calls) == ("leader", ["begin"])
    await leadership.stop()
    assert (leadership.role, duties.calls) == ("follower", ["begin", "end"])
    assert not lock.held
    assert "this instance is the leader now" in caplog.text


async def test_a_follower_takes_over_when_the_lock_frees_and_steps_down_at_once_when_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock, duties = FakeLock(free=False), Recorder()
    leadership = Leadership(lock, duties, interval=0.01)
    caplog.set_level(logging.INFO, "bot.leadership")
    await leadership.start()
    assert (leadership.role, duties.calls) == ("follower", [])

    lock.free = True
    await until(lambda: duties.calls == ["begin"])
    assert (leadership.role, duties.calls) == ("leader", ["begin"])

    lock.held = False
    await until(lambda: duties.calls == ["begin", "end at once"])
    assert (leadership.role, len(duties.calls)) == ("follower", 2)
    await leadership.stop()

    assert duties.calls == ["begin", "end at once"]
    assert "this instance is a follower" in caplog.text
    assert "lost the leader lock" in caplog.text


async def test_a_database_that_cannot_be_reached_leaves_the_instance_a_follower_that_keeps_trying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock, duties = FakeLock(free=True), Recorder()
    lock.failing = True
    leadership = Leadership(lock, duties, interval=0.01)
    await leadership.start()
    await asyncio.sleep(0.05)
    assert leadership.role == "follower"

    lock.failing = False
    await until(lambda: leadership.role == "leader")
    await leadership.stop()

    assert duties.calls == ["begin", "end"]
    assert caplog.text.count("could not try for the leader lock") == 1


async def test_a_leader_only_job_acts_only_while_its_instance_leads() -> None:
    lock, duties = FakeLock(free=False), Recorder()
    leadership = Leadership(lock, duties, interval=0.01)
    ran: list[str] = []

    @leader_only
    async def job(context: Context) -> None:
        ran.append("ran")

    context = Context({LEADERSHIP_KEY: leadership})
    await leadership.start()
    await job(context)
    lock.free = True
    await until(lambda: leadership.leading)
    await job(context)
    await leadership.stop()
    await job(context)

    assert ran == ["ran"]
