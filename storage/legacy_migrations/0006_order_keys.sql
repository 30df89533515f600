-- Order numbers as customers type them: a normalised, indexed lookup key beside the shop's own id
-- ("#1001" is shown as the shop names it and found by "1001"). The key is bot.domain.order_number's
-- order_key(), registered on the connection as the SQL function order_key() for this fill.

ALTER TABLE orders ADD COLUMN order_key TEXT;
UPDATE orders SET order_key = order_key(order_id);
CREATE INDEX orders_order_key ON orders (order_key);
