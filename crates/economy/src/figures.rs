//! The named figures of the economy module, for dashboards and bulletins: each part of the
//! module lists its own.

use platform::module::FigureDef;

pub fn all() -> Vec<FigureDef> {
    let mut all = crate::resumption::figures();
    all.extend(crate::inspections::figures());
    all.extend(crate::needs::figures());
    all.extend(crate::ppe::figures());
    all
}
