-- Deep links name an order by its short internal handle (bot.domain.handles), never by the shop's id:
-- a shop's ids may be longer than a /start payload can carry. The handle is bot.domain.handles'
-- handle('order', order_id), registered on the connection as the SQL function order_handle() for
-- this fill, and indexed so a deep link resolves with one lookup.

ALTER TABLE orders ADD COLUMN link_handle TEXT;
UPDATE orders SET link_handle = order_handle(order_id);
CREATE INDEX orders_link_handle ON orders (link_handle);
