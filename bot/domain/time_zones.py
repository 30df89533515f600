"""Time zones named in a shop's data, read leniently: an unknown name counts as none."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=1024)
def named_zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone `name` (e.g. a customer's `America/New_York`), or None when blank or unknown
    (imports check zones, but data written before that check may hold anything)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
