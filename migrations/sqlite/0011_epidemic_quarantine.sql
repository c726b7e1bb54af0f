-- Epidemic control I: quarantine sites' rooms, quarantine orders and their history, health checks.

-- Rooms of a quarantine site (a place of kind `quarantine_site`).
CREATE TABLE epi_rooms (
    id          INTEGER PRIMARY KEY,
    place_id    INTEGER NOT NULL REFERENCES places(id),
    number      TEXT NOT NULL,
    beds        INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (place_id, number)
);

-- A quarantine order. `kind`: centralized or home. `status`: referred (waiting for check-in),
-- active, released, ended_early, cancelled. Centralized orders name their site and room while
-- active; home orders their address and responsible cadre. `planned_end` follows the policy
-- (`epidemic::policy::QuarantinePolicy`) from `starts_on`; extensions move it.
CREATE TABLE epi_quarantine_orders (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    key_person_id   INTEGER REFERENCES epi_key_persons(id),
    area_code       TEXT NOT NULL REFERENCES areas(code),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    site_id         INTEGER REFERENCES places(id),
    room_id         INTEGER REFERENCES epi_rooms(id),
    home_address    TEXT,
    cadre_user_id   INTEGER REFERENCES users(id),
    reason          TEXT,
    source          TEXT NOT NULL,
    source_ref      TEXT,
    starts_on       TEXT NOT NULL,
    planned_end     TEXT NOT NULL,
    ended_on        TEXT,
    end_reason      TEXT,
    followup_until  TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE UNIQUE INDEX epi_quarantine_orders_one_open ON epi_quarantine_orders(person_id)
    WHERE status IN ('referred', 'active');
CREATE INDEX epi_quarantine_orders_by_area ON epi_quarantine_orders(area_code, id);
CREATE INDEX epi_quarantine_orders_by_status ON epi_quarantine_orders(status, kind, area_code);
CREATE INDEX epi_quarantine_orders_by_site ON epi_quarantine_orders(site_id, status);
CREATE INDEX epi_quarantine_orders_by_room ON epi_quarantine_orders(room_id, status);

-- What happened to an order: check-in, room change, transfer, extension, early end, release.
CREATE TABLE epi_quarantine_events (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES epi_quarantine_orders(id),
    action       TEXT NOT NULL,
    detail       TEXT,
    happened_at  TEXT NOT NULL,
    by_name      TEXT NOT NULL
);
CREATE INDEX epi_quarantine_events_by_order ON epi_quarantine_events(order_id, id);

-- A health check: the `slot`th check (1-based) of `on_date` (Beijing) of a person under
-- management. `via`: staff or link (the person through a one-time link).
CREATE TABLE epi_health_checks (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    key_person_id   INTEGER REFERENCES epi_key_persons(id),
    area_code       TEXT NOT NULL REFERENCES areas(code),
    on_date         TEXT NOT NULL,
    slot            INTEGER NOT NULL,
    temperature_dc  INTEGER NOT NULL,
    symptoms        TEXT NOT NULL DEFAULT '',
    alarm           INTEGER NOT NULL DEFAULT 0,
    ticket_id       INTEGER,
    via             TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    UNIQUE (person_id, on_date, slot)
);
CREATE INDEX epi_health_checks_by_date ON epi_health_checks(on_date, area_code);

-- Checks that were due and not recorded, each with the ticket it opened (once).
CREATE TABLE epi_missed_checks (
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    on_date        TEXT NOT NULL,
    slot           INTEGER NOT NULL,
    key_person_id  INTEGER REFERENCES epi_key_persons(id),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    ticket_id      INTEGER,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (person_id, on_date, slot)
);
CREATE INDEX epi_missed_checks_by_date ON epi_missed_checks(on_date, area_code);

-- One-time links a person uses to record their own check: the token's SHA-256 only.
CREATE TABLE epi_check_links (
    token_hash   TEXT PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
