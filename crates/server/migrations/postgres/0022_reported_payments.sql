-- B1: when the customer said a line was paid by transfer, until its
-- collection arrives through the book feed.
ALTER TABLE schedule_entries ADD COLUMN reported_at BIGINT;
