-- A9: what a sub-user may do besides looking (comma-separated codes:
-- requests, shop, bank). Sub-users made before keep every right they had;
-- the main user's own row is not read (it may do everything).
ALTER TABLE users ADD COLUMN rights TEXT NOT NULL DEFAULT 'requests,shop,bank';
