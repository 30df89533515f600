"""BACKORDER_REFUND_DAYS sets the refund period of orders without a jurisdiction."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_refunds_are_due_in_fourteen_days_unless_configured(tmp_path: Path) -> None:
    no_dotenv = tmp_path / ".env"
    assert load_settings({}, no_dotenv).refund_days == 14
    assert load_settings({"BACKORDER_REFUND_DAYS": "30"}, no_dotenv).refund_days == 30


@pytest.mark.parametrize("value", ["two weeks", "-1"])
def test_a_refund_period_that_is_not_a_whole_number_of_days_is_refused(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError, match="BACKORDER_REFUND_DAYS"):
        load_settings({"BACKORDER_REFUND_DAYS": value}, tmp_path / ".env")
