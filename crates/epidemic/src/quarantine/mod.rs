//! Quarantine: sites (places of kind `quarantine_site`) with rooms, orders (centralized or home)
//! with their policy-computed end, check-in, room changes, transfers, extensions, early ends,
//! release and the follow-up that comes after; live occupancy.

pub mod demo;
pub mod orders;

use platform::module::FigureDef;
use platform::routes::Routes;

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}
