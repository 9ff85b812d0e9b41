-- E8: an advance payment's proof names the order it pays; that order waits
-- in 'awaiting_payment' until the proof is confirmed.
ALTER TABLE payment_proofs ADD COLUMN order_id BIGINT REFERENCES orders(id);
CREATE INDEX payment_proofs_order ON payment_proofs(order_id);
