-- The update inbox: every update taken from Telegram is recorded here before it is acknowledged
-- (the next getUpdates offset, or the webhook's answer), then handled; a restart handles what was
-- recorded and not yet handled, in update_id order. Handled rows are pruned after a while; the
-- newest row is always kept, so polling resumes after it.

CREATE TABLE update_inbox (
    update_id   INTEGER PRIMARY KEY,   -- Telegram's update_id
    payload     TEXT NOT NULL,         -- the update as Telegram sent it (JSON)
    received_at TEXT NOT NULL,         -- recorded at (UTC, ISO-8601)
    handled_at  TEXT                   -- handled at (NULL: not yet)
);

CREATE INDEX update_inbox_unhandled ON update_inbox (update_id) WHERE handled_at IS NULL;
