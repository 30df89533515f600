"""SIGKILL right after 40 customers' [Yes, cancel] taps were confirmed to Telegram: after a restart
every tap is acted on once and answered (`backorder-bot run` against the sandbox)."""

from __future__ import annotations

import signal
from pathlib import Path

from bench.update_loss import kill_during_confirmations
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox

CUSTOMERS = 40


async def test_taps_confirmed_to_telegram_before_a_sigkill_are_all_acted_on_once_and_answered(
    sandbox: Sandbox, client: SandboxClient, tmp_path: Path
) -> None:
    outcome = await kill_during_confirmations(CUSTOMERS, sandbox, client, tmp_path)

    assert outcome.killed_run_exit == -signal.SIGKILL
    assert outcome.confirmations == CUSTOMERS
    assert outcome.not_acted_on == frozenset()
    assert outcome.not_answered == frozenset()
    assert outcome.acted_on_twice == frozenset()
    # A clean stop (SIGTERM) of the restarted bot.
    assert outcome.restarted_run_exit == 0
