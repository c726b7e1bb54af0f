//! The route registry. Every route is added here with its access rule, which is enforced by a
//! layer on that route — so no handler can forget it — and recorded in an index that tests walk
//! to prove every route is guarded (public routes are an explicit list).

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect};
use axum::routing::MethodRouter;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::auth::{self, Action, Role};
use crate::error::AppError;
use crate::state::AppState;

/// Who may call a route. Every rule but `Public` and `OwnAccount` also refuses a user who must
/// still change the password an admin gave them (pages send them to the password page, the API
/// answers 403 `password_change_required`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: login, health checks, static files.
    Public,
    /// Any signed-in user, even one who must change their password first: the password page,
    /// signing out, who am I.
    OwnAccount,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
    /// Holders of a module, for reading or also writing its data (`auth::permission`): role
    /// defaults, unit and user grants, a token's modules. The module must be registered.
    Module(&'static str, Action),
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
    /// The module that registered the route.
    pub module: &'static str,
}

pub struct Routes {
    state: AppState,
    module: &'static str,
    api: OpenApiRouter<AppState>,
    pages: Router<AppState>,
    index: Vec<RouteInfo>,
}

impl Routes {
    pub(crate) fn new(state: AppState, api: OpenApiRouter<AppState>) -> Self {
        Routes {
            state,
            module: "",
            api,
            pages: Router::new(),
            index: Vec::new(),
        }
    }

    /// Routes added from now on belong to `module`.
    pub(crate) fn enter(&mut self, module: &'static str) {
        self.module = module;
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
                module: self.module,
            });
        }
        let guarded = guard(&self.state, access, RouteKind::Api, method_router);
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
            module: self.module,
        });
        let guarded = guard(&self.state, access, RouteKind::Page, method_router);
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
    kind: RouteKind,
    router: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    router.route_layer(middleware::from_fn_with_state(
        state.clone(),
        move |State(state): State<AppState>, mut req: Request, next: Next| async move {
            match check(&state, access, &mut req).await {
                Ok(()) => next.run(req).await,
                Err(Refusal::PasswordChange) if kind == RouteKind::Page => {
                    Redirect::to("/account/password").into_response()
                }
                Err(Refusal::PasswordChange) => AppError::new(
                    StatusCode::FORBIDDEN,
                    "password_change_required",
                    "account.password_change_required",
                )
                .into_response(),
                Err(Refusal::Error(err)) => err.into_response(),
            }
        },
    ))
}

enum Refusal {
    PasswordChange,
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Refusal::Error(err)
    }
}

/// The one place access is decided: who the caller is (session or token), whether they must
/// change their password first, their role, and the module they need.
async fn check(state: &AppState, access: Access, req: &mut Request) -> Result<(), Refusal> {
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
    if user.must_change_password && access != Access::OwnAccount {
        return Err(Refusal::PasswordChange);
    }
    let allowed = match access {
        Access::Public | Access::OwnAccount | Access::SignedIn => true,
        Access::Roles(roles) => roles.contains(&user.role),
        Access::Module(module, action) => {
            auth::permission::allows(state, &user, module, action).await?
        }
    };
    if !allowed {
        return Err(AppError::forbidden().into());
    }
    req.extensions_mut().insert(user);
    Ok(())
}
