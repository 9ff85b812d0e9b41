-- The cart and the quote cart (E2, E4): local until checkout, so they
-- survive a restart and work offline. kind: order | quote
CREATE TABLE cart (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    service_code TEXT NOT NULL,
    form TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
