-- Where invoices go (address on the document, SDI code or PEC for delivery),
-- invoices and credit notes with their lines, and the schedule line each pays.
ALTER TABLE customers ADD COLUMN street TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN province TEXT;
ALTER TABLE customers ADD COLUMN country TEXT NOT NULL DEFAULT 'IT';
ALTER TABLE customers ADD COLUMN sdi_code TEXT NOT NULL DEFAULT '0000000';
ALTER TABLE customers ADD COLUMN pec TEXT;

-- kind: invoice | credit_note. Totals are stored as computed from the lines
-- when issued, for lists and indexes; documents recompute them from the lines.
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contract_id BIGINT REFERENCES contracts(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    progressive BIGINT NOT NULL UNIQUE,
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    reason TEXT,
    corrects_id BIGINT REFERENCES invoices(id),
    taxable_cents BIGINT NOT NULL,
    vat_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL
);
CREATE INDEX invoices_customer_issued ON invoices(customer_id, issued_on);

CREATE TABLE invoice_lines (
    invoice_id BIGINT NOT NULL REFERENCES invoices(id),
    seq BIGINT NOT NULL,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    vat_rate TEXT NOT NULL,
    nature TEXT,
    period_start TEXT,
    period_end TEXT,
    PRIMARY KEY (invoice_id, seq)
);

ALTER TABLE schedule_entries ADD COLUMN invoice_id BIGINT REFERENCES invoices(id);
