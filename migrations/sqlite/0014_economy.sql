-- Economic recovery: enterprise resumption (复工复产) reports. One report per enterprise and
-- day; reporting again the same day replaces it (`version` counts the replacements, the audit
-- log keeps each one, record_kind 'economy.report'). Rates are computed live from the latest
-- report of each enterprise on or before a day.
--
-- `status`: not_resumed, partly_resumed, fully_resumed, suspended, closed.
-- `measures`: the prevention measures in place, space-separated codes (health_records,
-- temperature_checks, masks_disinfectant, canteen_spacing, isolation_room, emergency_plan).
-- `area_code`: the enterprise's area when reported, for scoping.

CREATE TABLE eco_reports (
    id             INTEGER PRIMARY KEY,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    report_on      TEXT NOT NULL,
    area_code      TEXT NOT NULL REFERENCES areas(code),
    status         TEXT NOT NULL,
    on_duty        INTEGER NOT NULL,
    total_staff    INTEGER NOT NULL,
    returned       INTEGER NOT NULL DEFAULT 0,
    quarantined    INTEGER NOT NULL DEFAULT 0,
    capacity_pct   INTEGER NOT NULL DEFAULT 0,
    planned_on     TEXT,
    measures       TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    reported_at    TEXT NOT NULL,
    reported_by    TEXT NOT NULL,
    UNIQUE (enterprise_id, report_on),
    CHECK (on_duty >= 0 AND on_duty <= total_staff),
    CHECK (quarantined >= 0 AND quarantined <= returned),
    CHECK (capacity_pct >= 0 AND capacity_pct <= 100)
);
CREATE INDEX eco_reports_by_area ON eco_reports(area_code, report_on);
CREATE INDEX eco_reports_by_day ON eco_reports(report_on, id);
