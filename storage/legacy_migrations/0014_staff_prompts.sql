-- Staff typed input (DESIGN §10; issue 12: conversation state lives in the database, not in one
-- process's memory): what a staff member's private chat is waiting for them to type.
CREATE TABLE staff_prompts (
    chat_id     INTEGER PRIMARY KEY,   -- the staff member's private chat
    user_id     INTEGER NOT NULL,      -- the staff member asked (only their text answers it)
    kind        TEXT NOT NULL CHECK (kind IN ('po_date', 'po_receipt', 'on_hand',
                                               'bc_value', 'bc_sku', 'bc_reason', 'bc_text')),
    target      TEXT NOT NULL,         -- the po_id or SKU it is about
    message_id  INTEGER,               -- the screen edited in place once answered
    expires_at  TEXT NOT NULL          -- UTC ISO-8601; an older prompt is gone
);
