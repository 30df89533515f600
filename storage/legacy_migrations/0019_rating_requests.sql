-- Customer satisfaction (DESIGN §12): which orders the bot looked after as backorders, so only
-- those are rated once they close, and the comment a rating's chat may still type.

-- An order seen backordered (an open line not in stock) while its customer had a linked chat.
-- Why: line ETAs of closed lines are dropped and notice states exist for in-stock orders too, so
-- neither tells afterwards whether the bot looked after a backorder; this row does.
CREATE TABLE backordered_orders (
    order_id        TEXT PRIMARY KEY REFERENCES orders (order_id),
    customer_id     TEXT NOT NULL REFERENCES customers (customer_id),
    backordered_at  TEXT NOT NULL,      -- UTC, when first seen backordered with a chat linked
    closed_at       TEXT,               -- UTC, when first seen with no open line
    -- 'asked': a rating question was queued; 'unreachable': no linked chat could be written to
    -- when it closed; 'stale': its turn (one question per customer per day) came too late.
    rating          TEXT CHECK (rating IN ('asked', 'unreachable', 'stale'))
) WITHOUT ROWID;
-- Why: each pass looks only at the orders still waiting to close or to be asked.
CREATE INDEX backordered_orders_waiting ON backordered_orders (closed_at) WHERE rating IS NULL;

-- The chat whose next text is this rating's comment, until when, and the message to tidy then.
ALTER TABLE ratings ADD COLUMN comment_chat_id INTEGER;
ALTER TABLE ratings ADD COLUMN comment_until TEXT;      -- UTC; NULL: no comment awaited
ALTER TABLE ratings ADD COLUMN comment_message_id INTEGER;
CREATE INDEX ratings_comment_chat ON ratings (comment_chat_id) WHERE comment_until IS NOT NULL;
