-- The normalized projection of every case. The columns that lists filter and
-- sort on are real columns, and fingerprint is a hash of the case's JSON so
-- that an unchanged case is recognised without decoding it. The JSON itself
-- lives in case_docs: kept out of these rows, it leaves them small, so that
-- filtering and counting read few pages, and a list reads the documents of
-- the page's cases only.
CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    org         TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    case_id     TEXT    NOT NULL,
    shop_id     TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    market      TEXT    NOT NULL,
    updated_ns  INTEGER NOT NULL,
    created_ns  INTEGER NOT NULL,
    -- store.NoDeadline when the case has no respondBy deadline, so that such
    -- cases sort last in RESPOND_BY_ASC without NULL handling.
    respond_ns  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    synced_ns   INTEGER NOT NULL,
    fingerprint BLOB    NOT NULL,
    UNIQUE (org, platform, case_id)
);

-- The whole case as JSON (encoding/json of returns.Case, normalized, without
-- Version and SyncedAt, which are the columns above).
CREATE TABLE case_docs (
    id  INTEGER PRIMARY KEY REFERENCES cases (id),
    doc BLOB    NOT NULL
);

-- One index per list order, each ending with the key that breaks ties, so
-- that keyset pagination walks an index and never sorts.
CREATE INDEX cases_by_updated ON cases (org, updated_ns, platform, case_id);
CREATE INDEX cases_by_respond ON cases (org, respond_ns, platform, case_id);
CREATE INDEX cases_by_created ON cases (org, created_ns, platform, case_id);
CREATE INDEX cases_by_order   ON cases (org, order_id);
CREATE INDEX cases_by_status  ON cases (org, status, updated_ns);

-- A number that every write of a case moves on, in the same transaction, so
-- that a reader can tell whether an organisation's cases changed since it
-- last counted them.
CREATE TABLE org_generations (
    org        TEXT    PRIMARY KEY,
    generation INTEGER NOT NULL
) WITHOUT ROWID;

-- The append-only event log. AUTOINCREMENT guarantees that a sequence number
-- is never handed out twice, even if the newest rows were ever removed.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    org         TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    case_id     TEXT    NOT NULL,
    prev_status TEXT,
    status      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    occurred_ns INTEGER NOT NULL,
    detail      BLOB,
    FOREIGN KEY (org, platform, case_id) REFERENCES cases (org, platform, case_id)
);
CREATE INDEX events_by_org ON events (org, seq);

CREATE TABLE idempotency (
    org          TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    response     BLOB,
    created_ns   INTEGER NOT NULL,
    PRIMARY KEY (org, key)
) WITHOUT ROWID;

CREATE TABLE cursors (
    org        TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_ns INTEGER NOT NULL,
    PRIMARY KEY (org, name)
) WITHOUT ROWID;
