-- Failed logins per username as typed (known or not) and per client address.
-- Past the limit the key is refused for a while that doubles with each lock
-- of the same episode and lifts by itself; no lock is permanent, so nobody
-- can lock another customer out for good. Keys are SHA-256 hashes.
CREATE TABLE login_failures (
    scope TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    -- Wrong passwords since the last lock (or the episode's start).
    failures BIGINT NOT NULL,
    -- Locks in this episode: the next one lasts 2^locks times the first.
    locks BIGINT NOT NULL,
    -- Milliseconds; 0 when not locked.
    locked_until BIGINT NOT NULL,
    -- Milliseconds; an episode ends a day after its last failure.
    last_failure BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX login_failures_last ON login_failures (last_failure);
