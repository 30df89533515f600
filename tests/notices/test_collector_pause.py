"""The sweep's pause of the cyclic garbage collector ends as it began, however blocks overlap."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.services.bulk import collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_runs_again_only_when_the_last_overlapping_block_ends() -> None:
    gc.enable()
    outer = collector_paused()
    inner = collector_paused()
    outer.__enter__()
    inner.__enter__()
    assert not gc.isenabled()
    outer.__exit__(None, None, None)
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused_after_the_block() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_collector_runs_again_when_the_block_fails() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("sweep failed")
    assert gc.isenabled()
