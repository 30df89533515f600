-- Knowing when to speak: per-order delay/consent state and the history of notices decided.
-- Dates are ISO 'YYYY-MM-DD'; timestamps ISO-8601 with offset.

CREATE TABLE notice_state (
    order_id           TEXT PRIMARY KEY REFERENCES orders (order_id),
    deadline           TEXT,              -- T', the date we are bound to ship by; NULL after an indefinite delay
    communicated_date  TEXT,              -- last estimated ship date told; NULL = "no date" was told
    communicated_at    TEXT,
    consent            TEXT NOT NULL DEFAULT 'none'
                       CHECK (consent IN ('none', 'consented', 'indefinite', 'deemed')),
    awaiting_answer    INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_answer IN (0, 1)),
    silence_means      TEXT NOT NULL DEFAULT 'nothing'
                       CHECK (silence_means IN ('consent', 'cancel', 'nothing')),
    decision_deadline  TEXT,              -- by when the customer must answer
    auto_cancel_on     TEXT,              -- when silence cancels the order
    offered_date       TEXT,              -- R proposed by the last delay notice
    ready_notified     INTEGER NOT NULL DEFAULT 0 CHECK (ready_notified IN (0, 1)),
    auto_cancelled_on  TEXT,              -- the policy cancelled the order on this day
    updated_at         TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE notice_log (
    id                 INTEGER PRIMARY KEY,
    order_id           TEXT NOT NULL,
    customer_id        TEXT NOT NULL,
    kind               TEXT NOT NULL,
    promised_date      TEXT NOT NULL,
    previous_date      TEXT,
    revised_date       TEXT,
    silence_means      TEXT NOT NULL,
    decision_deadline  TEXT,
    auto_cancel_on     TEXT,
    refund_minor       INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    refund_due         TEXT,
    decided_at         TEXT NOT NULL,
    chats              INTEGER NOT NULL,  -- linked chats it was queued to; 0 = not deliverable
    dedupe_key         TEXT               -- the outbox key of the digest (NULL when not deliverable)
);
CREATE INDEX notice_log_order ON notice_log (order_id, id);
