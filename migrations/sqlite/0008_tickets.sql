-- The ledger of work (台账): one table of tickets for every kind modules register, their
-- timeline (every move, comment, warning and escalation), the pauses that stop their clock,
-- the notices each user's inbox shows, and the files attached as evidence.

CREATE TABLE tickets (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT,
    subject_kind        TEXT,
    subject_id          INTEGER,
    area_code           TEXT NOT NULL REFERENCES areas(code),
    source              TEXT NOT NULL,
    priority            TEXT NOT NULL,
    state               TEXT NOT NULL,
    paused_from         TEXT,
    dispatcher_unit_id  INTEGER REFERENCES org_units(id),
    owner_unit_id       INTEGER REFERENCES org_units(id),
    owner_user_id       INTEGER REFERENCES users(id),
    verifier_unit_id    INTEGER REFERENCES org_units(id),
    reporter_user_id    INTEGER REFERENCES users(id),
    reporter_name       TEXT,
    reporter_phone      TEXT,
    time_limit          TEXT NOT NULL,
    clock_from          TEXT NOT NULL,
    extended_due        TEXT,
    due_at              TEXT,
    warned_at           TEXT,
    overdue_at          TEXT,
    escalated_at        TEXT,
    escalation_level    INTEGER NOT NULL DEFAULT 0,
    callback_done       BOOLEAN NOT NULL DEFAULT FALSE,
    rating              TEXT,
    reopened_by_rating  BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at           TEXT,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL
);
CREATE INDEX tickets_by_area ON tickets(area_code, id);
CREATE INDEX tickets_by_owner_unit ON tickets(owner_unit_id, state);
CREATE INDEX tickets_by_owner_user ON tickets(owner_user_id, state);
CREATE INDEX tickets_by_dispatcher ON tickets(dispatcher_unit_id, state);
CREATE INDEX tickets_by_verifier ON tickets(verifier_unit_id, state);
CREATE INDEX tickets_by_due ON tickets(due_at);
CREATE INDEX tickets_by_subject ON tickets(subject_kind, subject_id);

CREATE TABLE ticket_events (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER NOT NULL REFERENCES tickets(id),
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_state     TEXT,
    to_state       TEXT,
    reason         TEXT,
    detail         TEXT
);
CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_id, id);

CREATE TABLE ticket_pauses (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    started_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX ticket_pauses_by_ticket ON ticket_pauses(ticket_id);

CREATE TABLE ticket_notices (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    unit_id     INTEGER REFERENCES org_units(id),
    user_id     INTEGER REFERENCES users(id),
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    read_at     TEXT
);
CREATE INDEX ticket_notices_by_unit ON ticket_notices(unit_id, id);
CREATE INDEX ticket_notices_by_user ON ticket_notices(user_id, id);

CREATE TABLE ticket_attachments (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    bytes         BLOB,
    disk_path     TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX ticket_attachments_by_ticket ON ticket_attachments(ticket_id, id);

-- A retried submission (a phone on a bad network) sends the same Idempotency-Key: one ticket.
CREATE TABLE ticket_idempotency (
    actor       TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (actor, idem_key)
);
