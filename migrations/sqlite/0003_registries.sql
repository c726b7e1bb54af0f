-- Shared registries, first the people: one record per person, keyed by document type and number,
-- referenced by every module. Tags in their own table so a tag filters through an index.
-- Edits are in the audit log (record_kind 'registry.person'); imports write one entry per file.

CREATE TABLE persons (
    id            INTEGER PRIMARY KEY,
    doc_type      TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    name          TEXT NOT NULL,
    sex           TEXT,
    birth_date    TEXT,
    phone         TEXT,
    address       TEXT,
    area_code     TEXT NOT NULL REFERENCES areas(code),
    household_id  INTEGER,
    merged_into   INTEGER REFERENCES persons(id),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    UNIQUE (doc_type, doc_number)
);
CREATE INDEX persons_by_area ON persons(area_code, id);
CREATE INDEX persons_by_name ON persons(name, birth_date);
CREATE INDEX persons_by_phone ON persons(phone);

CREATE TABLE person_tags (
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_tags_by_tag ON person_tags(tag, person_id);
