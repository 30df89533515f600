-- A notice counts as told only once delivered: which outbox rows carry which notice, the outcome,
-- and the state to return to when no row could be delivered.

ALTER TABLE notice_log ADD COLUMN delivery TEXT NOT NULL DEFAULT 'delivered'
    CHECK (delivery IN ('pending', 'delivered', 'undelivered', 'no_chat'));
ALTER TABLE notice_log ADD COLUMN state_before TEXT;     -- JSON notice state the notice was decided from
ALTER TABLE notice_log ADD COLUMN delivery_error TEXT;   -- why no row could be delivered
ALTER TABLE notice_log ADD COLUMN settled_at TEXT;
UPDATE notice_log SET delivery = 'no_chat' WHERE chats = 0;
-- Why: the settling job looks at the few pending notices every second.
CREATE INDEX notice_log_pending ON notice_log (id) WHERE delivery = 'pending';

CREATE TABLE outbox_notices (
    outbox_id  INTEGER NOT NULL REFERENCES outbox (id),
    notice_id  INTEGER NOT NULL REFERENCES notice_log (id),
    PRIMARY KEY (notice_id, outbox_id)
) WITHOUT ROWID;
CREATE INDEX outbox_notices_row ON outbox_notices (outbox_id);

-- "kind:date" of the last notice that could not be delivered: the same notice is not decided again.
ALTER TABLE notice_state ADD COLUMN undelivered TEXT;
