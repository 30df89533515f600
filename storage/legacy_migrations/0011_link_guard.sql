-- Linking by order number is limited per typed number across chats too (issue 8): the failed
-- attempts by that number, and when its latest lockout began (staff are alerted once each).

CREATE TABLE order_link_attempts (
    id            INTEGER PRIMARY KEY,
    order_key     TEXT NOT NULL,   -- the typed number's lookup key, whether or not the order exists
    chat_id       INTEGER NOT NULL,
    attempted_at  TEXT NOT NULL    -- UTC ISO-8601
);
CREATE INDEX order_link_attempts_key ON order_link_attempts (order_key, attempted_at);

CREATE TABLE order_link_lockouts (
    order_key  TEXT PRIMARY KEY,
    locked_at  TEXT NOT NULL       -- UTC ISO-8601: when the latest lockout began
);
