-- Organisations and their API keys. A key is stored as the SHA-256 of the
-- whole key, never the key; its id (the public part) finds the row, and the
-- hashes are then compared in constant time.
CREATE TABLE orgs (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,
    org          TEXT    NOT NULL REFERENCES orgs (id),
    name         TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    scopes       TEXT    NOT NULL, -- space-separated
    created_ns   INTEGER NOT NULL,
    last_used_ns INTEGER,
    revoked_ns   INTEGER
) WITHOUT ROWID;
CREATE INDEX api_keys_by_org ON api_keys (org, created_ns);
