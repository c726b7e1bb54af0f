//! Health checks: N a day per category of key person, entered by staff or by the person through a
//! one-time link; a fever or an alarming symptom opens an urgent ticket; a check missed past its
//! window opens a ticket that escalates.

pub mod demo;

use platform::module::{FigureDef, JobDef};
use platform::routes::Routes;

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}

pub fn jobs() -> Vec<JobDef> {
    Vec::new()
}
