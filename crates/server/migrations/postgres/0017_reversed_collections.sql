-- The book feed's reversals ("deleted": true), kept so that a file sent
-- again reverses nothing twice, while a reversal of a collection the book
-- never had is refused as a bad reference.
CREATE TABLE reversed_collections (
    ext_ref TEXT PRIMARY KEY,
    reversed_at BIGINT NOT NULL
);
