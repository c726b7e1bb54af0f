//! Nucleic-acid testing: sampling points, samples (single or pooled tubes of 5–10), lab results
//! imported in bulk and matched to people, retests after a positive pool, case notifications,
//! and the requirements that say who must be tested by when.

pub mod api;
pub mod cases;
pub mod demo;
pub mod figures;
pub mod import;
pub mod model;
pub mod pages;
pub mod requirements;
pub mod results;
pub mod samples;

use std::time::Duration;

use axum::routing::get;
use futures::FutureExt;
use platform::module::{FigureDef, JobDef};
use platform::routes::Routes;
use utoipa_axum::routes;

use crate::{READ, WRITE};

pub fn routes(r: &mut Routes) {
    r.api(READ, routes!(api::list));
    r.api(WRITE, routes!(api::create));
    r.api(WRITE, routes!(api::create_batch));
    r.api(READ, routes!(api::get));
    r.api(WRITE, routes!(api::post_results));
    r.api(WRITE, routes!(api::import));
    r.page(READ, "/epidemic/testing", get(pages::overview));
    r.page(
        WRITE,
        "/epidemic/testing/sample",
        get(pages::sample_form).post(pages::sample_submit),
    );
    r.page(
        WRITE,
        "/epidemic/testing/import",
        platform::imports::pages::routes(&import::PAGE),
    );
    r.page(WRITE, "/epidemic/testing/template", get(pages::template));
}

pub fn figures() -> Vec<FigureDef> {
    figures::all()
}

pub fn importers() -> Vec<&'static dyn platform::imports::SheetImport> {
    vec![&import::LAB_RESULTS]
}

/// `epidemic.case_notices`: tickets for the case notices an uploaded sheet left.
pub fn jobs() -> Vec<JobDef> {
    vec![JobDef {
        name: "epidemic.case_notices",
        every: Duration::from_secs(60),
        run: |state| {
            async move {
                let actor = platform::audit::Actor::system("epidemic.case_notices");
                cases::notify_pending(&state, &actor).await?;
                Ok(())
            }
            .boxed()
        },
    }]
}
