-- Staff alerts (DESIGN §12): one row per alert ever raised, written in the transaction that
-- queues its messages, so each alert is raised once across restarts and processes; its button
-- carries the row's short handle and finds what the alert is about (target) here.
-- kind: 'notice_undelivered' (subject: notice id, target: order id), 'po_overdue' (subject:
-- '<po_id>@<expected date>', target: po id), 'blocked_question' (subject: '<customer id>@<order
-- id>@<question>', target: order id), 'refund_overdue' (subject and target: refund id).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    target      TEXT NOT NULL,
    handle      TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    UNIQUE (kind, subject)
);
CREATE INDEX alerts_created ON alerts (created_at);

-- Who marked a refund paid, and when (NULL while due).
ALTER TABLE refunds ADD COLUMN paid_at TEXT;
ALTER TABLE refunds ADD COLUMN paid_by TEXT;
