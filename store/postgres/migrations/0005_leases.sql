-- Leases that expire unless renewed: which replica polls which connection.
-- Expiry is in the database's clock, so replicas' clocks need not agree.
CREATE TABLE leases (
    name       text        PRIMARY KEY,
    holder     text        NOT NULL,
    expires_at timestamptz NOT NULL
);
