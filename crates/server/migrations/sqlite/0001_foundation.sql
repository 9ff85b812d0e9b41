-- Portable schema: the PostgreSQL twin differs only in how ids are generated.
-- Money is stored as whole cents (BIGINT), dates as ISO text (YYYY-MM-DD),
-- instants as milliseconds since the Unix epoch (UTC).
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    tax_code TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'it',
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE login_challenges (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    consumed_at BIGINT,
    created_at BIGINT NOT NULL
);

-- A session is one refresh-token family: rotating tokens share it, and reuse
-- of a rotated token revokes the whole family.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason TEXT
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX access_tokens_session ON access_tokens(session_id);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contract_no TEXT NOT NULL,
    module_no TEXT NOT NULL,
    product TEXT NOT NULL,
    status TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    advance_cents BIGINT NOT NULL,
    residual_cents BIGINT NOT NULL,
    UNIQUE (contract_no, module_no)
);
CREATE INDEX contracts_customer ON contracts(customer_id);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    code TEXT NOT NULL,
    asset_type TEXT NOT NULL,
    description TEXT NOT NULL,
    financial_value_cents BIGINT NOT NULL,
    future_value_cents BIGINT NOT NULL
);
CREATE INDEX assets_contract ON assets(contract_id);

-- kind: advance | installment | residual
CREATE TABLE schedule_entries (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    installment_no BIGINT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    payment_method TEXT NOT NULL
);
CREATE INDEX schedule_entries_contract_due ON schedule_entries(contract_id, due_on);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES schedule_entries(id),
    amount_cents BIGINT NOT NULL,
    collected_on TEXT NOT NULL
);
CREATE INDEX payments_entry ON payments(entry_id);
