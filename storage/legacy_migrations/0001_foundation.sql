-- Foundation schema: catalogue, orders, supply, chat links, computed ETAs, audit.
-- Money is integer minor units; dates are ISO 'YYYY-MM-DD'; timestamps ISO-8601 with offset.

CREATE TABLE products (
    sku             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    category        TEXT,
    price_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    on_hand         INTEGER NOT NULL CHECK (on_hand >= 0),
    lead_time_days  INTEGER CHECK (lead_time_days >= 0),
    handling_days   INTEGER CHECK (handling_days >= 0),
    supplier        TEXT,
    alternatives    TEXT NOT NULL DEFAULT ''   -- SKUs joined by '|'
);
CREATE INDEX products_category ON products (category);

CREATE TABLE customers (
    customer_id  TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT,
    phone        TEXT,
    phone_digits TEXT,            -- phone reduced to digits, for contact matching
    language     TEXT,            -- from the orders CSV
    timezone     TEXT,
    chosen_language TEXT          -- set by the customer with /language
);
CREATE INDEX customers_phone_digits ON customers (phone_digits);

CREATE TABLE orders (
    order_id            TEXT PRIMARY KEY,
    customer_id         TEXT NOT NULL REFERENCES customers (customer_id),
    placed_at           TEXT NOT NULL,
    placed_at_utc       TEXT NOT NULL,  -- normalised for ordering
    currency            TEXT NOT NULL,
    promised_ship_date  TEXT,
    jurisdiction        TEXT CHECK (jurisdiction IN ('US', 'EU', 'UK')),
    priority            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_lines (
    order_id          TEXT NOT NULL REFERENCES orders (order_id),
    line_no           INTEGER NOT NULL,
    sku               TEXT NOT NULL REFERENCES products (sku),
    quantity          INTEGER NOT NULL CHECK (quantity >= 1),
    unit_price_minor  INTEGER NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'shipped', 'cancelled')),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
CREATE INDEX order_lines_open_sku ON order_lines (sku) WHERE status = 'open';

CREATE TABLE purchase_orders (
    po_id              TEXT PRIMARY KEY,
    sku                TEXT NOT NULL REFERENCES products (sku),
    quantity           INTEGER NOT NULL CHECK (quantity >= 1),
    received_quantity  INTEGER NOT NULL DEFAULT 0 CHECK (received_quantity >= 0),
    expected_date      TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'planned', 'cancelled')),
    supplier           TEXT
);
CREATE INDEX purchase_orders_sku ON purchase_orders (sku);

CREATE TABLE line_etas (
    order_id             TEXT NOT NULL,
    line_no              INTEGER NOT NULL,
    sku                  TEXT NOT NULL,
    available_date       TEXT,
    ship_date            TEXT,
    confidence           TEXT NOT NULL CHECK (confidence IN ('in_stock', 'confirmed', 'planned', 'estimate', 'unknown')),
    waiting_for_po_date  TEXT,
    lead_time_days       INTEGER,
    computed_on          TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
CREATE INDEX line_etas_sku ON line_etas (sku);

CREATE TABLE chat_links (
    chat_id      INTEGER PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (customer_id),
    via          TEXT NOT NULL CHECK (via IN ('deep_link', 'order_contact', 'contact')),
    linked_at    TEXT NOT NULL
);
CREATE INDEX chat_links_customer ON chat_links (customer_id);

CREATE TABLE chat_prefs (
    chat_id   INTEGER PRIMARY KEY,
    language  TEXT
);

CREATE TABLE link_attempts (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    attempted_at TEXT NOT NULL   -- UTC ISO-8601
);
CREATE INDEX link_attempts_chat ON link_attempts (chat_id, attempted_at);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,      -- 'customer:<id>', 'chat:<id>', 'staff:<id>', 'cli', 'system'
    action  TEXT NOT NULL,      -- e.g. 'product.upsert', 'chat.link'
    entity  TEXT NOT NULL,      -- e.g. 'product:SKU-1', 'order:1042'
    before  TEXT,               -- JSON of the previous value, NULL when new
    after   TEXT                -- JSON of the new value
);
CREATE INDEX audit_log_entity ON audit_log (entity);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
