-- Epidemic control I: nucleic-acid testing — samples (single or pooled tubes), their members,
-- results, and the requirements that say who must be tested by when.

-- A tube. `pool_size` 1 is a single sample; 5–10 a pooled one with that many members.
-- `result`: NULL while pending, then negative, positive or invalid.
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
    lab          TEXT
);
CREATE INDEX epi_samples_by_date ON epi_samples(sampled_on, area_code);

-- Who is in a tube.
CREATE TABLE epi_sample_members (
    sample_id   INTEGER NOT NULL REFERENCES epi_samples(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    sampled_on  TEXT NOT NULL,
    PRIMARY KEY (sample_id, person_id)
);
CREATE INDEX epi_sample_members_by_person ON epi_sample_members(person_id, sampled_on);

-- A person must be tested on or after `from_on` and by `due_on`: a referral from a screening, a
-- retest after a positive pool, a day of a quarantine's schedule. Satisfied by the first sample
-- taken from `from_on` on.
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
