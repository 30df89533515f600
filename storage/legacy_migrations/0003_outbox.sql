-- Durable outbox of proactive messages, and the chats that blocked the bot.
-- Timestamps are fixed-width UTC text ('YYYY-MM-DDTHH:MM:SS.ffffffZ') so they compare as text.

CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    dedupe_key           TEXT NOT NULL UNIQUE,
    chat_id              INTEGER NOT NULL,
    customer_id          TEXT,
    text                 TEXT NOT NULL,            -- HTML, already in the customer's language
    buttons              TEXT NOT NULL DEFAULT '[]', -- JSON rows of {"text", "callback_data"}
    urgent               INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    not_before           TEXT,                     -- quiet-hours hold
    created_at           TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sent', 'failed', 'dropped_unreachable')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT,                     -- retry backoff
    due_at               TEXT NOT NULL,            -- max(created_at, not_before, next_attempt_at)
    last_error           TEXT,
    sent_at              TEXT,
    telegram_message_id  INTEGER
);
-- Why: the dispatcher reads due pending rows in creation order, and each chat's pending rows in order.
CREATE INDEX outbox_pending ON outbox (status, id);
CREATE INDEX outbox_pending_chat ON outbox (chat_id, id) WHERE status = 'pending';

CREATE TABLE unreachable_chats (
    chat_id   INTEGER PRIMARY KEY,
    since     TEXT NOT NULL,
    reason    TEXT NOT NULL
);
