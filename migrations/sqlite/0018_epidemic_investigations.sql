-- Epidemic control II: investigations (流调). An investigation runs a trace for its cases and keeps
-- the candidates it found with their exposure; re-running adds new candidates and keeps the
-- decisions made. Confirming a candidate puts the person under management (key person,
-- quarantine order, testing) in one transaction.
CREATE TABLE epi_investigations (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    area_code       TEXT NOT NULL REFERENCES areas(code),
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    window_minutes  INTEGER NOT NULL,
    last_run_at     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX epi_investigations_by_area ON epi_investigations(area_code, id);

CREATE TABLE epi_investigation_cases (
    investigation_id  INTEGER NOT NULL REFERENCES epi_investigations(id),
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    PRIMARY KEY (investigation_id, person_id)
);

-- A candidate: `hop` 1 close contact (密接), 2 secondary contact (次密接); `state` candidate,
-- confirmed or dismissed; `confirmed_at` is when it was confirmed (the 24-hour figure).
CREATE TABLE epi_investigation_contacts (
    id                INTEGER PRIMARY KEY,
    investigation_id  INTEGER NOT NULL REFERENCES epi_investigations(id),
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    area_code         TEXT NOT NULL REFERENCES areas(code),
    hop               INTEGER NOT NULL CHECK (hop IN (1, 2)),
    via_person_id     INTEGER NOT NULL REFERENCES persons(id),
    place_id          INTEGER REFERENCES places(id),
    first_at          TEXT,
    last_at           TEXT,
    minutes           INTEGER NOT NULL,
    exposures         INTEGER NOT NULL,
    relationship      TEXT,
    state             TEXT NOT NULL CHECK (state IN ('candidate', 'confirmed', 'dismissed')),
    dismissed_reason  TEXT,
    key_person_id     INTEGER REFERENCES epi_key_persons(id),
    found_at          TEXT NOT NULL,
    decided_at        TEXT,
    decided_by        TEXT,
    UNIQUE (investigation_id, person_id)
);
CREATE INDEX epi_investigation_contacts_confirmed ON epi_investigation_contacts(state, area_code);
