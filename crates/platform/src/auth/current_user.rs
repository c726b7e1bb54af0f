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
}

impl CurrentUser {
    /// Whether `code` lies in the user's area subtree.
    pub fn covers(&self, code: &DivisionCode) -> bool {
        self.area.contains(code)
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
