//! `POST /api/v1/session` (sign in), `DELETE /api/v1/session` (sign out), `GET /api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CurrentUser, Role, SESSION_COOKIE, session, verify_password};
use crate::api::{ApiJson, ErrorBody};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::repo;
use crate::web::{ClientAddr, cookies};

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Root of the user's area subtree.
    pub area_code: String,
    pub area_name: String,
    pub unit_name: Option<String>,
    /// The password was set by an admin and must be changed.
    pub must_change_password: bool,
}

impl From<CurrentUser> for Me {
    fn from(u: CurrentUser) -> Self {
        Me {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            area_code: u.area.as_str().to_string(),
            area_name: u.area_name,
            unit_name: u.unit_name,
            must_change_password: u.must_change_password,
        }
    }
}

/// Checks a user name and password; answers the user id. Unknown users, wrong passwords and
/// disabled accounts all fail alike, so the answer does not tell which user names exist.
pub async fn authenticate(state: &AppState, username: &str, password: &str) -> AppResult<i64> {
    let record = repo::login_record(state.db(), username).await?;
    let (id, hash, disabled) = match record {
        Some((id, hash, disabled)) => (Some(id), Some(hash), disabled),
        None => (None, None, false),
    };
    let ok = verify_password(hash, password).await?;
    match id {
        Some(id) if ok && !disabled => Ok(id),
        _ => Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "login.bad_credentials",
        )),
    }
}

/// Starts a session and answers the `Set-Cookie` value.
pub async fn start_session(
    state: &AppState,
    user_id: i64,
    addr: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
) -> AppResult<HeaderValue> {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let addr = addr.map(|a| a.ip().to_string());
    let config = state.config();
    let token = session::create(
        state.db(),
        user_id,
        config.session_absolute,
        addr.as_deref(),
        agent,
    )
    .await?;
    let cookie = cookies::set(
        SESSION_COOKIE,
        &token,
        config.session_absolute.as_secs(),
        config.secure_cookies,
        true,
    );
    HeaderValue::from_str(&cookie).map_err(AppError::internal)
}

#[utoipa::path(
    post, path = "/api/v1/session", tag = "session",
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(credentials): ApiJson<Credentials>,
) -> AppResult<Response> {
    let user_id = authenticate(&state, &credentials.username, &credentials.password).await?;
    let cookie = start_session(&state, user_id, addr, &headers).await?;
    let token = cookie
        .to_str()
        .ok()
        .and_then(|c| c.split(';').next())
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let user = session::resolve_token(state.db(), &token, state.config().session_idle)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let mut response = Json(Me::from(user)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[utoipa::path(
    delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"))
)]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(token) = cookies::get(&headers, SESSION_COOKIE) {
        session::delete(state.db(), &token).await?;
    }
    let clear = cookies::clear(SESSION_COOKIE, state.config().secure_cookies);
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(AppError::internal)?,
    );
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
