"""`backorder-bot broadcast send|list|show|stop` (DESIGN §3, §11): the shell's door to the same
broadcast use cases as the chat's `/broadcast`. The CLI only queues; the running bot sends."""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings
from bot.domain.broadcasts import (
    PARAM_LIMIT,
    TEMPLATE_PARAMS,
    BroadcastMessage,
    FreeText,
    Problem,
    Rejected,
    Segment,
    SegmentKind,
    Template,
    TemplateMessage,
    free_text,
    template_message,
)
from bot.domain.control_characters import escaped
from bot.domain.fitting import MESSAGE_LIMIT
from bot.domain.model import Jurisdiction
from bot.services.broadcasts import (
    AlreadyOver,
    BroadcastView,
    NoSuchBroadcast,
    Preview,
    Queued,
    QuietHoursRule,
    broadcast_json,
    broadcast_status,
    list_broadcasts,
    preview_broadcast,
    queue_broadcast,
    stop_broadcast,
)

CLI_ACTOR = "cli"
_TAG = re.compile(r"<[^>]*>")


class UsageError(ValueError):
    """A flag's value has the wrong shape: one line on stderr, exit 1."""


class InputError(ValueError):
    """Input the command cannot use (a file, a value): one line on stderr, exit 1."""


def add_broadcast_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`broadcast send|list|show|stop` with the flags of DESIGN §11."""
    broadcast = commands.add_parser("broadcast", help="send a message to a segment of customers")
    actions = broadcast.add_subparsers(dest="broadcast_command", required=True)
    send = actions.add_parser(
        "send",
        help="preview (--dry-run) or queue a broadcast",
        description="One segment and one message. The running bot sends what is queued.",
    )
    segment = send.add_argument_group("segment (exactly one)").add_mutually_exclusive_group(
        required=True
    )
    segment.add_argument(
        "--all", action="store_true", help="every customer with an open backordered line"
    )
    segment.add_argument(
        "--sku", action="append", metavar="SKU", help="customers with an open line of SKU"
    )
    segment.add_argument("--supplier", metavar="NAME", help="customers waiting on this supplier")
    segment.add_argument(
        "--po", metavar="PO_ID", help="customers whose lines draw on this purchase order"
    )
    segment.add_argument("--orders", metavar="ID,ID,...", help="the customers of these orders")
    narrowing = send.add_argument_group("narrowing")
    narrowing.add_argument("--language", metavar="L", help="only customers reading L (e.g. de)")
    narrowing.add_argument(
        "--jurisdiction", choices=[j.value for j in Jurisdiction], help="only orders under J"
    )
    message = send.add_argument_group("message (exactly one)").add_mutually_exclusive_group(
        required=True
    )
    message.add_argument(
        "--template", metavar="NAME", help=f"one of {', '.join(t.value for t in Template)}"
    )
    message.add_argument(
        "--text",
        action="append",
        metavar="LANG=FILE",
        help="free text in LANG from a UTF-8 file (repeat per language)",
    )
    send.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a template parameter"
    )
    send.add_argument("--dry-run", action="store_true", help="show who and what; queue nothing")
    send.add_argument("--json", action="store_true", help="print one JSON object")
    listing = actions.add_parser("list", help="broadcasts with their status and counts")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    show = actions.add_parser("show", help="one broadcast's status and counts")
    show.add_argument("broadcast_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    stop = actions.add_parser("stop", help="send nothing more of a broadcast")
    stop.add_argument("broadcast_id", type=int, metavar="ID")


def check_usage(args: argparse.Namespace, error: Callable[[str], object]) -> None:
    """Flag values of the wrong shape, which argparse cannot see: `error` prints one line
    naming the value and exits 1."""
    if args.broadcast_command != "send":
        return
    if args.param and args.template is None:
        error("--param goes with --template")
    try:
        _pairs(args.param, "--param", "KEY=VALUE")
        _pairs(args.text or [], "--text", "LANG=FILE")
    except UsageError as exc:
        error(str(exc))


async def broadcast_command(
    settings: Settings,
    args: argparse.Namespace,
    *,
    show: Callable[[str], None],
    show_json: Callable[[object], None],
) -> int:
    """Run `broadcast send|list|show|stop`: the exit code (refused: one line on stderr, 1)."""
    from bot.clock import business_today
    from bot.i18n import Catalogs
    from bot.runtime import make_clock, store_session
    from handlers.broadcast_texts import broadcast_texts

    clock = make_clock(settings)
    async with store_session(settings) as store:
        match args.broadcast_command:
            case "send":
                try:
                    segment, message = _request(args)
                except InputError as exc:
                    return _refuse(str(exc))
                if isinstance(message, Rejected):
                    return _refuse(_problem_text(message))
                texts = broadcast_texts(Catalogs.load(default_language=settings.default_language))
                today = business_today(clock, settings.timezone)
                quiet = QuietHoursRule(settings.quiet_hours, settings.timezone)
                if args.dry_run:
                    preview = await preview_broadcast(
                        store,
                        segment,
                        message,
                        texts=texts,
                        today=today,
                        quiet=quiet,
                        now=clock.now(),
                    )
                    if isinstance(preview, Rejected):
                        return _refuse(_problem_text(preview))
                    if args.json:
                        show_json(preview_json(preview))
                    else:
                        show(preview_text(preview, segment))
                    return 0
                queued = await queue_broadcast(
                    store,
                    segment,
                    message,
                    texts=texts,
                    actor=CLI_ACTOR,
                    now=clock.now(),
                    today=today,
                    quiet=quiet,
                )
                if isinstance(queued, Rejected):
                    return _refuse(_problem_text(queued))
                if args.json:
                    show_json(queued_json(queued))
                else:
                    show(str(queued.broadcast_id))
                    print(queued_text(queued), file=sys.stderr)
                return 0
            case "list":
                views = await list_broadcasts(store, now=clock.now())
                if args.json:
                    show_json([broadcast_json(view) for view in views])
                else:
                    show(list_text(views))
                return 0
            case "show":
                view = await broadcast_status(store, args.broadcast_id, now=clock.now())
                if view is None:
                    return _refuse(f"no broadcast {args.broadcast_id}")
                if args.json:
                    show_json(broadcast_json(view))
                else:
                    show(show_text(view))
                return 0
            case "stop":
                result = await stop_broadcast(
                    store, args.broadcast_id, actor=CLI_ACTOR, now=clock.now()
                )
                if isinstance(result, NoSuchBroadcast):
                    return _refuse(f"no broadcast {args.broadcast_id}")
                if isinstance(result, AlreadyOver):
                    show(
                        f"broadcast {result.broadcast_id} is already {result.status.value}: "
                        "nothing to stop"
                    )
                    return 0
                show(
                    f"broadcast {result.broadcast_id} stopped: {_count(result.withdrawn, 'copy')}"
                    f" withdrawn, {_count(result.in_flight, 'copy')} already on the way"
                )
                return 0
    return 2


def _refuse(line: str) -> int:
    print(escaped(f"backorder-bot: {line}"), file=sys.stderr)
    return 1


def _request(args: argparse.Namespace) -> tuple[Segment, BroadcastMessage | Rejected]:
    jurisdiction = Jurisdiction(args.jurisdiction) if args.jurisdiction else None
    values: tuple[str, ...] = ()
    if args.all:
        kind = SegmentKind.ALL
    elif args.sku:
        kind, values = SegmentKind.SKU, tuple(args.sku)
    elif args.supplier is not None:
        kind, values = SegmentKind.SUPPLIER, (args.supplier,)
    elif args.po is not None:
        kind, values = SegmentKind.PURCHASE_ORDER, (args.po,)
    else:
        kind = SegmentKind.ORDERS
        values = tuple(part.strip() for part in args.orders.split(",") if part.strip())
    segment = Segment(kind, values, args.language, jurisdiction)
    if args.template is not None:
        return segment, template_message(args.template, dict(_pairs(args.param, "", "")))
    texts: dict[str, str] = {}
    for language, file in _pairs(args.text, "", ""):
        if language in texts:
            raise InputError(f"--text names {language} twice")
        texts[language] = _read_text(Path(file))
    return segment, free_text(texts)


def _pairs(values: Sequence[str], flag: str, shape: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} takes {shape}, not {value!r}")
        pairs.append((key.strip(), rest))
    return pairs


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from exc
    try:
        # Why: a byte-order mark, as Windows editors write it, is not part of the text.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8 and try again"
        ) from exc


def _problem_text(rejected: Rejected) -> str:
    detail = rejected.detail
    match rejected.problem:
        case Problem.UNKNOWN_TEMPLATE:
            names = ", ".join(t.value for t in Template)
            return f"no template {detail!r} (templates: {names})"
        case Problem.MISSING_PARAM:
            return f"the template needs --param {detail}=VALUE"
        case Problem.UNKNOWN_PARAM:
            return f"the template has no parameter {detail!r} ({_params_help()})"
        case Problem.PARAM_TOO_LONG:
            return f"--param {detail} is longer than {PARAM_LIMIT} characters"
        case Problem.UNKNOWN_SKU:
            return f"no product with SKU {detail!r}"
        case Problem.UNKNOWN_SUPPLIER:
            return f"no product has the supplier {detail!r}"
        case Problem.UNKNOWN_PURCHASE_ORDER:
            return f"no purchase order {detail!r}"
        case Problem.UNKNOWN_ORDER:
            return f"no order {detail!r}"
        case Problem.NO_VALUES:
            return f"--{detail} needs a value"
        case Problem.UNKNOWN_LANGUAGE:
            return f"{detail!r} is not a language tag (such as de or pt-BR)"
        case Problem.EMPTY_SEGMENT:
            return "no customer is in this segment; nothing queued"
        case Problem.NO_PRODUCT_LINES:
            return (
                f"no customer of this segment has an open line of {detail} that this template is"
                " about (supplier_delay: still waiting for it; stock_arrived: ready from stock);"
                " nothing queued"
            )
        case Problem.NO_LINKED_RECIPIENTS:
            customers = _count(int(detail or 0), "customer")
            return f"none of the {customers} of this segment has linked a chat; nothing queued"
        case Problem.EMPTY_TEXT:
            return f"the --text for {detail} is empty" if detail else "--text is empty"
        case Problem.TEXT_TOO_LONG:
            return (
                f"the --text for {detail} is longer than one Telegram message"
                f" ({MESSAGE_LIMIT:,} characters)"
            )
        case Problem.NO_DEFAULT_TEXT:
            return (
                "some recipients have no text in their language and there is no --text for the"
                f" default language {detail} (BACKORDER_DEFAULT_LANGUAGE)"
            )
    return rejected.problem.value


def _params_help() -> str:
    parts = []
    for template, (required, optional) in TEMPLATE_PARAMS.items():
        names = sorted(required) + [f"[{name}]" for name in sorted(optional)]
        parts.append(f"{template.value}: {' '.join(names)}")
    return "; ".join(parts)


def _count(count: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count:,} {noun if count == 1 else plural}"


def preview_json(preview: Preview) -> dict[str, object]:
    """The dry run as JSON: recipients, by_language, held, not_linked, fallback,
    waiting_for_morning (in their quiet hours now: their copy waits), without_product (left out:
    no open line of the template's product), samples (HTML)."""
    return {
        "dry_run": True,
        "recipients": preview.recipients,
        "by_language": dict(preview.by_language),
        "held": preview.held,
        "not_linked": preview.not_linked,
        "fallback": preview.fallback,
        "waiting_for_morning": preview.waiting_for_morning,
        "without_product": preview.without_product,
        "samples": dict(preview.samples),
    }


def queued_json(queued: Queued) -> dict[str, object]:
    """A queued broadcast as JSON."""
    return {
        "id": queued.broadcast_id,
        "status": "queued",
        "recipients": queued.recipients,
        "not_linked": queued.not_linked,
        "fallback": queued.fallback,
        "waiting_for_morning": queued.waiting_for_morning,
        "without_product": queued.without_product,
    }


def queued_text(queued: Queued) -> str:
    """What was queued, for the operator (stderr; stdout carries the id alone)."""
    return (
        f"queued broadcast {queued.broadcast_id} for {_count(queued.recipients, 'recipient')}"
        f" ({queued.not_linked:,} not linked, {queued.fallback:,} given the default language's"
        f" text); the running bot sends it: backorder-bot broadcast show {queued.broadcast_id}"
        + _waiting_text(queued.waiting_for_morning)
        + _without_product_text(queued.without_product)
    )


def _without_product_text(count: int) -> str:
    if not count:
        return ""
    return f"; {_count(count, 'customer')} of the segment left out: no open line of the product"


def _waiting_text(waiting: int) -> str:
    if not waiting:
        return ""
    return f"; {_count(waiting, 'recipient')} in their quiet hours get it when those end"


def segment_text(segment: Segment) -> str:
    """A segment in words."""
    values = ", ".join(segment.values)
    words = {
        SegmentKind.ALL: "all waiting customers",
        SegmentKind.SKU: f"customers waiting for {values}",
        SegmentKind.SUPPLIER: f"customers waiting on supplier {values}",
        SegmentKind.PURCHASE_ORDER: f"customers waiting on purchase order {values}",
        SegmentKind.ORDERS: f"the customers of orders {values}",
    }[segment.kind]
    if segment.language:
        words += f", language {segment.language}"
    if segment.jurisdiction:
        words += f", jurisdiction {segment.jurisdiction.value}"
    return words


def preview_text(preview: Preview, segment: Segment) -> str:
    """The dry run for a terminal: counts, then each language's sample as the customer reads it."""
    lines = [
        f"dry run (nothing queued): {segment_text(segment)}",
        f"recipients: {preview.recipients:,}"
        + (f" ({preview.held:,} held: they blocked the bot)" if preview.held else ""),
    ]
    lines += [f"  {language}: {count:,}" for language, count in preview.by_language.items()]
    lines.append(f"not linked (cannot be reached): {preview.not_linked:,}")
    lines.append(f"given the default language's text for lack of their own: {preview.fallback:,}")
    if preview.without_product:
        lines.append(
            "left out, no open line of the product this template is about:"
            f" {preview.without_product:,}"
        )
    if preview.waiting_for_morning and preview.morning is not None:
        lines.append(
            f"in their quiet hours now: {preview.waiting_for_morning:,}"
            f" (they get it from {preview.morning:%H:%M} their time)"
        )
    for language, sample in preview.samples.items():
        lines += ["", f"--- sample ({language}) ---", _plain(sample)]
    return "\n".join(lines)


def _plain(text_html: str) -> str:
    return html.unescape(_TAG.sub("", text_html))


def show_text(view: BroadcastView) -> str:
    """One broadcast for a terminal."""
    record, counts = view.record, view.counts
    lines = [
        f"broadcast {record.broadcast_id}: {view.status.value}",
        f"segment: {segment_text(record.segment)}",
        f"message: {_message_text(record.message)}",
        f"created: {record.created_at:%Y-%m-%d %H:%M} UTC by {record.created_by}",
        f"recipients: {counts.recipients:,}  sent {counts.sent:,}  held {counts.held:,}"
        f"  failed {counts.failed:,}  pending {counts.pending:,}  withdrawn {counts.withdrawn:,}",
    ]
    if counts.in_flight:
        lines.append(f"in flight (claimed before the stop, may still arrive): {counts.in_flight:,}")
    if counts.waiting_for_morning:
        lines.append(
            f"waiting for their morning (quiet hours, pending): {counts.waiting_for_morning:,}"
        )
    for language, part in view.by_language.items():
        lines.append(
            f"  {language}: {part.recipients:,}  sent {part.sent:,}  held {part.held:,}"
            f"  failed {part.failed:,}  pending {part.pending:,}  withdrawn {part.withdrawn:,}"
        )
    lines.append(
        f"not linked: {record.not_linked:,}  given the default language's text: {record.fallback:,}"
    )
    if record.without_product:
        lines.append(
            "left out, no open line of the product this template is about:"
            f" {record.without_product:,}"
        )
    rate = view.rate_per_second
    if rate is not None and counts.due:
        left = view.seconds_left or 0.0
        lines.append(f"rate: {rate:.1f} messages/s, about {left:.0f} s left for those due now")
    if record.stopped_at is not None:
        lines.append(f"stopped: {record.stopped_at:%Y-%m-%d %H:%M} UTC by {record.stopped_by}")
    return "\n".join(lines)


def _message_text(message: BroadcastMessage) -> str:
    if isinstance(message, TemplateMessage):
        params = ", ".join(f"{key}={value}" for key, value in message.params)
        return f"template {message.template.value}" + (f" ({params})" if params else "")
    assert isinstance(message, FreeText)
    return "free text in " + ", ".join(sorted(message.languages))


def list_text(views: Sequence[BroadcastView]) -> str:
    """Broadcasts, newest first, one per line."""
    if not views:
        return "no broadcasts yet"
    rows = [
        (
            "id",
            "status",
            "created (UTC)",
            "by",
            "recipients",
            "sent",
            "held",
            "failed",
            "pending",
            "segment",
        )
    ]
    for view in views:
        counts = view.counts
        rows.append(
            (
                str(view.broadcast_id),
                view.status.value,
                f"{view.record.created_at:%Y-%m-%d %H:%M}",
                view.record.created_by,
                f"{counts.recipients:,}",
                f"{counts.sent:,}",
                f"{counts.held:,}",
                f"{counts.failed:,}",
                f"{counts.pending:,}",
                segment_text(view.record.segment),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
