-- The same model as store/sqlite's, in PostgreSQL's types. Times are
-- nanoseconds since the Unix epoch (bigint), so both backends compare and
-- page by the same integers.
CREATE TABLE cases (
    id          bigserial PRIMARY KEY,
    org         text      NOT NULL,
    platform    text      NOT NULL,
    case_id     text      NOT NULL,
    shop_id     text      NOT NULL,
    order_id    text      NOT NULL,
    kind        text      NOT NULL,
    status      text      NOT NULL,
    reason      text      NOT NULL,
    market      text      NOT NULL,
    updated_ns  bigint    NOT NULL,
    created_ns  bigint    NOT NULL,
    respond_ns  bigint    NOT NULL,
    version     bigint    NOT NULL,
    synced_ns   bigint    NOT NULL,
    fingerprint bytea     NOT NULL,
    doc         bytea     NOT NULL,
    UNIQUE (org, platform, case_id)
);
-- The document is read only for the page's rows; keep it out of line.
ALTER TABLE cases ALTER COLUMN doc SET STORAGE EXTERNAL;

CREATE INDEX cases_by_updated ON cases (org, updated_ns, platform, case_id);
CREATE INDEX cases_by_respond ON cases (org, respond_ns, platform, case_id);
CREATE INDEX cases_by_created ON cases (org, created_ns, platform, case_id);
CREATE INDEX cases_by_order   ON cases (org, order_id);
CREATE INDEX cases_by_status  ON cases (org, status, updated_ns);

-- The event log. Sequence numbers come from a sequence, but only while the
-- writer holds the log's advisory lock (see appendEvent), so that they are
-- committed in the order they are handed out and a reader that has seen
-- seq N never later finds a committed event below N.
CREATE TABLE events (
    seq         bigserial PRIMARY KEY,
    org         text      NOT NULL,
    platform    text      NOT NULL,
    case_id     text      NOT NULL,
    prev_status text,
    status      text      NOT NULL,
    source      text      NOT NULL,
    occurred_ns bigint    NOT NULL,
    detail      bytea
);
CREATE INDEX events_by_org ON events (org, seq);

CREATE TABLE idempotency (
    org          text   NOT NULL,
    key          text   NOT NULL,
    request_hash text   NOT NULL,
    state        text   NOT NULL,
    response     bytea,
    created_ns   bigint NOT NULL,
    PRIMARY KEY (org, key)
);

CREATE TABLE cursors (
    org        text   NOT NULL,
    name       text   NOT NULL,
    value      text   NOT NULL,
    updated_ns bigint NOT NULL,
    PRIMARY KEY (org, name)
);

CREATE TABLE orgs (
    id         text   PRIMARY KEY,
    name       text   NOT NULL,
    created_ns bigint NOT NULL
);

CREATE TABLE api_keys (
    id           text   PRIMARY KEY,
    org          text   NOT NULL REFERENCES orgs (id),
    name         text   NOT NULL,
    hash         bytea  NOT NULL,
    scopes       text   NOT NULL,
    created_ns   bigint NOT NULL,
    last_used_ns bigint,
    revoked_ns   bigint
);
CREATE INDEX api_keys_by_org ON api_keys (org, created_ns);
