"""The `backorder-bot` command line: run the bot, the demo, imports and the shop's tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from bot.broadcast_cli import add_broadcast_parser, broadcast_command, check_usage
from bot.config import ConfigError, Settings, load_settings
from bot.domain.control_characters import escaped
from bot.refunds_cli import add_refunds_parser, refunds_command
from bot.stats_cli import add_stats_parser, stats_command

if TYPE_CHECKING:
    from bot.services.supply_impact import NoticeSettings

IMPORT_KINDS = ("products", "orders", "purchase-orders")
IMPORT_FORMATS = ("backorder", "shopify", "woocommerce")
# Why: argparse's words for a value it could not take (a type, a choice, a clashing flag),
# as against a usage error (a missing subcommand or argument, an unknown flag).
_BAD_VALUE = re.compile(r"^argument [^:]+: (invalid |not allowed with |not a date)")


class _Parser(argparse.ArgumentParser):
    """argparse with the project's convention for a bad value: one line on stderr naming it,
    exit 1 (nothing is changed); usage errors keep argparse's usage and exit 2."""

    def error(self, message: str) -> NoReturn:
        if _BAD_VALUE.match(message):
            bad_value(message)
        super().error(message)


def bad_value(message: str) -> NoReturn:
    """One line on stderr (`backorder-bot: error: …`), then exit 1."""
    print(escaped(f"backorder-bot: error: {message}"), file=sys.stderr)
    raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one subcommand per job."""
    parser: argparse.ArgumentParser = _Parser(prog="backorder-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the bot (long polling, or a webhook with BACKORDER_WEBHOOK_URL)"
    )
    demo = commands.add_parser("demo", help="offline demo on the sandbox")
    demo.add_argument("--script", type=Path, help="play FILE's actions, print the transcript")
    sandbox = commands.add_parser("sandbox", help="run the sandbox Bot API server alone")
    sandbox.add_argument("--port", type=int, default=8081)
    importer = commands.add_parser("import", help="import a CSV file (all-or-nothing)")
    importer.add_argument("kind", choices=IMPORT_KINDS)
    importer.add_argument("file", type=Path)
    importer.add_argument(
        "--format",
        dest="file_format",
        choices=IMPORT_FORMATS,
        default="backorder",
        help="backorder (the README's columns, default), shopify (Shopify's order or product "
        "export) or woocommerce (WooCommerce's order export)",
    )
    importer.add_argument(
        "--currency",
        type=str.upper,
        metavar="CODE",
        help="the shop's currency, for a Shopify product export (it has no currency column)",
    )
    order = commands.add_parser("order", help="print an order with its estimated dates")
    order.add_argument("order_id")
    order.add_argument("--json", action="store_true", help="print the contract's JSON")
    link = commands.add_parser("link", help="print a signed deep link for an order's customer")
    link.add_argument("order_id", nargs="?")
    link.add_argument(
        "--all", action="store_true", help="a link for every customer with an open order"
    )
    link.add_argument("--csv", action="store_true", help="with --all: CSV with a header row")
    events = commands.add_parser("events", help="list the events for the shop's system")
    events.add_argument("--since", type=int, default=0, metavar="ID", help="events after ID")
    events.add_argument("--json", action="store_true", help="one JSON object per line")
    outbox = commands.add_parser("outbox", help="outbox counts and chats that blocked the bot")
    outbox.add_argument("--json", action="store_true", help="print one JSON object")
    po = commands.add_parser(
        "po",
        help="show a purchase order and who waits on it; with options, change it",
        description="Show a purchase order and the customers waiting on it. With options, change "
        "it as staff would in the chat (audited as 'cli'), recompute its SKU, queue the notices "
        "the change causes and print a one-line summary.",
    )
    po.add_argument("po_id")
    po.add_argument(
        "--expected-date", type=_iso_date, metavar="YYYY-MM-DD", help="move the expected date"
    )
    po.add_argument(
        "--received",
        type=int,
        metavar="N",
        help="the TOTAL units received so far (not the units of one receipt); it only grows",
    )
    po.add_argument("--status", choices=("confirmed", "planned", "cancelled"))
    po.add_argument("--json", action="store_true", help="print one JSON object")
    stock = commands.add_parser("stock", help="set a product's on-hand units (recompute, notices)")
    stock.add_argument("sku")
    stock.add_argument("on_hand", type=int)
    backup = commands.add_parser("backup", help="a consistent copy of the live database")
    backup.add_argument("file", type=Path)
    add_broadcast_parser(commands)
    add_stats_parser(commands)
    add_refunds_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: the command's exit code."""
    try:
        return _run(argv)
    except BrokenPipeError:
        # Why: `backorder-bot events | head` closes the pipe early; stop quietly as Unix tools do,
        # with stdout pointed at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(argv: Sequence[str] | None) -> int:
    from storage.database import DatabaseUnavailable

    try:
        return _command(argv)
    except DatabaseUnavailable as exc:
        print(f"backorder-bot: {exc} (check BACKORDER_DATABASE_URL)", file=sys.stderr)
        return 2


