-- Shop connections: each shop's authorization of the app. The secret and the
-- tokens are sealed by the gateway (AES-GCM, package secrets) before they get
-- here; this table never holds them in the clear. Times are unix nanoseconds,
-- 0 for "not known".
CREATE TABLE connections (
    org                TEXT    NOT NULL,
    platform           TEXT    NOT NULL,
    shop_id            TEXT    NOT NULL,
    app_id             TEXT    NOT NULL,
    seller_id          TEXT    NOT NULL,
    seller_name        TEXT    NOT NULL,
    app_secret         TEXT    NOT NULL,
    access_token       TEXT    NOT NULL,
    refresh_token      TEXT    NOT NULL,
    access_expires_ns  INTEGER NOT NULL,
    refresh_expires_ns INTEGER NOT NULL,
    state              TEXT    NOT NULL,
    last_error         TEXT    NOT NULL,
    updated_ns         INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    PRIMARY KEY (org, platform, shop_id)
);
