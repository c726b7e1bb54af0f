//! The named figures of the epidemic module, for dashboards and bulletins ([C]): each part of
//! the module lists its own.

use platform::module::FigureDef;

pub fn all() -> Vec<FigureDef> {
    let mut all = Vec::new();
    all.extend(crate::screening::figures());
    all.extend(crate::key_persons::figures());
    all.extend(crate::quarantine::figures());
    all.extend(crate::checks::figures());
    all.extend(crate::testing::figures());
    all.extend(crate::coverage::figures());
    all
}
