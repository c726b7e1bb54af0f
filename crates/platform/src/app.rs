//! Assembly: merges the modules' catalogs, navigation, figures, jobs and routes with the kernel's
//! layers into one router, and serves it. The binary and `testkit` both come through here, so
//! tests run the same stack as production.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Catalogs;
use crate::jobs::JobRunner;
use crate::module::Module;
use crate::routes::{RouteInfo, Routes};
use crate::state::AppState;
use crate::web::{errors, metrics};

pub struct App {
    pub state: AppState,
    pub router: Router,
    /// Every route with its access rule, for the guard test and documentation.
    pub routes: Vec<RouteInfo>,
    pub jobs: JobRunner,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tongxin API",
        description = "同心 — district command platform for epidemic control and economic recovery. \
            JSON under /api/v1; errors as {\"error\":{\"code\",\"message\",\"field\"}}; lists as \
            {\"items\":[…],\"next_cursor\":…} with ?limit= and ?cursor=. Sign in with POST /api/v1/session \
            and send the session cookie back, or send an API token (made by an admin at /admin/tokens) as \
            Authorization: Bearer tongxin_…. Too many failed sign-ins answer 429 with Retry-After."
    ),
    components(schemas(crate::api::ErrorBody, crate::api::ErrorDetail))
)]
struct BaseDoc;

/// Builds the application from a migrated database and the modules, in display order.
pub fn assemble(config: Config, db: Db, modules: Vec<Arc<dyn Module>>) -> anyhow::Result<App> {
    let extra: Vec<_> = modules.iter().flat_map(|m| m.catalogs()).collect();
    let catalogs = Catalogs::load(&extra)?;
    let mismatched = catalogs.mismatched_keys();
    anyhow::ensure!(
        mismatched.is_empty(),
        "catalog keys missing in one language: {mismatched:?}"
    );

    let mut nav: Vec<_> = modules.iter().flat_map(|m| m.nav()).collect();
    nav.sort_by_key(|item| item.order);
    let figures: Vec<_> = modules.iter().flat_map(|m| m.figures()).collect();
    for (i, f) in figures.iter().enumerate() {
        anyhow::ensure!(
            !figures[..i].iter().any(|g| g.key == f.key),
            "figure {} registered twice",
            f.key
        );
    }
    let jobs: Vec<_> = modules.iter().flat_map(|m| m.jobs()).collect();

    let module_roles: Vec<_> = modules
        .iter()
        .map(|m| (m.name(), m.default_roles()))
        .collect();
    for (i, (name, _)) in module_roles.iter().enumerate() {
        anyhow::ensure!(
            !module_roles[..i].iter().any(|(other, _)| other == name),
            "module {name} registered twice"
        );
    }
    let calendar = crate::calendar::load(config.calendar_file.as_deref(), &catalogs)?;
    let ticket_kinds: Vec<_> = modules.iter().flat_map(|m| m.ticket_kinds()).collect();
    for (i, k) in ticket_kinds.iter().enumerate() {
        anyhow::ensure!(
            !ticket_kinds[..i].iter().any(|other| other.code == k.code),
            "ticket kind {} registered twice",
            k.code
        );
    }
    let state = AppState::new(
        db,
        config.clone(),
        calendar,
        catalogs,
        crate::state::Registered {
            nav,
            figures,
            modules: module_roles,
            ticket_kinds,
            nav_counts: modules.iter().flat_map(|m| m.nav_counts()).collect(),
            figure_records: modules.iter().flat_map(|m| m.figure_records()).collect(),
        },
    );
    let mut routes = Routes::new(
        state.clone(),
        OpenApiRouter::with_openapi(BaseDoc::openapi()),
    );
    for module in &modules {
        routes.enter(module.name());
        module.routes(&mut routes);
    }
    for route in routes.index() {
        if let crate::routes::Access::Module(name, _) = route.access {
            anyhow::ensure!(
                state.module_default_roles(name).is_some(),
                "route {} needs module {name}, which is not registered",
                route.path
            );
        }
    }
    let (api, pages, index) = routes.into_parts();
    let (api_router, openapi) = api.split_for_parts();
    state.set_openapi_json(serde_json::to_string(&openapi)?);

    let router = Router::new()
        .merge(api_router)
        .merge(pages)
        .fallback(|| async { AppError::not_found() })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // Cross-site state changes are refused by Sec-Fetch-Site/Origin; API clients without
        // either header (devices, scripts) pass, and authenticate by session or token.
        .layer(CsrfLayer::new())
        .layer(middleware::from_fn(token_requests_are_not_browser_requests))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::client::resolve,
        ))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors::render,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state.clone());

    let runner = JobRunner::new(state.clone(), jobs);
    Ok(App {
        state,
        router,
        routes: index,
        jobs: runner,
    })
}

/// A request with `Authorization: Bearer …` is a machine client's: the guard resolves it by the
/// token alone and ignores any cookie, so the browser's cross-site signals (`Origin`,
/// `Sec-Fetch-Site`) protect nothing there and are dropped before the CSRF layer. A browser never
/// adds that header to a cross-site request by itself (it needs a CORS preflight we never grant).
async fn token_requests_are_not_browser_requests(
    mut req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    if crate::auth::tokens::bearer(req.headers()).is_some() {
        req.headers_mut().remove(header::ORIGIN);
        req.headers_mut()
            .remove(HeaderName::from_static("sec-fetch-site"));
    }
    next.run(req).await
}

/// Content-Security-Policy without inline scripts or styles, no framing anywhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// Serves until `shutdown` resolves, with the jobs running beside the server.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let jobs = if app.state.config().run_jobs {
        Some(app.jobs.start())
    } else {
        None
    };
    let service = app
        .router
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await?;
    if let Some(jobs) = jobs {
        jobs.abort();
    }
    Ok(())
}
