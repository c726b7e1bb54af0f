//! The area browser: an area, its path from the top, and its children, one page at a time.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::api::scoped_code;
use super::repo::{self, Area};
use crate::api::{ListParams, page_of};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, render};

#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    pub q: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "areas/browse.html")]
struct BrowsePage {
    page: Page,
    area: Area,
    path: Vec<(String, String)>,
    children: Vec<Area>,
    next_cursor: Option<String>,
    q: String,
    searching: bool,
}

impl BrowsePage {
    fn level_label(&self, level: &str) -> String {
        self.page.t(&format!("area.level.{level}")).to_string()
    }
}

/// `GET /areas`: the user's own area.
pub async fn mine(page: Page) -> AppResult<Response> {
    let user = page.user.as_ref().ok_or_else(AppError::unauthenticated)?;
    Ok(Redirect::to(&format!("/areas/{}", user.area.as_str())).into_response())
}

/// `GET /areas/{code}`
pub async fn browse(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    axum::extract::Query(query): axum::extract::Query<BrowseQuery>,
) -> AppResult<Html<String>> {
    let user = page.user.clone().ok_or_else(AppError::unauthenticated)?;
    let code = scoped_code(&user, &code, "code")?;
    let area = repo::get(state.db(), code.as_str())
        .await?
        .ok_or_else(AppError::not_found)?;
    let path = repo::path_to(state.db(), &code).await?;
    let paging = ListParams {
        limit: None,
        cursor: query.cursor.clone(),
    };
    let limit = paging.limit()?;
    let after = paging.after()?.unwrap_or_default();
    let q = query.q.clone().unwrap_or_default().trim().to_string();
    let rows = if q.is_empty() {
        repo::children(state.db(), code.as_str(), &after, limit + 1).await?
    } else {
        repo::search(state.db(), &code, &q, &after, limit + 1).await?
    };
    let listed = page_of(rows, limit, |a| a.code.clone());
    let page = page.titled_text(area.name.clone());
    render(&BrowsePage {
        page,
        area,
        path,
        children: listed.items,
        next_cursor: listed.next_cursor,
        searching: !q.is_empty(),
        q,
    })
}
