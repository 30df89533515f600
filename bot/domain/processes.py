"""Names for the processes that share one database: who wrote a mark, who holds a claim."""

from __future__ import annotations

SEPARATOR = "/"


def process_tag(host: str, pid: int) -> str:
    """'host/pid': names a running process among those on the machines sharing the database."""
    return f"{host}{SEPARATOR}{pid}"


def tagged_process(tag: str) -> tuple[str, int] | None:
    """(host, pid) of a tag made by `process_tag` (more parts may follow), or None if malformed."""
    host, _, rest = tag.partition(SEPARATOR)
    pid = rest.partition(SEPARATOR)[0]
    return (host, int(pid)) if host and pid.isdigit() else None
