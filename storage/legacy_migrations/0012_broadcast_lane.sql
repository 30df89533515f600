-- Broadcasts share the outbox with notices but ride a lower-priority lane (DESIGN §1, §11):
-- a row with a broadcast_id is a broadcast copy; a row without one (notices, alerts) goes first.
-- A customer gets at most one copy per broadcast: the dedupe key names the broadcast and customer.
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER;   -- NULL: a notice or alert (the first lane)

-- Why: the dispatcher reads the pending notices first, then the pending broadcast rows, in id order,
-- and a broadcast's progress counts its rows by status.
CREATE INDEX outbox_pending_lane ON outbox (status, (broadcast_id IS NOT NULL), id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
