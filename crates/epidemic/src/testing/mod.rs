//! Nucleic-acid testing: sampling points, samples (single or pooled tubes of 5–10), lab results
//! imported in bulk and matched to people, retests after a positive pool, case notifications,
//! and the requirements that say who must be tested by when.

pub mod demo;
pub mod requirements;

use platform::module::FigureDef;
use platform::routes::Routes;

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}

pub fn importers() -> Vec<&'static dyn platform::imports::SheetImport> {
    Vec::new()
}
