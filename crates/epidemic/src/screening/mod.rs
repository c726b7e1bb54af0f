use platform::module::FigureDef;
use platform::routes::Routes;

pub fn routes(r: &mut Routes) {
    let _ = r;
}

pub fn figures() -> Vec<FigureDef> {
    Vec::new()
}
pub mod demo;
