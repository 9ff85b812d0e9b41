-- B1: the schedule opens on what a customer looks for first: the lines still
-- owed from the oldest due date (overdue, then upcoming), then the settled
-- ones from the newest. The order is a column with its indexes, so a page is
-- read off an index however long the schedule (the due date as YYYYMMDD:
-- owed lines below 10^8, settled ones above it, newest first).
ALTER TABLE schedule ADD COLUMN attention INTEGER GENERATED ALWAYS AS (
    CASE WHEN paid_cents < amount_cents
        THEN CAST(replace(due_on, '-', '') AS INTEGER)
        ELSE 200000000 - CAST(replace(due_on, '-', '') AS INTEGER)
    END
) VIRTUAL;
CREATE INDEX schedule_attention ON schedule(attention, id);
CREATE INDEX schedule_contract_attention ON schedule(contract_id, attention, id);
