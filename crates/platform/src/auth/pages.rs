//! The login page, signing out, and the language switch.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::signin;
use super::{ClientIp, CurrentUser, SESSION_COOKIE};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::state::AppState;
use crate::web::{Page, cookies, render};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// Only paths on this site: `/x`, never `//host` or `https://…`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    next: String,
    username: String,
    error: Option<String>,
}

impl LoginPage {
    fn fields(&self) -> Vec<crate::web::kit::Field> {
        use crate::web::kit::{Field, FieldKind};
        vec![
            Field::text("username", self.page.t("login.username"))
                .required()
                .value(self.username.clone())
                .autocomplete("username"),
            Field::new(
                "password",
                self.page.t("login.password"),
                FieldKind::Password,
            )
            .required()
            .autocomplete("current-password"),
        ]
    }
}

/// `GET /login`
pub async fn form(page: Page, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let next = safe_next(q.next.as_deref());
    if page.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(&LoginPage {
        page: page.titled("login.title"),
        next,
        username: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

/// `POST /login`
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    let result = signin::sign_in(
        &state,
        &form.username,
        &form.password,
        client.text(),
        super::api::user_agent(&headers),
    )
    .await;
    match result {
        Ok(signed_in) => {
            let mut response = Redirect::to(&next).into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, signed_in.cookie);
            Ok(response)
        }
        Err(refused)
            if refused.error.status == StatusCode::UNAUTHORIZED
                || refused.error.status == StatusCode::TOO_MANY_REQUESTS =>
        {
            let error = Some(refused.error.message(&page.tr));
            let view = LoginPage {
                page: page.titled("login.title"),
                next,
                username: form.username,
                error,
            };
            let mut response = (refused.error.status, render(&view)?).into_response();
            if let Some(seconds) = refused.retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            Ok(response)
        }
        Err(refused) => Err(refused.error),
    }
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    headers: HeaderMap,
) -> AppResult<Response> {
    if let Some(token) = cookies::get(&headers, SESSION_COOKIE) {
        signin::sign_out(&state, &actor, &user, &token).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie(&state)?);
    Ok(response)
}

/// `POST /account/sessions/end`: signs out on every device, this one too.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
) -> AppResult<Response> {
    signin::sign_out_everywhere(&state, &actor, &user).await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie(&state)?);
    Ok(response)
}

/// `GET /lang/{tag}?next=`: remembers the language for a year and goes back.
pub async fn switch_lang(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let lang = Lang::parse(&tag).ok_or_else(AppError::not_found)?;
    let cookie = cookies::set(
        LANG_COOKIE,
        lang.tag(),
        365 * 24 * 3600,
        state.config().secure_cookies,
        false,
    );
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    Ok(response)
}
