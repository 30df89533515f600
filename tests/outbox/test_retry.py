"""Backoff after server errors: growing, jittered, capped, and finite."""

from __future__ import annotations

import random

from bot.domain.retry import RetryPolicy


def test_waits_double_with_each_failure_within_half_to_all_of_the_step() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=300.0)
    rng = random.Random(3)
    for attempts, step in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0)]:
        waits = [policy.delay(attempts, rng) for _ in range(200)]
        assert all(step / 2 <= wait <= step for wait in waits)
        assert max(waits) - min(waits) > step / 4


def test_the_wait_never_exceeds_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=60.0)
    assert policy.delay(30, random.Random(1)) <= 60.0


def test_a_row_is_given_up_after_the_last_attempt() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.gives_up(2)
    assert policy.gives_up(3)
