"""Use case: the ingest API (DESIGN §14) - JSON items imported as CSV rows, once per key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.eta import EtaRules
from bot.domain.ingest import IngestStore, StoredAnswer
from bot.services.importing.items import INDEX_UNIT, item_records
from bot.services.importing.service import (
    COLUMNS,
    ImportReport,
    import_rows,
    recompute_imported,
)
from bot.services.importing.table import Problems, Record

API_ACTOR = "api"
ENDPOINTS = {kind: f"POST /api/v1/{kind}" for kind in COLUMNS}
# Why: at least the 24 hours Stripe keeps keys for; a shop retrying a nightly push whose answer
# it lost the next evening still gets its first answer.
KEEP_KEYS = timedelta(hours=48)
OK = 200
UNPROCESSABLE = 422


@dataclass(frozen=True, slots=True)
class IngestAnswer:
    """An HTTP status and its JSON body; `replayed` when it is a stored first answer."""

    status: int
    body: Mapping[str, object]
    replayed: bool = False


def body_hash(items: Sequence[Mapping[str, object]]) -> str:
    """SHA-256 of the items as canonical JSON (key order and spacing do not count)."""
    canonical = json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def ingest(
    store: IngestStore,
    kind: str,
    items: Sequence[Mapping[str, object]],
    *,
    key: str | None,
    timezone: ZoneInfo,
    rules: EtaRules,
    now: datetime,
    recompute: Callable[[Collection[str]], None] | None = None,
) -> IngestAnswer:
    """Import `items` (objects keyed by the CSV columns of `kind`) all or nothing, as `api`.

    DESIGN §14: 200 `{"imported": N}`, or 422 `{"errors": [{"index", "field", "message"}]}`
    with nothing changed. With `key` (the Idempotency-Key) a 200 is stored in the transaction
    of the import, and a retry with the same key and the same body gets it back without
    importing again; a 422 is not stored (see `_import_once`), so its retry is validated again.
    The same key with another endpoint or body than a stored 200 gets 422 (the IETF
    draft "The Idempotency-Key HTTP Header Field", §2.7: a reused key with a different payload).
    After a successful import the ETAs of its SKUs are recomputed as after a CSV import: here,
    or, given `recompute` (a RecomputeQueue's `add`), handed to it after the commit.
    """
    if key is None:
        report = await _import(store, kind, items, timezone=timezone, now=now)
    else:
        stored_or_report = await _import_once(store, kind, items, key, timezone=timezone, now=now)
        if isinstance(stored_or_report, IngestAnswer):
            return stored_or_report
        report = stored_or_report
    if recompute is None:
        today = now.astimezone(timezone).date()
        await recompute_imported(store, report, rules=rules, today=today)
    elif report.rows and not report.error_count:
        recompute(report.skus)
    return _answer(report)


async def _import(
    store: IngestStore,
    kind: str,
    items: Sequence[Mapping[str, object]],
    *,
    timezone: ZoneInfo,
    now: datetime,
) -> ImportReport:
    problems = Problems("", unit=INDEX_UNIT)
    required, optional = COLUMNS[kind]
    records = item_records(items, required=required, optional=optional, problems=problems)

    def again(_into: Problems) -> Iterator[Record]:
        return iter(records)

    return await import_rows(
        store,
        kind,
        again,
        problems,
        timezone=timezone,
        now=now,
        actor=API_ACTOR,
        single_pass=True,
    )


class _Rejected(Exception):
    """The import found errors: roll back its writes and the key's claim with them."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("rejected")
        self.report = report


async def _import_once(
    store: IngestStore,
    kind: str,
    items: Sequence[Mapping[str, object]],
    key: str,
    *,
    timezone: ZoneInfo,
    now: datetime,
) -> IngestAnswer | ImportReport:
    """The stored answer of `key`, or the report of importing now (its answer stored with it).

    Only an executed request saves its answer (Stripe's rule, "Idempotent requests",
    https://docs.stripe.com/api/idempotent_requests: results are saved only once an endpoint
    begins executing; a request whose parameters fail validation saves no idempotent result and
    can be retried). So a 200 is kept under `key` for KEEP_KEYS and replayed; a request any item
    of which fails validation (422) stores nothing - its claim of the key rolls back with the
    import - and a retry with the key is validated again: the same items get the same 422, items
    fixed meanwhile (say the products imported first) import.

    Why one transaction: the claim of the key, the import and its answer commit together, so a
    crash leaves either all of them or none (a retry then imports). Two requests with one key at
    once: on SQLite the write transactions run one after the other; on PostgreSQL (READ
    COMMITTED) the second's insert of the key waits for the first transaction on the unique key
    and then finds its committed answer, so one import happens.
    """
    endpoint, digest = ENDPOINTS[kind], body_hash(items)
    claim = {"at": now, "forget_before": now - KEEP_KEYS}
    try:
        async with store.atomic():
            stored = await store.claim_ingest_key(key, endpoint, digest, **claim)
            if stored is not None:
                return _replay(stored, endpoint, digest)
            report = await _import(store, kind, items, timezone=timezone, now=now)
            if report.error_count:
                raise _Rejected(report)
            await store.answer_ingest_key(key, status=OK, answer=_json(_answer(report)))
            return report
    except _Rejected as rejected:
        # Why: the import's writes were rolled back with the claim, which releases the key.
        return _answer(rejected.report)


def _replay(stored: StoredAnswer, endpoint: str, digest: str) -> IngestAnswer:
    if stored.endpoint != endpoint or stored.body_hash != digest:
        first = (
            f"for {stored.endpoint}, not {endpoint}"
            if stored.endpoint != endpoint
            else "with a different body"
        )
        message = (
            f"this Idempotency-Key was first used {first}; a retry must repeat the first "
            "request exactly, and a new request needs a new key"
        )
        error = {"index": None, "field": "Idempotency-Key", "message": message}
        return IngestAnswer(UNPROCESSABLE, {"errors": [error]})
    body = json.loads(stored.answer)
    return IngestAnswer(stored.status, body, replayed=True)


def _answer(report: ImportReport) -> IngestAnswer:
    if not report.error_count:
        return IngestAnswer(OK, {"imported": report.rows})
    errors = [
        {"index": problem.line, "field": problem.column, "message": problem.message}
        for problem in report.problems
    ]
    return IngestAnswer(UNPROCESSABLE, {"errors": errors, "error_count": report.error_count})


def _json(answer: IngestAnswer) -> str:
    return json.dumps(answer.body, separators=(",", ":"), ensure_ascii=False)
