-- A key whose write may have reached a platform keeps what must be checked
-- to settle it (the intent); the partial index finds the unsettled keys.
ALTER TABLE idempotency ADD COLUMN intent bytea;
CREATE INDEX idempotency_unsettled ON idempotency (org, created_ns, key) WHERE intent IS NOT NULL;
