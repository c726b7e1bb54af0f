-- 包保 responsibility: a unit or a person (or both) answering in a role for an area or a registry
-- record, from `starts_on` until `ends_on` (exclusive: the assignment no longer holds on that
-- day; NULL while it lasts). `area_code` is the subject's area when assigned, for scoping.
-- Changes are in the audit log (record_kind 'responsibility').

CREATE TABLE responsibilities (
    id            INTEGER PRIMARY KEY,
    subject_kind  TEXT NOT NULL,
    subject_id    INTEGER,
    subject_area  TEXT REFERENCES areas(code),
    role          TEXT NOT NULL,
    unit_id       INTEGER REFERENCES org_units(id),
    user_id       INTEGER REFERENCES users(id),
    area_code     TEXT NOT NULL REFERENCES areas(code),
    starts_on     TEXT NOT NULL,
    ends_on       TEXT,
    note          TEXT,
    end_reason    TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    CHECK ((subject_id IS NULL) <> (subject_area IS NULL)),
    CHECK (unit_id IS NOT NULL OR user_id IS NOT NULL),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX responsibilities_by_record ON responsibilities(subject_kind, subject_id, role);
CREATE INDEX responsibilities_by_area_subject ON responsibilities(subject_area, role);
CREATE INDEX responsibilities_by_unit ON responsibilities(unit_id, id);
CREATE INDEX responsibilities_by_user ON responsibilities(user_id, id);
CREATE INDEX responsibilities_by_area ON responsibilities(area_code, id);
