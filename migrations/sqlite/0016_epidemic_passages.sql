-- Epidemic control II: passages (出入登记) at compounds, buildings, venues and checkpoints, and what
-- contact tracing records by hand (manual contacts, exclusions). The tracing index itself is in
-- memory (`epidemic::tracing`), built from this table.

-- One entry or exit. Append-only (triggers refuse UPDATE and DELETE). `at_minute` is `at` in
-- whole minutes since 1970-01-01 UTC, bound from Rust with `at`, so the tracing index loads
-- integers and a plain SQL self-join can check it. `device` + `event_key` make a device's
-- retries idempotent; the phone form uses `user:ID` as its device.
CREATE TABLE epi_passages (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    place_id     INTEGER NOT NULL REFERENCES places(id),
    area_code    TEXT NOT NULL REFERENCES areas(code),
    at           TEXT NOT NULL,
    at_minute    INTEGER NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    method       TEXT NOT NULL CHECK (method IN ('manual', 'id_reader', 'code_scan')),
    device       TEXT NOT NULL,
    event_key    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    UNIQUE (device, event_key)
);
CREATE INDEX epi_passages_by_place ON epi_passages(place_id, id);
CREATE INDEX epi_passages_by_person ON epi_passages(person_id, id);
CREATE TRIGGER epi_passages_no_update BEFORE UPDATE ON epi_passages
BEGIN
    SELECT RAISE(ABORT, 'epi_passages is append-only');
END;
CREATE TRIGGER epi_passages_no_delete BEFORE DELETE ON epi_passages
BEGIN
    SELECT RAISE(ABORT, 'epi_passages is append-only');
END;

-- A contact named by a case (family, colleague) that no passage shows, with the relationship.
CREATE TABLE epi_manual_contacts (
    id                 INTEGER PRIMARY KEY,
    case_person_id     INTEGER NOT NULL REFERENCES persons(id),
    contact_person_id  INTEGER NOT NULL REFERENCES persons(id),
    relationship       TEXT NOT NULL,
    note               TEXT,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    UNIQUE (case_person_id, contact_person_id)
);
CREATE INDEX epi_manual_contacts_by_contact ON epi_manual_contacts(contact_person_id);

-- A person tracing must not return as a contact (already quarantined, staff in protective
-- equipment), with the reason; `case_person_id` limits it to the traces of one case.
CREATE TABLE epi_contact_exclusions (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    case_person_id  INTEGER REFERENCES persons(id),
    reason          TEXT NOT NULL,
    note            TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX epi_contact_exclusions_by_person ON epi_contact_exclusions(person_id);
