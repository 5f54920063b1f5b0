-- Evidence files the seller attaches to a case, bytes included (the store
-- contract keeps files in the database so that every replica serves them),
-- the bytes each organisation's evidence takes (its quota is checked against
-- this row in the transaction that adds a file), and the seller's escalation
-- of a case to the platform's mediation. Times are unix nanoseconds.
CREATE TABLE evidence (
    org          TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    case_id      TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('PHOTO', 'LOGISTICS_RECORD', 'CHAT_EXCERPT', 'CONTRACT', 'INVOICE', 'OTHER')),
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       TEXT    NOT NULL,
    uploaded_ns  INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (org, id)
);
CREATE INDEX evidence_by_case ON evidence (org, platform, case_id, uploaded_ns);

CREATE TABLE evidence_usage (
    org   TEXT    NOT NULL PRIMARY KEY,
    bytes INTEGER NOT NULL CHECK (bytes >= 0)
);

CREATE TABLE escalations (
    org          TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    case_id      TEXT    NOT NULL,
    at_ns        INTEGER NOT NULL,
    statement    TEXT    NOT NULL,
    evidence_ids TEXT    NOT NULL, -- a JSON array
    uploaded_ids TEXT    NOT NULL, -- a JSON array: those the platform received
    via_api      INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
