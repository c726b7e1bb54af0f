//! The kernel's own module: sign-in, the signed-in user, areas, the work calendar, user
//! administration, health,
//! metrics, the OpenAPI document and static files. It plugs in through the same `Module` trait
//! as every campaign, which keeps that trait honest.

use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use domain::AreaLevel;
use futures::FutureExt;
use utoipa_axum::routes;

use crate::areas;
use crate::auth::{self, Action, Role};
use crate::calendar;
use crate::module::{FigureDef, JobDef, Module, NavItem};
use crate::routes::{Access, Routes};
use crate::state::AppState;
use crate::users;
use crate::web::{assets, health, metrics};

pub struct Kernel;

const ADMINS: &[Role] = &[Role::Admin];

impl Module for Kernel {
    fn name(&self) -> &'static str {
        "kernel"
    }

    fn routes(&self, r: &mut Routes) {
        r.api(Access::Public, routes!(healthz));
        r.api(Access::Public, routes!(readyz));
        r.api(Access::Public, routes!(metrics_text));
        r.api(Access::Public, routes!(openapi_json));
        r.api(Access::Public, routes!(auth::api::sign_in));
        r.api(Access::OwnAccount, routes!(auth::api::sign_out));
        r.api(Access::OwnAccount, routes!(auth::api::me));
        r.api(Access::SignedIn, routes!(crate::imports::api::report));
        r.api(
            Access::Module("kernel", Action::Read),
            routes!(areas::api::list),
        );
        r.api(Access::SignedIn, routes!(calendar::api::add_working_days));
        r.api(Access::SignedIn, routes!(crate::figures::api::list));
        r.api(Access::SignedIn, routes!(crate::figures::api::get));
        r.api(
            Access::Module("kernel", Action::Read),
            routes!(areas::api::get),
        );

        r.page(Access::Public, "/assets/{*path}", get(assets::serve));
        r.page(
            Access::Public,
            "/login",
            get(auth::pages::form).post(auth::pages::submit),
        );
        r.page(Access::Public, "/lang/{tag}", get(auth::pages::switch_lang));
        r.page(Access::OwnAccount, "/logout", post(auth::pages::logout));
        r.page(Access::SignedIn, "/", get(crate::home::home));
        crate::web::ui::register(r);
        r.page(
            Access::Module("kernel", Action::Read),
            "/areas",
            get(areas::pages::mine),
        );
        r.page(
            Access::Module("kernel", Action::Read),
            "/areas/{code}",
            get(areas::pages::browse),
        );
        r.page(
            Access::OwnAccount,
            "/account/password",
            get(users::pages::password_form).post(users::pages::change_password),
        );
        r.page(
            Access::Roles(ADMINS),
            "/admin/users",
            get(users::pages::list),
        );
        r.page(
            Access::Roles(ADMINS),
            "/admin/users/new",
            get(users::pages::new_form).post(users::pages::create),
        );
        r.page(
            Access::Roles(ADMINS),
            "/admin/users/{username}/{action}",
            post(users::pages::set_disabled),
        );
        crate::identity::routes(r);
        crate::risk::register(r);
    }

    /// The demo's map shapes (the areas themselves come with the demo's base).
    fn demo<'a>(
        &'a self,
        ctx: &'a crate::demo::DemoContext,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(crate::risk::demo::generate(ctx))
    }

    /// The area tree is everyone's but the auditor's, who reads the audit log and nothing else.
    fn default_roles(&self) -> &'static [Role] {
        crate::identity::ALL_BUT_AUDITORS
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem {
                label_key: "nav.home",
                href: "/",
                roles: &[],
                order: 0,
                on_phone_bar: true,
            },
            NavItem {
                label_key: "nav.areas",
                href: "/areas",
                roles: crate::identity::ALL_BUT_AUDITORS,
                order: 900,
                on_phone_bar: true,
            },
            NavItem {
                label_key: "nav.users",
                href: "/admin/users",
                roles: ADMINS,
                order: 1000,
                on_phone_bar: false,
            },
            crate::risk::nav(),
            crate::identity::nav_tokens(),
            crate::identity::nav_audit(),
            crate::web::ui::nav_item(),
        ]
    }

    fn figures(&self) -> Vec<FigureDef> {
        vec![
            FigureDef {
                key: "areas.townships",
                label_key: "figure.areas.townships",
                unit_key: "unit.ge",
                compute: |s, a, _| count_level(s, a, AreaLevel::Township).boxed(),
            },
            FigureDef {
                key: "areas.villages",
                label_key: "figure.areas.villages",
                unit_key: "unit.ge",
                compute: |s, a, _| count_level(s, a, AreaLevel::Village).boxed(),
            },
            FigureDef {
                key: "areas.grids",
                label_key: "figure.areas.grids",
                unit_key: "unit.ge",
                compute: |s, a, _| count_level(s, a, AreaLevel::Grid).boxed(),
            },
        ]
    }

    fn jobs(&self) -> Vec<JobDef> {
        vec![JobDef {
            name: "kernel.purge_sessions",
            every: Duration::from_secs(600),
            run: |state| {
                async move {
                    let purged =
                        auth::session::purge_expired(state.db(), state.config().session_idle)
                            .await?;
                    tracing::debug!(purged, "expired sessions purged");
                    Ok(())
                }
                .boxed()
            },
        }]
    }
}

async fn count_level(
    state: &AppState,
    area: &domain::DivisionCode,
    level: AreaLevel,
) -> anyhow::Result<f64> {
    Ok(areas::repo::count_in_subtree(state.db(), area, level).await? as f64)
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers")))]
async fn healthz() -> axum::response::Response {
    health::healthz().await
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Database reachable and migrations current"),
        (status = 503, description = "Database unreachable or migrations pending"),
    ))]
async fn readyz(state: State<AppState>) -> axum::response::Response {
    health::readyz(state).await
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
async fn metrics_text(state: State<AppState>) -> axum::response::Response {
    metrics::endpoint(state).await
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "This OpenAPI 3 document")))]
async fn openapi_json(State(state): State<AppState>) -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json().to_string(),
    )
        .into_response()
}
