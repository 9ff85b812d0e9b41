-- Second factor by authenticator app (RFC 6238): a choice for customers,
-- required of operators. The owner is 'user:<id>' or 'operator:<id>'.
-- enabled_at stays NULL until a first code proves the app holds the secret;
-- last_step is the newest step whose code was accepted, so no code is taken twice.
CREATE TABLE authenticators (
    owner TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One-time codes for a lost phone, stored as hashes only.
CREATE TABLE recovery_codes (
    owner TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (owner, code_hash)
);

-- Which code the second step of a login asks for.
ALTER TABLE login_challenges ADD COLUMN factor TEXT NOT NULL DEFAULT 'email_code';
