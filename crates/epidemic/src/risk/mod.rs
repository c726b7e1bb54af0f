//! Risk areas from cases: the module that knows cases evaluates the kernel's risk rules
//! (`platform::risk`) — every ten minutes and on demand — and names the case and risk-area
//! figures. Levels, overrides, history, the map and 对号入座 live in the kernel so economy and
//! the command screen read them without depending on this crate.

pub mod api;
pub mod evaluate;
pub mod figures;

use std::time::Duration;

use futures::FutureExt;
use platform::module::JobDef;
use platform::routes::{Access, Routes};
use utoipa_axum::routes;

pub fn routes(r: &mut Routes) {
    r.api(
        Access::Roles(platform::risk::pages::EDITORS),
        routes!(api::post_evaluate),
    );
}

pub fn jobs() -> Vec<JobDef> {
    vec![JobDef {
        name: "epidemic.risk_levels",
        every: Duration::from_secs(600),
        run: |state| {
            async move {
                let actor = platform::audit::Actor::system("epidemic.risk_levels");
                evaluate::run(state.db(), &actor, true, crate::time::today()).await?;
                Ok(())
            }
            .boxed()
        },
    }]
}
