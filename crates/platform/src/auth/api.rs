//! `POST /api/v1/session` (sign in), `DELETE /api/v1/session` (sign out), `DELETE
//! /api/v1/sessions` (sign out everywhere), `GET /api/v1/me`, `POST /api/v1/me/password`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signin::{self, Refused};
use super::{ClientIp, CurrentUser, Role, SESSION_COOKIE, session};
use crate::api::{ApiJson, ErrorBody};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::service::PasswordChange;
use crate::web::cookies;

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The signed-in user (or the API token's principal).
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The user name; `token:NAME` for an API token.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Root of the user's area subtree.
    pub area_code: String,
    pub area_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// The password was set by an admin and must be changed before anything else.
    pub must_change_password: bool,
    /// May reveal full personal data of one record at a time, giving a reason.
    pub can_reveal_pii: bool,
}

impl From<CurrentUser> for Me {
    fn from(u: CurrentUser) -> Self {
        Me {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            area_code: u.area.as_str().to_string(),
            area_name: u.area_name,
            unit_id: u.unit_id,
            unit_name: u.unit_name,
            must_change_password: u.must_change_password,
            can_reveal_pii: u.can_reveal_pii,
        }
    }
}

pub(crate) fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

#[utoipa::path(
    post, path = "/api/v1/session", tag = "session",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this account or address; \
            the message says when to retry (Beijing time) and `Retry-After` in how many seconds",
            body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, Refused> {
    let signed_in = signin::sign_in(
        &state,
        &credentials.username,
        &credentials.password,
        client.text(),
        user_agent(&headers),
    )
    .await?;
    let user = session::resolve_token(state.db(), &signed_in.token, state.config().session_idle)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let mut response = Json(Me::from(user)).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signed_in.cookie);
    Ok(response)
}

#[utoipa::path(
    delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"))
)]
pub async fn sign_out(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    headers: HeaderMap,
) -> AppResult<Response> {
    if let Some(token) = cookies::get(&headers, SESSION_COOKIE) {
        signin::sign_out(&state, &actor, &user, &token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie(&state)?);
    Ok(response)
}

#[utoipa::path(
    delete, path = "/api/v1/sessions", tag = "session",
    responses(
        (status = 204, description = "Every session of the user ended, this one too; the cookie is cleared"),
        (status = 403, description = "API tokens have no sessions", body = ErrorBody),
    )
)]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
) -> AppResult<Response> {
    signin::sign_out_everywhere(&state, &actor, &user).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie(&state)?);
    Ok(response)
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "session",
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me::from(user))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPassword {
    pub current: String,
    /// At least 10 characters, not containing the user name, not a common password.
    pub new: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "session",
    request_body = NewPassword,
    responses(
        (status = 204, description = "Changed; the user's other sessions ended"),
        (status = 403, description = "API tokens have no password", body = ErrorBody),
        (status = 422, description = "Wrong current password, or the new one breaks the policy", body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPassword>,
) -> AppResult<StatusCode> {
    let keep = cookies::get(&headers, SESSION_COOKIE).unwrap_or_default();
    change_own_password(&state, &actor, &user, &body.current, &body.new, keep).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the current password and the policy, then stores the new one; every other session of
/// the user ends.
pub async fn change_own_password(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    current: &str,
    new: &str,
    keep_session: String,
) -> AppResult<()> {
    if user.is_token() {
        return Err(AppError::forbidden());
    }
    let record = crate::users::repo::get_by_id(state.db(), user.id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let login = crate::users::repo::login_record(state.db(), &user.username)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if !super::verify_password(Some(login.password_hash), current).await? {
        return Err(AppError::invalid("account.wrong_current_password").on_field("current"));
    }
    super::check_password_policy(&user.username, new).map_err(|e| e.on_field("new"))?;
    let hash = super::hash_password(new).await?;
    crate::users::service::set_password(
        state.db(),
        actor,
        &record,
        &hash,
        PasswordChange::Own { keep_session },
    )
    .await?;
    Ok(())
}
