-- An admin can disable an operator: its tokens go, and it can no longer log in.
ALTER TABLE operators ADD COLUMN disabled_at BIGINT;
