-- Customers' files live in the database, where every instance reads them:
-- each attachment's bytes in chunks of up to 256 KiB, in order. Files an
-- older version kept under <data_dir>/attachments are moved in at start.
CREATE TABLE file_chunks (
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    seq BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
CREATE INDEX attachments_by_customer ON attachments (customer_id, created_at);
