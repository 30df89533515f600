"""How many sends may be in flight comes from the environment (it bounds repeats after a crash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

NO_DOTENV = Path("/nonexistent/.env")


def test_eight_sends_are_in_flight_unless_configured() -> None:
    assert load_settings({}, dotenv=NO_DOTENV).sends_in_flight == 8


def test_a_shop_can_ask_for_one_send_at_a_time() -> None:
    settings = load_settings({"BACKORDER_SENDS_IN_FLIGHT": "1"}, dotenv=NO_DOTENV)

    assert settings.sends_in_flight == 1


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_fewer_than_one_send_in_flight_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ConfigError, match="BACKORDER_SENDS_IN_FLIGHT"):
        load_settings({"BACKORDER_SENDS_IN_FLIGHT": value}, dotenv=NO_DOTENV)


def test_broadcasts_are_free_unless_the_shop_turns_paid_broadcasts_on() -> None:
    assert load_settings({}, dotenv=NO_DOTENV).paid_broadcast is False
    assert (
        load_settings({"BACKORDER_PAID_BROADCAST": "0"}, dotenv=NO_DOTENV).paid_broadcast is False
    )
    assert load_settings({"BACKORDER_PAID_BROADCAST": "1"}, dotenv=NO_DOTENV).paid_broadcast is True


@pytest.mark.parametrize("value", ["yes", "true", "2"])
def test_paid_broadcast_other_than_0_or_1_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ConfigError, match="BACKORDER_PAID_BROADCAST must be 0 or 1"):
        load_settings({"BACKORDER_PAID_BROADCAST": value}, dotenv=NO_DOTENV)
