-- Epidemic control I: the policy, checkpoint screenings and the key persons under management.
-- Quarantine and health checks are in 0011, testing in 0012.

-- The policy in force: one row of JSON (`epidemic::policy::Policy`); absent means the defaults.
CREATE TABLE epi_policy (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- A screening at a checkpoint (a place of kind `checkpoint`). Append-only: a fact. The person is
-- in the registry (found by document or registered by the screening). Temperatures are tenths of
-- a degree (375 = 37.5 ℃). `symptoms` is a comma-separated list of symptom codes.
CREATE TABLE epi_screenings (
    id                INTEGER PRIMARY KEY,
    place_id          INTEGER NOT NULL REFERENCES places(id),
    area_code         TEXT NOT NULL REFERENCES areas(code),
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    destination_area  TEXT NOT NULL REFERENCES areas(code),
    destination       TEXT,
    origin            TEXT NOT NULL,
    origin_detail     TEXT,
    transport         TEXT NOT NULL,
    vehicle           TEXT,
    temperature_dc    INTEGER,
    symptoms          TEXT NOT NULL DEFAULT '',
    decision          TEXT NOT NULL,
    key_person_id     INTEGER,
    quarantine_order_id INTEGER,
    test_requirement_id INTEGER,
    ticket_id         INTEGER,
    device            TEXT,
    screened_at       TEXT NOT NULL,
    screened_by       TEXT NOT NULL
);
CREATE INDEX epi_screenings_by_time ON epi_screenings(screened_at);
CREATE INDEX epi_screenings_by_area ON epi_screenings(area_code, screened_at);
CREATE INDEX epi_screenings_by_place ON epi_screenings(place_id, screened_at);
CREATE INDEX epi_screenings_by_person ON epi_screenings(person_id);

-- Idempotency keys of screenings sent by gate devices and phones: the same key from the same
-- caller answers the first screening.
CREATE TABLE epi_screening_keys (
    actor         TEXT NOT NULL,
    key           TEXT NOT NULL,
    screening_id  INTEGER NOT NULL REFERENCES epi_screenings(id),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (actor, key)
);

-- A key person (重点人员): one episode of management of a registered person. At most one open
-- episode per person. `status`: managed, quarantined, followup, ended.
CREATE TABLE epi_key_persons (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    area_code     TEXT NOT NULL REFERENCES areas(code),
    category      TEXT NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT,
    source        TEXT NOT NULL,
    source_ref    TEXT,
    exposure_on   TEXT,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    grid_unit_id  INTEGER REFERENCES org_units(id),
    grid_user_id  INTEGER REFERENCES users(id),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE UNIQUE INDEX epi_key_persons_one_open ON epi_key_persons(person_id) WHERE status <> 'ended';
CREATE INDEX epi_key_persons_by_area ON epi_key_persons(area_code, id);
CREATE INDEX epi_key_persons_by_status ON epi_key_persons(status, category, area_code);
CREATE INDEX epi_key_persons_by_grid ON epi_key_persons(grid_user_id, status);

-- The status history of a key person: every change of category or status, by whom and why.
CREATE TABLE epi_key_person_events (
    id              INTEGER PRIMARY KEY,
    key_person_id   INTEGER NOT NULL REFERENCES epi_key_persons(id),
    action          TEXT NOT NULL,
    from_category   TEXT,
    to_category     TEXT,
    from_status     TEXT,
    to_status       TEXT,
    note            TEXT,
    happened_at     TEXT NOT NULL,
    by_name         TEXT NOT NULL
);
CREATE INDEX epi_key_person_events_by_key_person ON epi_key_person_events(key_person_id, id);
