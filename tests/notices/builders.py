"""Notices as the policy hands them to the renderer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.delays import Notice, NoticeKind
from bot.domain.model import Jurisdiction

PROMISED = date(2027, 1, 15)
REVISED = date(2027, 2, 3)
DEADLINE = date(2027, 2, 14)
REFUND_DUE = date(2027, 2, 24)


def notice(kind: NoticeKind, order_id: str = "1001", **changes: object) -> Notice:
    """A US delay of 1001 from 15 Jan to 3 Feb 2027 (EUR 149) unless `changes` say otherwise."""
    base = Notice(
        kind=kind,
        order_id=order_id,
        jurisdiction=Jurisdiction.US,
        promised_date=PROMISED,
        previous_date=None,
        revised_date=REVISED,
        silence_means="consent",
        decision_deadline=REVISED,
        auto_cancel_on=None,
        refund_minor=14900,
        currency="EUR",
        refund_due=None,
        order_version=3,
    )
    return replace(base, **changes)  # type: ignore[arg-type]
