//! Key persons (重点人员): the people under management — inbound travellers, close and secondary
//! contacts, people under observation, released people in follow-up, cases — one episode per
//! record, with category, reason, source, dates, the responsible grid worker (包保) and the
//! history of every change of status.

pub mod repo;

use platform::module::FigureDef;
use platform::routes::Routes;

pub const RECORD_KIND: &str = "epidemic.key_person";

/// `status`: under management in the community, in quarantine, in follow-up after release,
/// ended.
pub mod status {
    pub const MANAGED: &str = "managed";
    pub const QUARANTINED: &str = "quarantined";
    pub const FOLLOWUP: &str = "followup";
    pub const ENDED: &str = "ended";
    pub const ALL: &[&str] = &[MANAGED, QUARANTINED, FOLLOWUP, ENDED];
}

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}
