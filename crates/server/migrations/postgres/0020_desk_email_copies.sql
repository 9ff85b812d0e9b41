-- Whether a user gets an e-mail copy of the service desk's replies and
-- status changes on their requests (on unless they turn it off).
ALTER TABLE users ADD COLUMN desk_emails INTEGER NOT NULL DEFAULT 1;
