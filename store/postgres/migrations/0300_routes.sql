-- Return routes and the route each approved case was sent back by; see
-- store/sqlite's migration of the same name.
CREATE TABLE return_routes (
    org                 text    NOT NULL,
    id                  text    NOT NULL,
    platform            text    NOT NULL,
    shop_id             text    NOT NULL,
    kind                text    NOT NULL CHECK (kind IN ('LOCAL', 'OVERSEAS_WAREHOUSE', 'BONDED_WAREHOUSE', 'RETURN_TO_ORIGIN')),
    name                text    NOT NULL,
    cost_minor          bigint  NOT NULL CHECK (cost_minor >= 0),
    cost_currency       text    NOT NULL,
    transit_min         integer NOT NULL CHECK (transit_min >= 0),
    transit_max         integer NOT NULL CHECK (transit_max >= transit_min),
    markets             text    NOT NULL, -- a JSON array of markets
    platform_address_id text    NOT NULL, -- '' for the shop's default address
    min_value_minor     bigint,           -- NULL: any case value
    min_value_currency  text,
    updated_ns          bigint  NOT NULL,
    PRIMARY KEY (org, id)
);
CREATE INDEX return_routes_by_shop ON return_routes (org, platform, shop_id);

CREATE TABLE case_routes (
    org         text    NOT NULL,
    platform    text    NOT NULL,
    case_id     text    NOT NULL,
    route_id    text    NOT NULL,
    route_json  text    NOT NULL, -- the route as it was when chosen
    chosen      boolean NOT NULL, -- true: the gateway chose it; false: the seller named it
    approved_ns bigint  NOT NULL,
    expected_ns bigint  NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
