-- A customer's contracts are paged in id order: PostgreSQL's generic plan
-- walked the primary key and filtered out every other customer's contract.
CREATE INDEX contracts_customer_id ON contracts(customer_id, id);
DROP INDEX contracts_customer;
-- Each claim of an idempotency key prunes its owner's keys older than a day:
-- read off this index, not from all of the owner's keys.
CREATE INDEX idempotency_owner_age ON idempotency(owner, created_at);
