-- The book feed (O2): the company's leasing system keys every record by its
-- own identifier (`ext_ref`), so a file sent twice changes nothing and a
-- corrected record replaces the one it corrects. Rows made before the feed
-- (demo, generated books) have none.
ALTER TABLE contracts ADD COLUMN annual_rate TEXT;
ALTER TABLE contracts ADD COLUMN timing TEXT;
-- The reference index's value the contract was priced at; rate fixes of the
-- same index move the plan's indexation from it.
ALTER TABLE contracts ADD COLUMN base_index TEXT;
ALTER TABLE schedule_entries ADD COLUMN ext_ref TEXT;
CREATE UNIQUE INDEX schedule_entries_ext_ref ON schedule_entries(ext_ref);
ALTER TABLE payments ADD COLUMN ext_ref TEXT;
ALTER TABLE payments ADD COLUMN method TEXT;
CREATE UNIQUE INDEX payments_ext_ref ON payments(ext_ref);
ALTER TABLE assets ADD COLUMN ext_ref TEXT;
CREATE UNIQUE INDEX assets_ext_ref ON assets(ext_ref);

-- Values of a reference index (e.g. "Euribor 3 m.l. (div.360)") from a date on.
CREATE TABLE rate_fixes (
    reference_rate TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (reference_rate, valid_from)
);

-- Invoices and collections announced to the customer, so an import that is
-- sent again never announces them twice.
ALTER TABLE notifications ADD COLUMN invoice_id BIGINT REFERENCES invoices(id);
ALTER TABLE notifications ADD COLUMN entry_id BIGINT REFERENCES schedule_entries(id);
