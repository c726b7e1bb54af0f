//! The named figures of the economy module, for dashboards and bulletins: each part of the
//! module lists its own.

use platform::module::{FigureDef, RecordsFn};

pub fn all() -> Vec<FigureDef> {
    let mut all = crate::resumption::figures();
    all.extend(crate::inspections::figures());
    all.extend(crate::needs::figures());
    all.extend(crate::ppe::figures());
    all
}

/// Where each figure's records are listed, for the command's drill-down.
pub fn records() -> Vec<(&'static str, RecordsFn)> {
    let resumption: RecordsFn =
        |area, day| format!("/economy/resumption?area={}&date={day}", area.as_str());
    let inspections: RecordsFn = |area, _| format!("/economy/inspections?area={}", area.as_str());
    let failed: RecordsFn =
        |area, _| format!("/economy/inspections?area={}&failed=1", area.as_str());
    let needs: RecordsFn = |_, _| "/economy/needs?open=1".to_string();
    let ppe: RecordsFn = |_, _| "/economy/ppe".to_string();
    let mut out = Vec::new();
    for f in all() {
        let href = match f.key {
            "economy.inspections_done" | "economy.rectifications_open" => inspections,
            "economy.inspections_failed" | "economy.enterprises_suspended" => failed,
            "economy.needs_open" | "economy.needs_overdue" => needs,
            k if k.starts_with("economy.ppe_") => ppe,
            _ => resumption,
        };
        out.push((f.key, href));
    }
    out
}
