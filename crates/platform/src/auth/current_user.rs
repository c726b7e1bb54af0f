//! The signed-in user, as the route guard resolved them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::DivisionCode;
use serde::Serialize;

use super::Role;
use crate::error::AppError;

#[derive(Clone, Debug, Serialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The root of the area subtree the user works in.
    pub area: DivisionCode,
    pub area_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub must_change_password: bool,
    /// May reveal one record's full personal data, giving a reason (`pii::reveal`).
    pub can_reveal_pii: bool,
    /// The enterprise an `enterprise` account speaks for (`users.enterprise_id`): it sees and
    /// reports that enterprise's records only. `None` for every other account.
    pub enterprise_id: Option<i64>,
    /// Set when the caller authenticated with an API token rather than a session: the token's
    /// name stands in the user name (`token:NAME`) and `id` is 0.
    pub token: Option<TokenScope>,
}

/// What an API token may do beyond its role and area: the modules it names.
#[derive(Clone, Debug, Serialize)]
pub struct TokenScope {
    pub id: i64,
    /// Module names, each optionally `:read` (read-only).
    pub modules: Vec<String>,
}

impl CurrentUser {
    /// The platform itself, for jobs that open work (a missed health check, an overdue sweep):
    /// it covers `area`, belongs to no unit, and is no user (`id` 0, never stored as a reporter).
    pub fn system(what: &str, area: DivisionCode) -> CurrentUser {
        CurrentUser {
            id: 0,
            username: format!("system:{what}"),
            display_name: format!("system:{what}"),
            role: Role::Commander,
            area,
            area_name: String::new(),
            unit_id: None,
            unit_name: None,
            must_change_password: false,
            can_reveal_pii: false,
            enterprise_id: None,
            token: None,
        }
    }

    /// `system`'s stand-in, not a person or a token.
    pub fn is_system(&self) -> bool {
        self.id == 0 && self.token.is_none()
    }

    /// Whether `code` lies in the user's area subtree.
    pub fn covers(&self, code: &DivisionCode) -> bool {
        self.area.contains(code)
    }

    /// A machine client with an API token, not a person with a session.
    pub fn is_token(&self) -> bool {
        self.token.is_some()
    }

    /// A record stored under `area_code` is the caller's to see, or answers 404 — records outside
    /// the subtree do not exist for the caller (areas answer 403: their codes are public).
    pub fn require_record_area(&self, area_code: &str) -> Result<(), AppError> {
        match DivisionCode::parse(area_code) {
            Ok(code) if self.covers(&code) => Ok(()),
            _ => Err(AppError::not_found()),
        }
    }
}

/// Handlers behind `Access::SignedIn` or `Access::Roles` take `CurrentUser` as an argument; the
/// guard has already put it in the request, so this never touches the database.
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(AppError::unauthenticated)
    }
}

/// The user if one is signed in, for public routes.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}
