-- A notice nobody received is retried when its customer becomes reachable (a chat is linked or
-- unblocks the bot): it leaves the staff list and the sweep decides a fresh one.

ALTER TABLE notice_log ADD COLUMN retried_at TEXT;   -- handed back to the sweep at (NULL: still listed)

-- Why: a notice decided while no chat was linked was once kept as told; the latest one of each open
-- order goes through the settling job now, which restores the order's state before it (no valid
-- notice was given) and lists it for staff.
UPDATE notice_log SET delivery = 'pending'
 WHERE delivery = 'no_chat' AND state_before IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM notice_log AS n WHERE n.order_id = notice_log.order_id
                                                    AND n.id > notice_log.id)
   AND EXISTS (SELECT 1 FROM order_lines AS l WHERE l.order_id = notice_log.order_id
                                               AND l.status = 'open');
