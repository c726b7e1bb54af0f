-- Risk levels (风险等级) of areas and places: the level set and rules (one row of JSON), every
-- level ever in force with its source (a rule, a command override, an override lifted), and the
-- areas' map shapes (GeoJSON geometries loaded by the deployer; the demo generates them).
CREATE TABLE risk_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE risk_levels (
    id            INTEGER PRIMARY KEY,
    area_code     TEXT REFERENCES areas(code),
    place_id      INTEGER REFERENCES places(id),
    level         TEXT NOT NULL,
    effective_on  TEXT NOT NULL,
    -- 'rule': raised or stepped down by the rules; 'override': set by the command and pinned
    -- (rules leave it alone); 'lift': the override ended, rules apply again from this level.
    source        TEXT NOT NULL CHECK (source IN ('rule', 'override', 'lift')),
    pinned        INTEGER NOT NULL,
    reason        TEXT,
    -- Cases the rule counted in its window.
    cases         INTEGER,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((area_code IS NULL) <> (place_id IS NULL))
);
CREATE INDEX risk_levels_by_area ON risk_levels(area_code, effective_on, id);
CREATE INDEX risk_levels_by_place ON risk_levels(place_id, effective_on, id);
CREATE INDEX risk_levels_by_day ON risk_levels(effective_on, id);

CREATE TABLE area_shapes (
    area_code   TEXT PRIMARY KEY REFERENCES areas(code),
    -- A GeoJSON geometry (Polygon or MultiPolygon), as loaded.
    geometry    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
