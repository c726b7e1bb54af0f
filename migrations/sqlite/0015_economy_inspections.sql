-- Economic recovery: prevention inspections of reopened enterprises (防疫检查), enterprise needs
-- (诉求) and PPE producers (防疫物资).
--
-- Inspections follow a checklist (`eco_checklists`: a name and its items, a JSON array of
-- labels, configurable by the module's writers; one is the default). An inspection is
-- `planned` or a `spot` check (暗访) by an inspection team (a unit); each item passes or fails
-- with a note; photos are evidence. A failed inspection opens one rectification ticket (kind
-- `rectification`) listing its failed items; a `stop_work` finding (停工整改) suspends the
-- enterprise (`eco_suspensions`) until a re-inspection (`reinspection_of`) passes. The rates
-- count an enterprise suspended on every day of an open suspension, whatever it reports.
--
-- Needs are tickets of kind `economy.need`; `eco_needs` links each to its enterprise and
-- category; `eco_need_routes` maps a category to the department that answers it.
--
-- PPE: a producer's daily capacity per product (`eco_ppe_lines`), its daily output
-- (`eco_ppe_output`), and the district's daily demand per product (`eco_ppe_demand`).
-- Products: masks, disinfectant, protective_clothing.

CREATE TABLE eco_checklists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    items       TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT,
    updated_by  TEXT
);

INSERT INTO eco_checklists (name, items, is_default) VALUES ('复工企业疫情防控检查表',
 '["员工健康台账","门口测温","口罩消毒液储备","食堂间隔就餐","隔离观察室","应急预案"]', TRUE);

CREATE TABLE eco_inspections (
    id               INTEGER PRIMARY KEY,
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises(id),
    area_code        TEXT NOT NULL REFERENCES areas(code),
    checklist_id     INTEGER NOT NULL REFERENCES eco_checklists(id),
    kind             TEXT NOT NULL CHECK (kind IN ('planned', 'spot')),
    team_unit_id     INTEGER REFERENCES org_units(id),
    inspected_on     TEXT NOT NULL,
    passed           BOOLEAN NOT NULL,
    stop_work        BOOLEAN NOT NULL DEFAULT FALSE,
    reinspection_of  INTEGER REFERENCES eco_inspections(id),
    ticket_id        INTEGER REFERENCES tickets(id),
    note             TEXT,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);
CREATE INDEX eco_inspections_by_area ON eco_inspections(area_code, inspected_on);
CREATE INDEX eco_inspections_by_enterprise ON eco_inspections(enterprise_id, id);

CREATE TABLE eco_inspection_items (
    inspection_id  INTEGER NOT NULL REFERENCES eco_inspections(id),
    position       INTEGER NOT NULL,
    label          TEXT NOT NULL,
    passed         BOOLEAN NOT NULL,
    note           TEXT,
    PRIMARY KEY (inspection_id, position)
);

CREATE TABLE eco_inspection_photos (
    id             INTEGER PRIMARY KEY,
    inspection_id  INTEGER NOT NULL REFERENCES eco_inspections(id),
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    bytes          BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX eco_inspection_photos_by_inspection ON eco_inspection_photos(inspection_id, id);

CREATE TABLE eco_suspensions (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    area_code         TEXT NOT NULL REFERENCES areas(code),
    inspection_id     INTEGER NOT NULL REFERENCES eco_inspections(id),
    ticket_id         INTEGER REFERENCES tickets(id),
    suspended_on      TEXT NOT NULL,
    lifted_on         TEXT,
    lifted_by         INTEGER REFERENCES eco_inspections(id)
);
CREATE INDEX eco_suspensions_by_enterprise ON eco_suspensions(enterprise_id, suspended_on);
CREATE INDEX eco_suspensions_by_area ON eco_suspensions(area_code);

CREATE TABLE eco_need_routes (
    category    TEXT PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE eco_needs (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    category       TEXT NOT NULL,
    filed_at       TEXT NOT NULL,
    filed_by       TEXT NOT NULL
);
CREATE INDEX eco_needs_by_area ON eco_needs(area_code, id);
CREATE INDEX eco_needs_by_enterprise ON eco_needs(enterprise_id, id);

CREATE TABLE eco_ppe_lines (
    enterprise_id   INTEGER NOT NULL REFERENCES enterprises(id),
    product         TEXT NOT NULL,
    area_code       TEXT NOT NULL REFERENCES areas(code),
    daily_capacity  INTEGER NOT NULL CHECK (daily_capacity >= 0),
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, product)
);
CREATE INDEX eco_ppe_lines_by_area ON eco_ppe_lines(area_code);

CREATE TABLE eco_ppe_output (
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    product        TEXT NOT NULL,
    output_on      TEXT NOT NULL,
    area_code      TEXT NOT NULL REFERENCES areas(code),
    quantity       INTEGER NOT NULL CHECK (quantity >= 0),
    reported_at    TEXT NOT NULL,
    reported_by    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, product, output_on)
);
CREATE INDEX eco_ppe_output_by_day ON eco_ppe_output(output_on, area_code);

CREATE TABLE eco_ppe_demand (
    product       TEXT PRIMARY KEY,
    daily_demand  INTEGER NOT NULL CHECK (daily_demand >= 0),
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);
