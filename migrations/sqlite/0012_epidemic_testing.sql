-- Epidemic control I: nucleic-acid testing — samples (single or pooled tubes), their members,
-- results, case notices, the requirements that say who must be tested by when, staff groups
-- tested at a frequency and mass-testing rounds.

-- A tube. `pool_size` 1 is a single sample; 5–10 a pooled one with that many members.
-- `result`: NULL while pending, then negative, positive or invalid; `result_on` is the Beijing
-- day of `result_at`.
CREATE TABLE epi_samples (
    id           INTEGER PRIMARY KEY,
    barcode      TEXT NOT NULL UNIQUE,
    pool_size    INTEGER NOT NULL,
    point_id     INTEGER REFERENCES places(id),
    area_code    TEXT NOT NULL REFERENCES areas(code),
    sampled_at   TEXT NOT NULL,
    sampled_on   TEXT NOT NULL,
    sampled_by   TEXT NOT NULL,
    result       TEXT,
    result_at    TEXT,
    result_on    TEXT,
    lab          TEXT
);
CREATE INDEX epi_samples_by_date ON epi_samples(sampled_on, area_code);
CREATE INDEX epi_samples_by_result ON epi_samples(result_on, area_code);

-- Who is in a tube.
CREATE TABLE epi_sample_members (
    sample_id   INTEGER NOT NULL REFERENCES epi_samples(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    sampled_on  TEXT NOT NULL,
    PRIMARY KEY (sample_id, person_id)
);
CREATE INDEX epi_sample_members_by_person ON epi_sample_members(person_id, sampled_on);

-- A person must be tested on or after `from_on` and by `due_on`: a referral from a screening, a
-- retest after a positive pool, a day of a quarantine's schedule. Satisfied by a sample taken
-- from `from_on` on.
CREATE TABLE epi_test_requirements (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    area_code     TEXT NOT NULL REFERENCES areas(code),
    reason        TEXT NOT NULL,
    source_ref    TEXT,
    from_on       TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    sample_id     INTEGER REFERENCES epi_samples(id),
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    UNIQUE (person_id, reason, from_on)
);
CREATE INDEX epi_test_requirements_open ON epi_test_requirements(due_on, area_code) WHERE sample_id IS NULL;
CREATE INDEX epi_test_requirements_by_person ON epi_test_requirements(person_id);

-- A positive single sample makes its person a case: the notice waits here until its ticket to
-- the health department is opened (at once when the result came through the API; by the
-- `epidemic.case_notices` job, or right after an upload, when it came in a sheet).
CREATE TABLE epi_case_notices (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    sample_id      INTEGER NOT NULL REFERENCES epi_samples(id),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    key_person_id  INTEGER REFERENCES epi_key_persons(id),
    ticket_id      INTEGER,
    created_at     TEXT NOT NULL,
    UNIQUE (person_id, sample_id)
);
CREATE INDEX epi_case_notices_pending ON epi_case_notices(id) WHERE ticket_id IS NULL;

-- Staff who must be tested every `every_days` days (hospital, care home, cold-chain,
-- checkpoint staff), kept by the area that owns the group.
CREATE TABLE epi_staff_groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    every_days  INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 60),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (area_code, name)
);

CREATE TABLE epi_staff_members (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES epi_staff_groups(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (group_id, person_id)
);

-- A mass-testing round: every registered person of the area's subtree must have a sample taken
-- between `starts_on` and `ends_on`.
CREATE TABLE epi_test_rounds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    area_code   TEXT NOT NULL REFERENCES areas(code),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
);
