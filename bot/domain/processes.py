"""Names for the processes that share one database: who wrote a mark, who holds a claim."""

from __future__ import annotations

from collections.abc import Collection, Iterable

SEPARATOR = "/"


def process_tag(host: str, pid: int) -> str:
    """'host/pid': names a running process among those on the machines sharing the database."""
    return f"{host}{SEPARATOR}{pid}"


def tagged_process(tag: str) -> tuple[str, int] | None:
    """(host, pid) of a tag made by `process_tag` (more parts may follow), or None if malformed."""
    host, _, rest = tag.partition(SEPARATOR)
    pid = rest.partition(SEPARATOR)[0]
    return (host, int(pid)) if host and pid.isdigit() else None


def gone_claimants(holders: Iterable[str], live: Collection[str]) -> list[str]:
    """The claim holders ('host/pid/…') whose process is not among the `live` 'host/pid' tags
    (the instances with a session on the database); unreadable tags are kept (not gone)."""
    gone = []
    for holder in holders:
        tagged = tagged_process(holder)
        if tagged is not None and process_tag(*tagged) not in live:
            gone.append(holder)
    return sorted(gone)
