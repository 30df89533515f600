-- Crashes lose nothing (issue 8).
--
-- A change to what ETAs are computed from (products, purchase orders, order lines) marks its SKUs in
-- the same transaction; the transaction that saves a recompute of a SKU from data at least that new
-- clears the mark. A process that dies between its data commit and its recompute leaves the mark,
-- and the running bot (each second: at once when that process is gone, else after a grace) or the
-- next start recomputes what it names. Rows are kept once cleared: a recompute that read older data
-- must see that the SKU changed after its read.
CREATE TABLE eta_marks (
    sku         TEXT PRIMARY KEY,             -- '*' stands for every SKU
    marked      INTEGER NOT NULL,             -- the change (a rising number) that touched it last
    recomputed  INTEGER NOT NULL DEFAULT 0,   -- the latest change a saved recompute had read
    marked_by   TEXT NOT NULL,                -- the writing process ('host/pid'), which recomputes
    marked_at   REAL NOT NULL                 -- when (wall-clock epoch seconds)
);
CREATE INDEX eta_marks_marked ON eta_marks (marked);
CREATE INDEX eta_marks_pending ON eta_marks (sku) WHERE marked > recomputed;

-- Each outbox row is claimed by one sender just before it is sent, for a while (wall-clock epoch
-- seconds, not the business clock, which may be frozen); sent, retried and failed rows are only
-- recorded by the sender holding them. A crashed sender's claims expire, or are dropped at once by
-- a sender on the same machine that sees its process is gone.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_expires_at REAL;
CREATE INDEX outbox_claimed ON outbox (chat_id) WHERE claimed_by IS NOT NULL;
