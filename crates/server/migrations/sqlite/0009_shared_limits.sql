-- Rate-limit windows live in the database, so every instance behind one
-- PostgreSQL counts against the same budget. Keys are SHA-256 hashes: a row
-- has a fixed size whatever a client sends.
CREATE TABLE rate_limits (
    scope TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX rate_limits_end ON rate_limits (window_end);
