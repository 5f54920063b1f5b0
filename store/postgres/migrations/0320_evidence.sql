-- Evidence files, the organisations' evidence usage and escalations; see
-- store/sqlite's migration of the same name.
CREATE TABLE evidence (
    org          text   NOT NULL,
    id           text   NOT NULL,
    platform     text   NOT NULL,
    case_id      text   NOT NULL,
    kind         text   NOT NULL CHECK (kind IN ('PHOTO', 'LOGISTICS_RECORD', 'CHAT_EXCERPT', 'CONTRACT', 'INVOICE', 'OTHER')),
    file_name    text   NOT NULL,
    content_type text   NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text   NOT NULL,
    uploaded_ns  bigint NOT NULL,
    data         bytea  NOT NULL,
    PRIMARY KEY (org, id)
);
CREATE INDEX evidence_by_case ON evidence (org, platform, case_id, uploaded_ns);

CREATE TABLE evidence_usage (
    org   text   NOT NULL PRIMARY KEY,
    bytes bigint NOT NULL CHECK (bytes >= 0)
);

CREATE TABLE escalations (
    org          text    NOT NULL,
    platform     text    NOT NULL,
    case_id      text    NOT NULL,
    at_ns        bigint  NOT NULL,
    statement    text    NOT NULL,
    evidence_ids text    NOT NULL,
    uploaded_ids text    NOT NULL,
    via_api      boolean NOT NULL,
    url          text    NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
