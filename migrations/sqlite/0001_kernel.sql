-- Kernel tables: areas, org units, users, sessions, job leases.
-- Timestamps are UTC, bound from Rust (never CURRENT_TIMESTAMP) so both backends compare them alike.

CREATE TABLE areas (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    level         TEXT NOT NULL,
    parent_code   TEXT REFERENCES areas(code),
    edition_year  INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX areas_by_parent ON areas(parent_code, code);
CREATE INDEX areas_by_name ON areas(name);

CREATE TABLE org_units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    parent_id   INTEGER REFERENCES org_units(id),
    created_at  TEXT NOT NULL,
    UNIQUE (area_code, name)
);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    role                  TEXT NOT NULL,
    area_code             TEXT NOT NULL REFERENCES areas(code),
    unit_id               INTEGER REFERENCES org_units(id),
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX users_by_area ON users(area_code, username);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    client_addr   TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    last_run_at TEXT
);
