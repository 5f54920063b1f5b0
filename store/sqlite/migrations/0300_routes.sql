-- Return routes: where a shop's returns go (seed 004's reverse logistics
-- models), and the route each approved case was sent back by. A case keeps a
-- copy of its route (route_json), so editing or deleting the route later does
-- not rewrite what the buyer was told. Times are unix nanoseconds.
CREATE TABLE return_routes (
    org                 TEXT    NOT NULL,
    id                  TEXT    NOT NULL,
    platform            TEXT    NOT NULL,
    shop_id             TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('LOCAL', 'OVERSEAS_WAREHOUSE', 'BONDED_WAREHOUSE', 'RETURN_TO_ORIGIN')),
    name                TEXT    NOT NULL,
    cost_minor          INTEGER NOT NULL CHECK (cost_minor >= 0),
    cost_currency       TEXT    NOT NULL,
    transit_min         INTEGER NOT NULL CHECK (transit_min >= 0),
    transit_max         INTEGER NOT NULL CHECK (transit_max >= transit_min),
    markets             TEXT    NOT NULL, -- a JSON array of markets
    platform_address_id TEXT    NOT NULL, -- '' for the shop's default address
    min_value_minor     INTEGER,          -- NULL: any case value
    min_value_currency  TEXT,
    updated_ns          INTEGER NOT NULL,
    PRIMARY KEY (org, id)
);
CREATE INDEX return_routes_by_shop ON return_routes (org, platform, shop_id);

CREATE TABLE case_routes (
    org         TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    case_id     TEXT    NOT NULL,
    route_id    TEXT    NOT NULL,
    route_json  TEXT    NOT NULL, -- the route as it was when chosen
    chosen      INTEGER NOT NULL, -- 1: the gateway chose it; 0: the seller named it
    approved_ns INTEGER NOT NULL,
    expected_ns INTEGER NOT NULL,
    PRIMARY KEY (org, platform, case_id)
);
