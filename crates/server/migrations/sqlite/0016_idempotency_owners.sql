-- Operators send Idempotency-Key too: a key now belongs to an owner,
-- "user:<id>" or "operator:<id>", instead of a customer user only.
CREATE TABLE idempotency (
    owner TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created_at BIGINT NOT NULL,
    claim_token TEXT,
    lease_until BIGINT,
    resource TEXT,
    PRIMARY KEY (owner, idem_key)
);
INSERT INTO idempotency (owner, idem_key, body_hash, status_code, response, created_at, claim_token, lease_until, resource)
    SELECT 'user:' || CAST(user_id AS TEXT), idem_key, body_hash, status_code, response, created_at, claim_token, lease_until, resource
    FROM idempotency_keys;
DROP TABLE idempotency_keys;
CREATE INDEX idempotency_age ON idempotency (created_at);

-- Fiscal numbering: the FatturaPA progressive is a counter row, taken in
-- the document's own transaction (year 0: it never restarts).
INSERT INTO counters (name, year, last)
    SELECT 'fatturapa_progressive', 0, COALESCE(MAX(progressive), 0) FROM invoices;
