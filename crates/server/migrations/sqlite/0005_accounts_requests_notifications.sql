-- Accounts (A1–A3, A5, A6, A8, A9, B5), self-service requests (S1–S5),
-- notifications (H4), operators and the audit log (O1).

-- The customer number people log in with (the primary user's username).
ALTER TABLE customers ADD COLUMN code TEXT;
UPDATE customers SET code = (SELECT MIN(u.username) FROM users u WHERE u.customer_id = customers.id);
CREATE UNIQUE INDEX customers_code ON customers(code);
-- private | professional | company (companies and credit institutions)
ALTER TABLE customers ADD COLUMN category TEXT NOT NULL DEFAULT 'company';
-- pending while a registration by category waits for an operator; active; rejected
ALTER TABLE customers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE customers ADD COLUMN paper_invoices BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN agreement_code TEXT;

ALTER TABLE users ADD COLUMN parent_id BIGINT REFERENCES users(id);
ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN secondary_email TEXT;
-- Set by a temporary password (invitation, registration): the first login must choose one.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_expires_at BIGINT;
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN deleted_at BIGINT;

CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contract_id BIGINT REFERENCES contracts(id),
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    superseded_at BIGINT
);
CREATE INDEX registrations_customer ON registrations(customer_id, created_at);

-- One-time proofs sent by e-mail: invitation links, password resets,
-- confirmations of a new e-mail address. Only hashes are stored.
CREATE TABLE account_tokens (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    link_hash TEXT UNIQUE,
    code_hash TEXT,
    new_email TEXT,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens(user_id);

CREATE TABLE agreements (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
INSERT INTO agreements (code, name) VALUES
    ('ING-PC', 'Ordine degli Ingegneri della Provincia di Piacenza'),
    ('GEOM-PC', 'Collegio dei Geometri di Piacenza'),
    ('NOT-ER', 'Notai dell''Emilia-Romagna');

CREATE TABLE agreement_requests (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    agreement_code TEXT NOT NULL REFERENCES agreements(code),
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);

CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE operator_tokens (
    token_hash TEXT PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operators(id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Yearly numbering of request codes (RIC-2026-000123) and published invoices.
CREATE TABLE counters (
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (name, year)
);

-- details: the kind's own fields as JSON (see the domain's RequestDetails).
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    contract_id BIGINT REFERENCES contracts(id),
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX requests_customer ON requests(customer_id, updated_at);

CREATE TABLE request_messages (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests(id),
    author TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    operator_id BIGINT REFERENCES operators(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX request_messages_request ON request_messages(request_id, id);

-- The bytes live in the data folder under attachments/<id>; sha256 is re-checked on download.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    message_id BIGINT REFERENCES request_messages(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

-- Replays of a create with the same Idempotency-Key return the first answer.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users(id),
    idem_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- customer_id NULL: a company broadcast to every customer.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT REFERENCES customers(id),
    kind TEXT NOT NULL,
    request_id BIGINT REFERENCES requests(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_customer ON notifications(customer_id, id);

CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

-- The sync cursor: every change a customer can see, in order (customer_id NULL: everyone).
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    customer_id BIGINT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX changes_customer ON changes(customer_id, seq);

-- Who changed what, when and from where. Never secrets.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL,
    client TEXT NOT NULL
);

ALTER TABLE invoices ADD COLUMN published_at BIGINT;
UPDATE invoices SET published_at = 0;
