-- An idempotency key whose write may have reached a platform keeps what must
-- be checked to settle it (the intent); a key is UNKNOWN until a look at the
-- platform settles it. The partial index finds the unsettled keys.
ALTER TABLE idempotency ADD COLUMN intent BLOB;

CREATE INDEX idempotency_unsettled ON idempotency (org, created_ns, key) WHERE intent IS NOT NULL;
