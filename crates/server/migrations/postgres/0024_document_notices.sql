-- C3: a notice about a newly published contract document opens its contract.
ALTER TABLE notifications ADD COLUMN contract_id BIGINT;
