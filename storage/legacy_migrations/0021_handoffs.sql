-- Hand-off to a person (DESIGN §12): one forum topic per customer in the support chat, the
-- conversations held in it (opened and closed, by whom), and every message relayed, so a replayed
-- update (the update inbox handles updates at least once) is not copied twice.
CREATE TABLE support_topics (
    support_chat_id  INTEGER NOT NULL,
    customer_id      TEXT NOT NULL REFERENCES customers (customer_id),
    thread_id        INTEGER NOT NULL,      -- the topic's message_thread_id
    created_at       TEXT NOT NULL,
    PRIMARY KEY (support_chat_id, customer_id),
    UNIQUE (support_chat_id, thread_id)
);

CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers (customer_id),
    support_chat_id  INTEGER NOT NULL,
    thread_id        INTEGER NOT NULL,
    opened_at        TEXT NOT NULL,
    opened_by        TEXT NOT NULL,         -- audit actor: customer:<id>
    closed_at        TEXT,                  -- NULL while open
    closed_by        TEXT,                  -- audit actor: staff:<user id>
    customer_told    INTEGER NOT NULL DEFAULT 0  -- "your message reached the team" shown
);
CREATE UNIQUE INDEX handoffs_one_open ON handoffs (customer_id) WHERE closed_at IS NULL;
CREATE INDEX handoffs_thread ON handoffs (support_chat_id, thread_id);
CREATE INDEX handoffs_customer ON handoffs (customer_id);

CREATE TABLE handoff_relays (
    from_chat_id     INTEGER NOT NULL,
    from_message_id  INTEGER NOT NULL,
    handoff_id       INTEGER NOT NULL REFERENCES handoffs (id),
    claimed_at       TEXT NOT NULL,
    to_chat_id       INTEGER,               -- NULL until the copy was made
    copy_message_id  INTEGER,
    PRIMARY KEY (from_chat_id, from_message_id)
);
