-- Customer actions: cancel, swap, split; refund obligations and the shop's event feed.

-- Bumped by every change to an order or its lines; a button from an older version is stale.
ALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- 1: the customer prefers one complete delivery (the default); 0: ship what is ready.
ALTER TABLE orders ADD COLUMN ship_complete INTEGER NOT NULL DEFAULT 1 CHECK (ship_complete IN (0, 1));

-- 1: the ready part of a split order, released to ship now.
ALTER TABLE order_lines ADD COLUMN ship_now INTEGER NOT NULL DEFAULT 0 CHECK (ship_now IN (0, 1));
-- The line a swapped-in line replaces (same order).
ALTER TABLE order_lines ADD COLUMN replaces_line_no INTEGER;
-- UTC queue time of a line added after the order was placed; NULL queues as of the order.
ALTER TABLE order_lines ADD COLUMN queued_at TEXT;

CREATE TABLE refunds (
    id            INTEGER PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (order_id),
    line_no       INTEGER NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid')),
    reason        TEXT NOT NULL CHECK (reason IN ('cancel', 'swap_price_decrease')),
    created_at    TEXT NOT NULL,
    UNIQUE (order_id, line_no, reason)
);
CREATE INDEX refunds_status_due ON refunds (status, due_date);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    order_id    TEXT,
    payload     TEXT NOT NULL,   -- JSON
    created_at  TEXT NOT NULL
);
CREATE INDEX events_order ON events (order_id);
