"""Writes release-21.sqlite3: a database as the release before Alembic left it (run at ac3c244).

Kept for the record of how the fixture was made; it needs that commit's code (the numbered SQL
migrations applied by `open_store`), so it is not run by the tests: the file it wrote is.
Usage (in a checkout of ac3c244): `python tests/storage/data/make_release_db.py OUT.sqlite3`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

ROWS = """
INSERT INTO products VALUES ('MUG', 'Mug', 'kitchen', 1200, 'EUR', 0, 10, 1, 'Acme', 'CUP');
INSERT INTO products VALUES ('CUP', 'Cup', 'kitchen', 900, 'EUR', 5, NULL, NULL, NULL, '');
INSERT INTO customers VALUES ('C-1', 'Ann', 'ann@example.com', '+49 170 1234567', '491701234567',
    'de', 'Europe/Berlin', 'fr');
INSERT INTO customers VALUES ('C-2', 'Bob', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO orders VALUES ('#1001', 'C-1', '2026-11-20T10:00:00+01:00', '2026-11-20T09:00:00Z',
    'EUR', '2026-11-27', 'EU', 0, 3, 1, '1001', 'o_abc123');
INSERT INTO orders VALUES ('#1002', 'C-2', '2026-11-21T10:00:00+00:00', '2026-11-21T10:00:00Z',
    'EUR', NULL, NULL, 1, 0, 0, '1002', 'o_def456');
INSERT INTO order_lines VALUES ('#1001', 1, 'MUG', 2, 1200, 'open', 0, NULL, NULL);
INSERT INTO order_lines VALUES ('#1001', 2, 'CUP', 1, 900, 'shipped', 1, NULL, NULL);
INSERT INTO order_lines VALUES ('#1002', 1, 'CUP', 1, 900, 'cancelled', 0, NULL, NULL);
INSERT INTO order_lines VALUES ('#1002', 2, 'MUG', 1, 1200, 'open', 0, 1,
    '2026-11-22T08:00:00.000000Z');
INSERT INTO purchase_orders VALUES ('PO-1', 'MUG', 10, 2, '2026-12-10', 'confirmed', 'Acme');
INSERT INTO purchase_orders VALUES ('PO-2', 'MUG', 5, 0, '2026-12-20', 'planned', NULL);
INSERT INTO line_etas VALUES ('#1001', 1, 'MUG', '2026-12-10', '2026-12-11', 'confirmed',
    '2026-12-10', NULL, '2026-11-30');
INSERT INTO line_etas VALUES ('#1002', 2, 'MUG', NULL, NULL, 'unknown', NULL, 10, '2026-11-30');
INSERT INTO chat_links VALUES (5000000001, 'C-1', 'deep_link', '2026-11-20T09:05:00Z');
INSERT INTO chat_prefs VALUES (5000000001, 'fr');
INSERT INTO link_attempts VALUES (1, 777, '2026-11-29T10:00:00Z');
INSERT INTO audit_log VALUES (1, '2026-11-20T09:00:00Z', 'cli', 'product.upsert', 'product:MUG',
    NULL, '{"sku": "MUG"}');
INSERT INTO settings VALUES ('link_secret', 'c2VjcmV0LXNlY3JldC1zZWNyZXQ');
INSERT INTO refunds VALUES (1, '#1002', 1, 900, 'EUR', '2026-12-05', 'due', 'cancel',
    '2026-11-21T11:00:00Z', NULL, NULL);
INSERT INTO events VALUES (7, 'order.line_cancelled', '#1002', '{"line_no": 1}',
    '2026-11-21T11:00:00Z');
INSERT INTO outbox VALUES (1, 'notice:#1001:1', 5000000001, 'C-1', '<b>Retard</b>', '[]', 1,
    NULL, '2026-11-25T09:00:00.000000Z', 'pending', 0, NULL, '2026-11-25T09:00:00.000000Z', NULL,
    NULL, NULL, NULL, NULL, NULL);
INSERT INTO outbox VALUES (2, 'broadcast:1:C-1', 5000000001, 'C-1', 'Hello', '[]', 0, NULL,
    '2026-11-26T09:00:00.000000Z', 'sent', 1, NULL, '2026-11-26T09:00:00.000000Z', NULL,
    '2026-11-26T09:00:01.000000Z', 42, NULL, NULL, 1);
INSERT INTO unreachable_chats VALUES (6000000002, '2026-11-28T09:00:00Z', 'blocked');
INSERT INTO notice_state VALUES ('#1001', '2026-12-11', '2026-12-11', '2026-11-25T09:00:00Z',
    'deemed', 0, 'consent', '2026-11-30', NULL, '2026-12-11', 0, NULL, '2026-11-25T09:00:00Z',
    NULL);
INSERT INTO notice_log VALUES (1, '#1001', 'C-1', 'delay_first', '2026-11-27', '2026-11-27',
    '2026-12-11', 'consent', '2026-11-30', NULL, 0, 'EUR', NULL, '2026-11-25T09:00:00Z', 1,
    'notice:#1001:1', 'pending', '{"consent": "none"}', NULL, NULL, NULL);
INSERT INTO outbox_notices VALUES (1, 1);
INSERT INTO update_inbox VALUES (900000001, '{"update_id": 900000001}',
    '2026-11-29T10:00:00Z', NULL);
INSERT INTO eta_marks VALUES ('MUG', 3, 2, 'host/123', 1764400000.5);
INSERT INTO order_link_attempts VALUES (1, '9999', 777, '2026-11-29T10:00:00Z');
INSERT INTO order_link_lockouts VALUES ('9999', '2026-11-29T10:05:00Z');
INSERT INTO broadcasts VALUES (1, '2026-11-26T09:00:00.000000Z', 'staff:11',
    '{"kind": "sku", "values": ["MUG"], "language": null, "jurisdiction": null}',
    '{"text": {"en": "Hello"}}', 1, 1, 0, NULL, NULL, 1);
INSERT INTO broadcast_recipients VALUES (1, 2, 'C-1', 'en');
INSERT INTO staff_prompts VALUES (11, 11, 'po_date', 'PO-1', 300, '2026-12-01T00:00:00Z');
INSERT INTO broadcast_drafts VALUES (12, 12, 3, 'segment', '{"segment": null}', 301,
    '2026-11-29T10:00:00Z');
INSERT INTO broadcast_progress_messages VALUES (1, 11, 302, 'en', 1);
UPDATE notice_id_mark SET last_id = 1;
INSERT INTO ratings VALUES (1, 'C-1', 'order:#0999', 5000000001, '2026-11-10T09:00:00Z', 4,
    'fine', '2026-11-10T10:00:00Z', NULL, NULL, NULL);
INSERT INTO backordered_orders VALUES ('#1001', 'C-1', '2026-11-25T09:00:00Z', NULL, NULL);
INSERT INTO alerts VALUES (1, 'po_overdue', 'PO-1@2026-11-28', 'PO-1', 'a1b2c3',
    '2026-11-29T06:00:00Z');
INSERT INTO support_topics VALUES (-1001234567890, 'C-1', 55, '2026-11-29T11:00:00Z');
INSERT INTO handoffs VALUES (1, 'C-1', -1001234567890, 55, '2026-11-29T11:00:00Z', 'customer:C-1',
    NULL, NULL, 1);
INSERT INTO handoff_relays VALUES (5000000001, 88, 1, '2026-11-29T11:01:00Z', -1001234567890, 89);
"""


async def write(path: Path) -> None:
    """Create the database with the release's own code, then add one row family at a time."""
    from storage.store import open_store

    store = await open_store(path)
    await store.close()
    conn = sqlite3.connect(path)
    try:
        conn.executescript(ROWS)
        conn.commit()
        # Why: one self-contained file in the repository, no -wal beside it.
        conn.execute("PRAGMA journal_mode = DELETE")
        # Why: a small fixture; each table and index takes a page of its own.
        conn.execute("PRAGMA page_size = 512")
        conn.execute("VACUUM")
    finally:
        conn.close()


if __name__ == "__main__":
    asyncio.run(write(Path(sys.argv[1])))
