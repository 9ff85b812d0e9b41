-- E-mails are queued in the transaction of the change they tell about and
-- sent afterwards by a worker (any instance), with retries and backoff.
CREATE TABLE mail_queue (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease_until BIGINT,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (next_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A claim holds its key for a lease and is known by its token; the change it
-- made is written as its resource in that change's own transaction.
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT;
ALTER TABLE idempotency_keys ADD COLUMN lease_until BIGINT;
ALTER TABLE idempotency_keys ADD COLUMN resource TEXT;
