//! The named figures of the economy module, for dashboards and bulletins: each part of the
//! module lists its own.

use platform::module::FigureDef;

pub fn all() -> Vec<FigureDef> {
    crate::resumption::figures()
}
