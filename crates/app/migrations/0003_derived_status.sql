-- The figures a row's status and the copy's checksums are computed from, as
-- whole cents: a line's status (due, overdue, paid) is derived when it is
-- read, on that day's date, never kept as it was on the day of the sync.
ALTER TABLE schedule ADD COLUMN amount_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedule ADD COLUMN paid_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedule ADD COLUMN advance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN amount_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN total_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN value_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN future_cents INTEGER NOT NULL DEFAULT 0;
-- A copy made before these columns existed is synced again from the start.
DELETE FROM meta WHERE key LIKE 'first_sync.%';
