-- Shop connections: each shop's authorization of the app. The secret and the
-- tokens arrive sealed (AES-GCM, package secrets); times are unix
-- nanoseconds, 0 for "not known".
CREATE TABLE connections (
    org                text   NOT NULL,
    platform           text   NOT NULL,
    shop_id            text   NOT NULL,
    app_id             text   NOT NULL,
    seller_id          text   NOT NULL,
    seller_name        text   NOT NULL,
    app_secret         text   NOT NULL,
    access_token       text   NOT NULL,
    refresh_token      text   NOT NULL,
    access_expires_ns  bigint NOT NULL,
    refresh_expires_ns bigint NOT NULL,
    state              text   NOT NULL,
    last_error         text   NOT NULL,
    updated_ns         bigint NOT NULL,
    version            bigint NOT NULL,
    PRIMARY KEY (org, platform, shop_id)
);
