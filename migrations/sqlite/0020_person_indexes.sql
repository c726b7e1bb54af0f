-- Leaner person tables for bulk loads (a sheet of a million people) and every registration:
-- most persons belong to no household, and a NULL household needs no index entry (a lookup by
-- household, `household_id = ?` or `IN (…)`, still uses the partial index); a person's tags are
-- their primary key, so the table is that key without a separate rowid b-tree.
DROP INDEX persons_by_household;
CREATE INDEX persons_by_household ON persons(household_id) WHERE household_id IS NOT NULL;

CREATE TABLE person_tags_keyed (
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (person_id, tag)
) WITHOUT ROWID;
INSERT INTO person_tags_keyed (person_id, tag) SELECT person_id, tag FROM person_tags;
DROP TABLE person_tags;
ALTER TABLE person_tags_keyed RENAME TO person_tags;
CREATE INDEX person_tags_by_tag ON person_tags(tag, person_id);
