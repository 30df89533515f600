"""What the staff order card reads beyond the notice history: the quiet-hours holds of the
messages still carrying its notices."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Text, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.codec import IN_CHUNK
from storage.schema import outbox, outbox_notices

_HOLDS = (
    select(outbox_notices.c.notice_id, func.min(outbox.c.not_before))
    .select_from(outbox_notices.join(outbox, outbox.c.id == outbox_notices.c.outbox_id))
    .where(
        outbox_notices.c.notice_id.in_(bindparam("ids", expanding=True)),
        outbox.c.status == literal_column("'pending'", Text),
        outbox.c.not_before.is_not(None),
    )
    .group_by(outbox_notices.c.notice_id)
)


async def read_notice_holds(
    conn: AsyncConnection, notice_ids: Collection[int]
) -> dict[int, datetime]:
    """For each of these notices with a message still waiting in the outbox under a hold, the
    earliest moment (UTC) such a message may go; notices without one are left out."""
    ids = sorted(set(notice_ids))
    holds: dict[int, datetime] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = await conn.execute(_HOLDS, {"ids": ids[start : start + IN_CHUNK]})
        holds |= {int(notice_id): datetime.fromisoformat(str(moment)) for notice_id, moment in rows}
    return holds
