-- Broadcasts (DESIGN §11): one message from staff to the customers of a segment, each in their
-- own language. The copies are outbox rows with `broadcast_id` (the lower lane, migration 0012).

CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,            -- fixed-width UTC text
    created_by  TEXT NOT NULL,            -- 'staff:<id>' or 'cli'
    segment     TEXT NOT NULL,            -- JSON {"kind", "values", "language", "jurisdiction"}
    message     TEXT NOT NULL,            -- JSON {"template", "params"} or {"text": {lang: text}}
    recipients  INTEGER NOT NULL,         -- copies queued (one per linked customer)
    not_linked  INTEGER NOT NULL,         -- customers of the segment without a linked chat
    fallback    INTEGER NOT NULL,         -- recipients given the default language's text
    stopped_at  TEXT,
    stopped_by  TEXT
);

-- Which copy went to whom, in which language (the progress by language).
CREATE TABLE broadcast_recipients (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts (id),
    outbox_id     INTEGER NOT NULL,
    customer_id   TEXT NOT NULL,
    language      TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, outbox_id)
) WITHOUT ROWID;

-- Why: a progress message reads when a broadcast's first and latest copies were sent (its rate).
CREATE INDEX outbox_broadcast_sent ON outbox (broadcast_id, sent_at)
    WHERE broadcast_id IS NOT NULL AND status = 'sent';
