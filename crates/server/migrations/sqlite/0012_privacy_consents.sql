-- E6: every consent a user gives or withdraws, kept as a history; what
-- stands is each kind's latest row.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    granted BIGINT NOT NULL,
    decided_at BIGINT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX consents_user ON consents (user_id, decided_at);
