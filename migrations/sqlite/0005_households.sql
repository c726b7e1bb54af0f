-- Shared registries, continued: households (户). A household has a head, who is one of its
-- members, an address and an area (village or grid); its members are the persons whose
-- household_id points at it, each with their relation to the head (head, spouse, child, parent,
-- sibling, grandchild, other). Edits are in the audit log (record_kind 'registry.household').
-- Poverty-status fields are left to the rural module.

CREATE TABLE households (
    id              INTEGER PRIMARY KEY,
    head_person_id  INTEGER NOT NULL REFERENCES persons(id),
    address         TEXT,
    area_code       TEXT NOT NULL REFERENCES areas(code),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE INDEX households_by_area ON households(area_code, id);
CREATE INDEX households_by_head ON households(head_person_id);

ALTER TABLE persons ADD COLUMN household_relation TEXT;
CREATE INDEX persons_by_household ON persons(household_id);
