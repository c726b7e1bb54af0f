//! The route registry. Every route is added here with its access rule, which is enforced by a
//! layer on that route — so no handler can forget it — and recorded in an index that tests walk
//! to prove every route is guarded (public routes are an explicit list).

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::routing::MethodRouter;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::auth::{self, Role};
use crate::error::AppError;
use crate::state::AppState;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: login, health checks, static files.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Api,
    Page,
}

#[derive(Clone, Debug)]
pub struct RouteInfo {
    pub kind: RouteKind,
    /// Upper-case methods; empty for pages registered with several methods at once.
    pub methods: Vec<String>,
    pub path: String,
    pub access: Access,
}

pub struct Routes {
    state: AppState,
    api: OpenApiRouter<AppState>,
    pages: Router<AppState>,
    index: Vec<RouteInfo>,
}

impl Routes {
    pub(crate) fn new(state: AppState, api: OpenApiRouter<AppState>) -> Self {
        Routes {
            state,
            api,
            pages: Router::new(),
            index: Vec::new(),
        }
    }

    /// Adds API routes made with `utoipa_axum::routes!(handler, …)`; they appear in the OpenAPI
    /// document with the paths and methods their `#[utoipa::path]` declares.
    pub fn api(
        &mut self,
        access: Access,
        (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
    ) {
        for (path, item) in &paths.paths {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ]
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(m, _)| m.to_string())
            .collect();
            self.index.push(RouteInfo {
                kind: RouteKind::Api,
                methods,
                path: path.clone(),
                access,
            });
        }
        let guarded = guard(&self.state, access, method_router);
        let api = std::mem::take(&mut self.api);
        self.api = api.routes((schemas, paths, guarded));
    }

    /// Adds a page (HTML) route.
    pub fn page(&mut self, access: Access, path: &str, method_router: MethodRouter<AppState>) {
        self.index.push(RouteInfo {
            kind: RouteKind::Page,
            methods: Vec::new(),
            path: path.to_string(),
            access,
        });
        let guarded = guard(&self.state, access, method_router);
        let pages = std::mem::take(&mut self.pages);
        self.pages = pages.route(path, guarded);
    }

    pub fn index(&self) -> &[RouteInfo] {
        &self.index
    }

    pub(crate) fn into_parts(self) -> (OpenApiRouter<AppState>, Router<AppState>, Vec<RouteInfo>) {
        (self.api, self.pages, self.index)
    }
}

fn guard(
    state: &AppState,
    access: Access,
    router: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    router.route_layer(middleware::from_fn_with_state(
        state.clone(),
        move |State(state): State<AppState>, mut req: Request, next: Next| async move {
            match check(&state, access, &mut req).await {
                Ok(()) => next.run(req).await,
                Err(err) => axum::response::IntoResponse::into_response(err),
            }
        },
    ))
}

async fn check(state: &AppState, access: Access, req: &mut Request) -> Result<(), AppError> {
    if access == Access::Public {
        // Public pages still like to know who is there (the login page greets a signed-in user).
        if let Some(user) = auth::resolve(state, req.headers()).await? {
            req.extensions_mut().insert(user);
        }
        return Ok(());
    }
    let user = auth::resolve(state, req.headers())
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if let Access::Roles(roles) = access
        && !roles.contains(&user.role)
    {
        return Err(AppError::forbidden());
    }
    req.extensions_mut().insert(user);
    Ok(())
}
