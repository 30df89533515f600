-- The /broadcast wizard (DESIGN §11; issue 12: conversation state lives in the database): the
-- draft each staff chat is writing, and the progress messages the bot keeps editing.
CREATE TABLE broadcast_drafts (
    chat_id     INTEGER PRIMARY KEY,   -- the staff member's private chat (one draft each)
    user_id     INTEGER NOT NULL,
    draft_no    INTEGER NOT NULL,      -- in every button of the draft: an older press is stale
    step        TEXT NOT NULL,
    draft       TEXT NOT NULL,         -- JSON: segment and message drafted so far
    message_id  INTEGER,               -- the wizard's screen, edited in place
    updated_at  TEXT NOT NULL
);

-- Why: a progress message outlives the process that sent it; after a restart it keeps updating.
CREATE TABLE broadcast_progress_messages (
    broadcast_id  INTEGER PRIMARY KEY REFERENCES broadcasts (id),
    chat_id       INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    language      TEXT NOT NULL,       -- the staff member's language, for the texts
    finished      INTEGER NOT NULL DEFAULT 0
);
