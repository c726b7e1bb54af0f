//! Signing in and out, shared by the API and the login page: throttled per account and per
//! address in the database, audited (`session.login`, `session.throttled`, `session.logout`,
//! `session.logout_all`) in the same transaction as the session change.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use super::throttle::{self, Gate};
use super::{CurrentUser, SESSION_COOKIE, session, verify_password};
use crate::audit::{self, Actor, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::repo;
use crate::web::cookies;

/// A new session.
pub struct SignedIn {
    pub user_id: i64,
    /// The session token (the cookie's value).
    pub token: String,
    /// The `Set-Cookie` header value.
    pub cookie: HeaderValue,
}

/// Why a sign-in failed, with the `Retry-After` a throttle asks for.
#[derive(Debug)]
pub struct Refused {
    pub error: AppError,
    pub retry_after: Option<u64>,
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused {
            error,
            retry_after: None,
        }
    }
}

impl From<sqlx::Error> for Refused {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn bad_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "login.bad_credentials",
    )
}

/// Checks a user name and password and starts a session. Unknown users, wrong passwords and
/// disabled accounts fail alike, so the answer does not tell which user names exist; too many
/// failures answer 429 before the password is even looked at.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    client_addr: Option<String>,
    user_agent: Option<&str>,
) -> Result<SignedIn, Refused> {
    let db = state.db();
    let limits = state.config().login_limits();
    let now = Utc::now();
    let record = repo::login_record(db, username).await?;
    let attempt = match throttle::begin(db, limits, username, client_addr.as_deref(), now).await? {
        Gate::Open(attempt) => attempt,
        Gate::Throttled { until } => {
            tracing::warn!(username, client_addr, %until, "sign-in refused: throttled");
            return Err(Refused {
                error: AppError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "login.throttled",
                )
                .with_arg("time", throttle::beijing_minute(until)),
                retry_after: Some(throttle::retry_after_seconds(now, until)),
            });
        }
    };
    let ok = verify_password(record.as_ref().map(|r| r.password_hash.clone()), password)
        .await
        .map_err(AppError::from)?;
    let record = match record {
        Some(record) if ok && !record.disabled => record,
        record => {
            let started = throttle::failed(
                db,
                attempt,
                limits,
                username,
                client_addr.as_deref(),
                Utc::now(),
            )
            .await?;
            if started.any() {
                let mut event = Event::new("session.throttled").after(json!({
                    "username": username.trim().to_ascii_lowercase(),
                    "by_account": started.account,
                    "by_address": started.address,
                    "minutes": limits.window.as_secs() / 60,
                }));
                event = match &record {
                    Some(r) => event.record("user", r.id).area(&r.area_code),
                    None => event.record("login", username.trim().to_ascii_lowercase()),
                };
                let mut tx = db.begin().await?;
                audit::append(&mut tx, &Actor::anonymous(client_addr.clone()), event).await?;
                tx.commit().await?;
            }
            return Err(bad_credentials().into());
        }
    };
    throttle::succeeded(db, attempt, username).await?;
    let config = state.config();
    let agent = user_agent.map(|ua| ua.chars().take(300).collect::<String>());
    let actor = Actor {
        user_id: Some(record.id),
        name: record.username.clone(),
        client_addr: client_addr.clone(),
    };
    let mut tx = db.begin().await?;
    let token = session::create(
        &mut tx,
        record.id,
        config.session_absolute,
        client_addr.as_deref(),
        agent.as_deref(),
    )
    .await?;
    let event = Event::new("session.login")
        .record("user", record.id)
        .area(&record.area_code)
        .after(json!({"user_agent": agent}));
    audit::append(&mut tx, &actor, event).await?;
    tx.commit().await?;
    let cookie = cookies::set(
        SESSION_COOKIE,
        &token,
        config.session_absolute.as_secs(),
        config.secure_cookies,
        true,
    );
    Ok(SignedIn {
        user_id: record.id,
        cookie: HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
        token,
    })
}

/// Ends the session holding `token` (`session.logout`).
pub async fn sign_out(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    token: &str,
) -> AppResult<()> {
    let mut tx = state.db().begin().await?;
    if session::delete_in(&mut tx, token).await? {
        let event = Event::new("session.logout")
            .record("user", user.id)
            .area(user.area.as_str());
        audit::append(&mut tx, actor, event).await?;
    }
    tx.commit().await?;
    crate::auth::session_cache::forget_all();
    Ok(())
}

/// Ends every session of the user, this one included (`session.logout_all`). Answers how many.
pub async fn sign_out_everywhere(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
) -> AppResult<u64> {
    if user.is_token() {
        return Err(AppError::forbidden());
    }
    let mut tx = state.db().begin().await?;
    let ended = session::delete_all_for_user(&mut tx, user.id).await?;
    let event = Event::new("session.logout_all")
        .record("user", user.id)
        .area(user.area.as_str())
        .after(json!({"sessions_ended": ended}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    crate::auth::session_cache::forget_all();
    Ok(ended)
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> AppResult<HeaderValue> {
    HeaderValue::from_str(&cookies::clear(
        SESSION_COOKIE,
        state.config().secure_cookies,
    ))
    .map_err(AppError::internal)
}
