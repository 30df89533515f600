"""`backorder-bot refunds [--json]` and `refunds paid ID`: refunds still owed, and marking one
paid from a shell the same way staff do in the chat (audited as `cli`, `refund.paid` event)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date

from bot.config import Settings
from bot.domain.alerts import DueRefund, days_late
from bot.domain.refunds import RefundAlreadyPaid
from bot.money import to_major

Show = Callable[..., None]
ShowJson = Callable[[object], None]


def add_refunds_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`refunds [--json]` lists the refunds still owed; `refunds paid ID` marks one paid."""
    refunds = commands.add_parser(
        "refunds",
        help="refunds still owed (due and overdue); `refunds paid ID` marks one paid",
        description="List the refunds still owed, oldest due date first, with the days each is "
        "overdue. `refunds paid ID` marks one paid as staff would in the chat (audited as "
        "'cli', a refund.paid event for the shop's system).",
    )
    refunds.add_argument("--json", action="store_true", help="print one JSON array")
    actions = refunds.add_subparsers(dest="refunds_command")
    paid = actions.add_parser("paid", help="mark a refund paid")
    paid.add_argument("refund_id", type=int, metavar="ID")


async def refunds_command(
    settings: Settings, args: argparse.Namespace, *, show: Show, show_json: ShowJson
) -> int:
    """Run `refunds` or `refunds paid ID`; the exit code (1: no such refund)."""
    from bot.clock import business_today
    from bot.runtime import make_clock, store_session
    from bot.services.refunds import due_refunds, mark_refund_paid

    clock = make_clock(settings)
    async with store_session(settings) as store:
        if args.refunds_command == "paid":
            result = await mark_refund_paid(store, args.refund_id, actor="cli", now=clock.now())
            if result is None:
                show(f"backorder-bot: error: no refund {args.refund_id}", file=sys.stderr)
                return 1
            record = result.refund
            amount = f"{to_major(record.amount_minor, record.currency)} {record.currency}"
            what = f"refund {args.refund_id} (order {record.order_id}, {amount})"
            if isinstance(result, RefundAlreadyPaid):
                when = result.paid_at.isoformat() if result.paid_at else "earlier"
                show(f"{what} was already marked paid by {result.paid_by or 'unknown'} ({when})")
            else:
                show(f"{what} marked paid")
            return 0
        owed = await due_refunds(store)
    today = business_today(clock, settings.timezone)
    if args.json:
        show_json([_json(refund, today) for refund in owed])
        return 0
    show(f"refunds owed: {len(owed)}, overdue: {sum(r.due_date < today for r in owed)}")
    for refund in owed:
        late = days_late(refund.due_date, today)
        show(
            f"  {refund.refund_id:>6}  order {refund.order_id}  {refund.customer_name}"
            f"  {to_major(refund.amount_minor, refund.currency)} {refund.currency}"
            f"  due {refund.due_date.isoformat()}"
            + (f"  ({late} day{'s' if late != 1 else ''} overdue)" if late else "")
        )
    return 0


def _json(refund: DueRefund, today: date) -> dict[str, object]:
    return {
        "id": refund.refund_id,
        "order_id": refund.order_id,
        "customer_id": refund.customer_id,
        "amount": str(to_major(refund.amount_minor, refund.currency)),
        "currency": refund.currency,
        "due_date": refund.due_date.isoformat(),
        "days_overdue": days_late(refund.due_date, today),
    }
