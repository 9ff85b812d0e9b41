-- The desktop's local copy of one account's data. Each row keeps the API's
-- JSON as it came (`body`) plus the columns the app filters and sorts on.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Single documents: home, profile, self-service context, sub-users list.
CREATE TABLE documents (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    end_on TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE plan_rows (
    contract_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (contract_id, seq)
);

CREATE TABLE schedule (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX schedule_due ON schedule(due_on DESC, id DESC);
CREATE INDEX schedule_contract ON schedule(contract_id, due_on DESC);

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    issued_on TEXT NOT NULL,
    contract_id INTEGER,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX invoices_issued ON invoices(issued_on DESC, id DESC);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    last_action_at TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    read INTEGER NOT NULL,
    body TEXT NOT NULL
);

-- What the user wrote, kept until the server has it. `idem_key` goes out as
-- Idempotency-Key on every try, so a retry can never file it twice.
-- state: queued | sent | rejected
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    response TEXT
);
