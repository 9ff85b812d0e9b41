-- H1: the home adds up the open lines already due, the next due date's lines
-- and the advances of the active contracts. Each of these indexes carries
-- every column its sum reads, the contract included, so the sums walk the
-- index alone (an index-only scan) instead of fetching a table row for each
-- line: half the time for a fleet's book.
DROP INDEX schedule_entries_open_due;
CREATE INDEX schedule_entries_open_due ON schedule_entries(customer_id, due_on, contract_id, amount_cents, paid_cents)
    WHERE paid_cents < amount_cents;
DROP INDEX schedule_entries_advances;
CREATE INDEX schedule_entries_advances ON schedule_entries(customer_id, contract_id, amount_cents, paid_cents)
    WHERE kind = 'advance';
-- The customer's active contracts, newest signed first (the home's panel),
-- and their ids for the sums above, off one index.
CREATE INDEX contracts_customer_status ON contracts(customer_id, status, signed_on, id);
