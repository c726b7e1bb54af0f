-- Shared registries, continued: enterprises (keyed by their unified social credit code) and
-- places (checkpoints, compounds, schools, …). Edits are in the audit log (record_kind
-- 'registry.enterprise', 'registry.place').

CREATE TABLE enterprises (
    id             INTEGER PRIMARY KEY,
    uscc           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    industry       TEXT NOT NULL,
    above_size     BOOLEAN NOT NULL DEFAULT FALSE,
    employees      INTEGER,
    legal_rep      TEXT,
    contact_phone  TEXT,
    address        TEXT,
    area_code      TEXT NOT NULL REFERENCES areas(code),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL
);
CREATE INDEX enterprises_by_area ON enterprises(area_code, id);
CREATE INDEX enterprises_by_name ON enterprises(name);

CREATE TABLE places (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    capacity    INTEGER,
    lat         REAL,
    lon         REAL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX places_by_area ON places(area_code, id);
CREATE INDEX places_by_kind ON places(kind, id);
CREATE INDEX places_by_name ON places(name);
