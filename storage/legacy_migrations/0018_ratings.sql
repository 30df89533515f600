-- Customer satisfaction (DESIGN §12): one 1-5 question per subject, asked once, answered once.
-- subject: 'order:<order_id>' (after the order shipped or was cancelled) or 'handoff:<id>'
-- (after a conversation with staff closed).
CREATE TABLE ratings (
    id           INTEGER PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (customer_id),
    subject      TEXT NOT NULL UNIQUE,
    chat_id      INTEGER NOT NULL,
    asked_at     TEXT NOT NULL,
    score        INTEGER CHECK (score BETWEEN 1 AND 5),
    comment      TEXT,
    answered_at  TEXT
);
CREATE INDEX ratings_answered ON ratings (answered_at) WHERE score IS NOT NULL;
CREATE INDEX ratings_customer ON ratings (customer_id);
