-- Customers of a product template's segment left out because they have no open line of the
-- product (issue 9): shown by `broadcast show`.
ALTER TABLE broadcasts ADD COLUMN without_product INTEGER NOT NULL DEFAULT 0;
