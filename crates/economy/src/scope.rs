//! Whose records a caller sees beyond their area: an enterprise account (`users.enterprise_id`)
//! its own enterprise only; an account in the enterprise role that is linked to none, nothing.

use platform::auth::{CurrentUser, Role};

/// The one enterprise the caller's reading and reporting is limited to, if any. `Some(0)`
/// (no enterprise has id 0) for an unlinked enterprise account or token.
pub fn own_enterprise(user: &CurrentUser) -> Option<i64> {
    match (user.enterprise_id, user.role) {
        (Some(id), _) => Some(id),
        (None, Role::Enterprise) => Some(0),
        (None, _) => None,
    }
}

/// The enterprise a list is narrowed to: the caller's own for an enterprise account (asking for
/// another answers 403), else the one asked for, if any.
pub fn enterprise_filter(
    user: &CurrentUser,
    asked: Option<i64>,
) -> platform::error::AppResult<Option<i64>> {
    match (own_enterprise(user), asked) {
        (Some(own), Some(asked)) if own != asked => Err(platform::error::AppError::forbidden()),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

/// A layer for routes that act across enterprises (sheet uploads): an enterprise account is
/// refused (403) — it speaks for its own enterprise only.
pub async fn not_for_enterprise_accounts(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limited = request
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|u| own_enterprise(u).is_some());
    if limited {
        return platform::error::AppError::forbidden().into_response();
    }
    next.run(request).await
}
