-- The contract's terms (C2) and its amortization plan (C4).
ALTER TABLE contracts ADD COLUMN beneficiary_code TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN beneficiary TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN iban TEXT;
ALTER TABLE contracts ADD COLUMN reference_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN subsidy TEXT NOT NULL DEFAULT '';
ALTER TABLE contracts ADD COLUMN periodicity TEXT NOT NULL DEFAULT 'monthly';
ALTER TABLE contracts ADD COLUMN installments BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN installment_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contracts ADD COLUMN duration_months BIGINT NOT NULL DEFAULT 0;

-- seq orders the rows as the plan shows them (indexation rows sit between installments).
CREATE TABLE plan_rows (
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    seq BIGINT NOT NULL,
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    principal_cents BIGINT NOT NULL,
    interest_cents BIGINT NOT NULL,
    outstanding_cents BIGINT NOT NULL,
    payment_method TEXT NOT NULL,
    accrual_start TEXT NOT NULL,
    accrual_end TEXT NOT NULL,
    collected_on TEXT,
    PRIMARY KEY (contract_id, seq)
);
