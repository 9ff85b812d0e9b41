-- X1, X2: new versions of the desktop, published on this server. A release
-- reaches `share` % of installations (staging) until it is withdrawn; each
-- platform's bundle is stored here in chunks, where every instance reads it,
-- with the updater's signature and the bundle's SHA-256.
CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    notes_it TEXT NOT NULL,
    notes_en TEXT NOT NULL,
    share BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE TABLE release_bundles (
    release_id BIGINT NOT NULL REFERENCES releases(id),
    target TEXT NOT NULL,
    name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (release_id, target)
);
CREATE TABLE release_chunks (
    release_id BIGINT NOT NULL,
    target TEXT NOT NULL,
    seq BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (release_id, target, seq)
);
-- The version each installation last asked from: counts of versions in use,
-- nothing about who uses them (the identifier is random, made by the desktop).
CREATE TABLE installations (
    id TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    version TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX installations_by_version ON installations(version);
