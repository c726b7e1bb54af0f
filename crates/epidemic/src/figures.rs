//! The named figures of the epidemic module, for dashboards and bulletins ([C]): each part of
//! the module lists its own.

use platform::module::{FigureDef, RecordsFn};

pub fn all() -> Vec<FigureDef> {
    let mut all = Vec::new();
    all.extend(crate::screening::figures());
    all.extend(crate::key_persons::figures());
    all.extend(crate::quarantine::figures());
    all.extend(crate::checks::figures());
    all.extend(crate::testing::figures());
    all.extend(crate::coverage::figures());
    all.extend(crate::risk::figures::all());
    all.extend(crate::investigations::figures());
    all
}

/// Where each figure's records are listed, for the command's drill-down: the part's list for the
/// area (and the day, where the list has one).
pub fn records() -> Vec<(&'static str, RecordsFn)> {
    let screenings: RecordsFn = |area, day| {
        format!(
            "/epidemic/screenings?area={}&from={day}&to={day}",
            area.as_str()
        )
    };
    let key_persons: RecordsFn = |area, _| format!("/epidemic/key-persons?area={}", area.as_str());
    let quarantine: RecordsFn = |area, _| format!("/epidemic/quarantine?area={}", area.as_str());
    let checks: RecordsFn =
        |area, day| format!("/epidemic/checks?area={}&date={day}", area.as_str());
    let testing: RecordsFn = |_, _| "/epidemic/testing".to_string();
    let coverage: RecordsFn =
        |area, day| format!("/epidemic/coverage?area={}&date={day}", area.as_str());
    let risk: RecordsFn = |area, day| format!("/risk?area={}&date={day}", area.as_str());
    let cases: RecordsFn =
        |area, _| format!("/epidemic/key-persons?area={}&category=case", area.as_str());
    let close_contacts: RecordsFn = |area, _| {
        format!(
            "/epidemic/key-persons?area={}&category=close_contact",
            area.as_str()
        )
    };
    let secondary_contacts: RecordsFn = |area, _| {
        format!(
            "/epidemic/key-persons?area={}&category=secondary_contact",
            area.as_str()
        )
    };
    let investigations: RecordsFn =
        |area, _| format!("/epidemic/investigations?area={}", area.as_str());
    let mut out = Vec::new();
    for f in all() {
        let key = f.key;
        let href = if key.starts_with("epidemic.screenings") {
            screenings
        } else if key.starts_with("epidemic.key_persons") {
            key_persons
        } else if key.starts_with("epidemic.in_")
            || key == "epidemic.free_rooms"
            || key == "epidemic.releases_due"
        {
            quarantine
        } else if key.starts_with("epidemic.checks") || key == "epidemic.fevers" {
            checks
        } else if key == "epidemic.coverage_rate" || key == "epidemic.untested" {
            coverage
        } else if key == "epidemic.close_contacts_managed" {
            close_contacts
        } else if key == "epidemic.secondary_contacts_managed" {
            secondary_contacts
        } else if key.ends_with("_contacts_found") || key == "epidemic.contacts_found_within_24h" {
            investigations
        } else if key.starts_with("epidemic.samples")
            || key.starts_with("epidemic.results")
            || key.starts_with("epidemic.positives")
        {
            testing
        } else if key.starts_with("epidemic.risk_areas") {
            risk
        } else if key.starts_with("epidemic.cases") {
            cases
        } else {
            continue;
        };
        out.push((key, href));
    }
    out
}
