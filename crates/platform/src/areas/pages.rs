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
use crate::web::kit::{Cell, Column, Field, FieldKind, Table};
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
    children_count: String,
    level: String,
    table: Table,
}

fn level_label(page: &Page, level: &str) -> String {
    page.t(&format!("area.level.{level}")).to_string()
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
    let tr = page.tr.clone();
    let mut table = Table::new(
        "areas-table",
        tr.t("area.children"),
        format!("/areas/{}", area.code),
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("area.name")),
        Column::new("level", tr.t("area.level")),
        Column::new("code", tr.t("area.code")),
        Column::new("children", tr.t("area.children")).numeric(),
    ];
    table.rows = listed
        .items
        .iter()
        .map(|child| {
            vec![
                Cell::link(format!("/areas/{}", child.code), child.name.clone()),
                Cell::text(level_label(&page, &child.level)),
                Cell::Code(child.code.clone()),
                Cell::Num(child.children.to_string()),
            ]
        })
        .collect();
    table.next_cursor = listed.next_cursor;
    table.query = vec![("q".into(), q.clone())];
    table.empty_text = tr
        .t(if q.is_empty() {
            "area.no_children"
        } else {
            "area.no_match"
        })
        .to_string();
    table.filters = vec![
        Field::new("q", tr.t("area.search"), FieldKind::Search)
            .value(q)
            .placeholder(tr.t("area.search_placeholder")),
    ];
    let level = level_label(&page, &area.level);
    let children_count = tr.f("area.children_count", &[("n", &area.children.to_string())]);
    let page = page
        .titled_text(area.name.clone())
        .with_area_crumbs(&path, &[]);
    render(&BrowsePage {
        page,
        area,
        children_count,
        level,
        table,
    })
}
