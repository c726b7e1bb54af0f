//! Testing coverage (应检必检): who should have been tested by now and was not, by area and
//! group, live, and the call list for grid workers.

use platform::module::FigureDef;
use platform::routes::Routes;

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}