def _command(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "link" and (args.all == bool(args.order_id) or (args.csv and not args.all)):
        parser.error("link needs ORDER_ID or --all (--csv goes with --all)")
    if args.command == "broadcast":
        check_usage(args, bad_value)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"backorder-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    match args.command:
        case "run":
            from bot.app import run_bot
            from storage.run_lock import DatabaseInUse, exclusive_run

            try:
                # Why: two bots on one SQLite file would each send every notice; on PostgreSQL
                # several run and elect a leader (bot/leadership.py), so nothing is held here.
                with exclusive_run(settings.database_target):
                    return run_bot(settings)
            except DatabaseInUse as exc:
                print(f"backorder-bot: {exc}", file=sys.stderr)
                return 2
        case "demo":
            from bot.app import configure_logging
            from bot.demo.runner import DEMO_TOKEN, run_demo

            # Why: the terminal is the demo's chat; the seeded shop's routine warnings (notices
            # for customers without a chat, late purchase orders) would bury it. Errors still show.
            configure_logging(DEMO_TOKEN, max(settings.log_level, logging.ERROR))
            return run_demo(settings, args.script)
        case "sandbox":
            from bot.sandbox.server import serve

            serve(port=args.port)
            return 0
        case "import":
            return asyncio.run(
                _import(settings, args.kind, args.file, args.file_format, args.currency)
            )
        case "order":
            return asyncio.run(_order(settings, args.order_id, as_json=args.json))
        case "link" if args.all:
            return asyncio.run(_link_all(settings, as_csv=args.csv))
        case "link":
            return asyncio.run(_link(settings, args.order_id))
        case "events":
            return asyncio.run(_events(settings, args.since, as_json=args.json))
        case "outbox":
            return asyncio.run(_outbox(settings, as_json=args.json))
        case "po":
            return asyncio.run(_po(settings, args))
        case "stock":
            return asyncio.run(_stock(settings, args.sku, args.on_hand))
        case "backup":
            return _backup(settings, args.file)
        case "broadcast":
            return asyncio.run(broadcast_command(settings, args, show=_show, show_json=_show_json))
        case "stats":
            return asyncio.run(stats_command(settings, args, show_json=_show_json))
        case "refunds":
            return asyncio.run(refunds_command(settings, args, show=_show, show_json=_show_json))
    return 2


async def _import(
    settings: Settings, kind: str, path: Path, file_format: str, currency: str | None
) -> int:
    from bot.runtime import make_clock, make_rules, store_session
    from bot.services.importing import import_csv
    from bot.services.importing.formats import FORMATS

    if file_format not in FORMATS[kind]:
        bad_value(
            f"argument --format: {kind} cannot be imported as {file_format} "
            f"(formats for {kind}: {', '.join(FORMATS[kind])})"
        )
    if currency is not None and (kind, file_format) != ("products", "shopify"):
        bad_value("argument --currency: only a Shopify product export (--format shopify) needs it")
    clock = make_clock(settings)
    async with store_session(settings) as store:
        report = await import_csv(
            store,
            kind,
            path,
            timezone=settings.timezone,
            rules=make_rules(settings),
            now=clock.now(),
            actor="cli",
            file_format=file_format,
            currency=currency,
        )
    if report.errors:
        for error in report.errors:
            _show(error, file=sys.stderr)
        if rest := report.error_count - len(report.errors):
            _show(f"{path}: … and {_plural(rest, 'more error')}", file=sys.stderr)
        count = max(report.error_count, len(report.errors))
        _show(f"{path}: nothing imported ({_plural(count, 'error')})", file=sys.stderr)
        return 1
    if not report.rows:
        print(f"{path}: nothing to import (the file has a header but no rows)")
        return 0
    print(f"{path}: imported {_plural(report.rows, 'row')} of {kind}")
    if report.kept_status:
        kept = _plural(report.kept_status, "line")
        print(f"{path}: note: kept the shipped or cancelled status of {kept}")
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _show(text: str, *, file: TextIO | None = None, end: str = "\n") -> None:
    """Print text that may hold stored values, their control characters made visible."""
    # Why: a name with ESC or a bidi override would otherwise act on the operator's terminal.
    print(escaped(text), file=file or sys.stdout, end=end)


def _show_json(value: object) -> None:
    """Print one JSON value; control and bidi characters escaped as JSON escapes (same value)."""
    print(escaped(json.dumps(value, ensure_ascii=False), json=True))


async def _order(settings: Settings, order_id: str, *, as_json: bool) -> int:
    from bot.runtime import store_session
    from bot.services.order_lookup import staff_order_id
    from bot.services.status import order_json, order_text, order_view

    async with store_session(settings) as store:
        found = await staff_order_id(store, order_id)
        view = await order_view(store, found) if found is not None else None
    if view is None:
        print(f"backorder-bot: no order {order_id!r}", file=sys.stderr)
        return 1
    if as_json:
        _show_json(order_json(view))
    else:
        _show(order_text(view))
    return 0


async def _link(settings: Settings, order_id: str) -> int:
    from bot.runtime import make_clock, store_session
    from bot.services.linking import LinkError, deep_link_for_order

    async with store_session(settings) as store:
        try:
            now = make_clock(settings).now()
            url = await deep_link_for_order(store, settings, order_id, now=now)
        except LinkError as exc:
            print(f"backorder-bot: {exc}", file=sys.stderr)
            return 1
    if url is None:
        print(f"backorder-bot: no order {order_id!r}", file=sys.stderr)
        return 1
    print(url)
    return 0


async def _link_all(settings: Settings, *, as_csv: bool) -> int:
    from bot.runtime import make_clock, store_session
    from bot.services.link_all import deep_links_for_all, links_csv, links_text
    from bot.services.linking import LinkError

    async with store_session(settings) as store:
        try:
            sheet = await deep_links_for_all(store, settings, now=make_clock(settings).now())
        except LinkError as exc:
            print(f"backorder-bot: {exc}", file=sys.stderr)
            return 1
    _show(links_csv(sheet.links) if as_csv else links_text(sheet.links), end="")
    for skipped in sheet.skipped:
        _show(
            f"backorder-bot: no link for customer {skipped.customer.customer_id!r} "
            f"(order {skipped.order_id!r}): {skipped.reason}",
            file=sys.stderr,
        )
    return 1 if sheet.skipped else 0


async def _events(settings: Settings, since: int, *, as_json: bool) -> int:
    from bot.runtime import store_session
    from bot.services.events import TABLE_HEADING, event_json_text, event_table_row, events_since

    if not as_json:
        print(TABLE_HEADING)
    async with store_session(settings) as store:
        async for page in events_since(store, since):
            for event in page:
                if as_json:
                    print(escaped(event_json_text(event), json=True))
                else:
                    _show(event_table_row(event))
    return 0


async def _outbox(settings: Settings, *, as_json: bool) -> int:
    from bot.clock import business_today
    from bot.runtime import make_clock, store_session
    from bot.services.outbox_status import outbox_status, status_json, status_text
    from bot.services.overdue_supply import overdue_json, overdue_supply, overdue_text

    async with store_session(settings) as store:
        summary = await outbox_status(store)
        today = business_today(make_clock(settings), settings.timezone)
        overdue = await overdue_supply(store, today=today)
    if as_json:
        shown = {**status_json(summary), "overdue_purchase_orders": overdue_json(overdue)}
        _show_json(shown)
    else:
        _show(status_text(summary))
        _show(overdue_text(overdue))
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _notice_settings(settings: Settings) -> NoticeSettings:
    from bot.i18n import Catalogs
    from bot.runtime import make_rules
    from bot.services.supply_impact import NoticeSettings
    from handlers.notices import make_renderer

    catalogs = Catalogs.load(default_language=settings.default_language)
    return NoticeSettings(
        timezone=settings.timezone,
        rules=make_rules(settings),
        refund_days=settings.refund_days,
        quiet_hours=settings.quiet_hours,
        render=make_renderer(catalogs),
    )


async def _po(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import business_today
    from bot.domain.model import PoStatus
    from bot.domain.supply_changes import Refused
    from bot.runtime import make_clock, store_session
    from bot.services.purchase_order_changes import update_purchase_order
    from bot.services.staff_lookup import purchase_order_json, purchase_order_view
    from bot.services.supply_text import (
        purchase_order_change_text,
        purchase_order_text,
        refusal_text,
    )

    clock = make_clock(settings)
    changing = (args.expected_date, args.received, args.status) != (None, None, None)
    async with store_session(settings) as store:
        summary = None
        if changing:
            result = await update_purchase_order(
                store,
                args.po_id,
                expected_date=args.expected_date,
                received_total=args.received,
                status=PoStatus(args.status) if args.status else None,
                actor="cli",
                now=clock.now(),
                settings=_notice_settings(settings),
            )
            if isinstance(result, Refused):
                reason = refusal_text(result, subject=f"purchase order {args.po_id!r}")
                _show(f"backorder-bot: {reason}", file=sys.stderr)
                return 1
            summary = purchase_order_change_text(result, "update")
        today = business_today(clock, settings.timezone)
        view = await purchase_order_view(store, args.po_id, today=today)
    if view is None:
        _show(f"backorder-bot: no purchase order {args.po_id!r}", file=sys.stderr)
        return 1
    if args.json:
        shown = purchase_order_json(view)
        if summary is not None:
            shown["summary"] = summary
        _show_json(shown)
        return 0
    if summary is not None:
        _show(summary)
        print()
    _show(purchase_order_text(view))
    return 0


async def _stock(settings: Settings, sku: str, on_hand: int) -> int:
    from bot.domain.supply_changes import Refused
    from bot.runtime import make_clock, store_session
    from bot.services.stock import set_on_hand_units
    from bot.services.supply_text import refusal_text, stock_change_text

    async with store_session(settings) as store:
        result = await set_on_hand_units(
            store,
            sku,
            on_hand,
            actor="cli",
            now=make_clock(settings).now(),
            settings=_notice_settings(settings),
        )
    if isinstance(result, Refused):
        _show(f"backorder-bot: {refusal_text(result, subject=f'product {sku!r}')}", file=sys.stderr)
        return 1
    _show(stock_change_text(result))
    return 0


def _backup(settings: Settings, target: Path) -> int:
    from storage.backup import BackupError, backup_database, pg_dump_advice

    if settings.database_url is not None:
        # Why: pg_dump takes the server's own consistent snapshot; the bot only says how.
        print(pg_dump_advice(settings.database_url, target))
        return 0
    try:
        size = backup_database(settings.db_path, target)
    except BackupError as exc:
        print(f"backorder-bot: {exc}", file=sys.stderr)
        return 1
    print(f"{target}: backed up {settings.db_path} ({size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
