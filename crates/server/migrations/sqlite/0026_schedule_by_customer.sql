-- B1: a customer's schedule is read a page at a time, newest due date first,
-- and its overdue total on every page. Each line carries its contract's
-- customer (a contract never changes customer: the feed refuses it), so a
-- page is one range of one index instead of a sort of the whole book, and
-- the overdue total reads only the open lines already due.
ALTER TABLE schedule_entries ADD COLUMN customer_id BIGINT NOT NULL DEFAULT 0;
UPDATE schedule_entries SET customer_id = (SELECT c.customer_id FROM contracts c WHERE c.id = schedule_entries.contract_id);
CREATE INDEX schedule_entries_customer_due ON schedule_entries(customer_id, due_on, id);
CREATE INDEX schedule_entries_open_due ON schedule_entries(customer_id, due_on, amount_cents, paid_cents)
    WHERE paid_cents < amount_cents;
-- One contract's page: the same order within the contract.
DROP INDEX schedule_entries_contract_due;
CREATE INDEX schedule_entries_contract_due ON schedule_entries(contract_id, due_on, id);
-- The invoice list's order (issued_on, id), the whole key in the index.
DROP INDEX invoices_customer_issued;
CREATE INDEX invoices_customer_issued ON invoices(customer_id, issued_on, id);
