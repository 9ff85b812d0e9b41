-- H1: the home adds up a customer's advances; they are read off this index
-- (one a contract) instead of the customer's whole schedule.
CREATE INDEX schedule_entries_advances ON schedule_entries(customer_id) WHERE kind = 'advance';
