-- Buyer message templates; see store/sqlite's migration of the same name.
CREATE TABLE message_templates (
    org        text   NOT NULL,
    platform   text   NOT NULL,
    shop_id    text   NOT NULL,
    reason     text   NOT NULL,
    language   text   NOT NULL CHECK (language IN ('ZH', 'EN')),
    body       text   NOT NULL,
    updated_ns bigint NOT NULL,
    PRIMARY KEY (org, platform, shop_id, reason, language)
);
