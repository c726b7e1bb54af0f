//! The living style page (`/ui`, admins only): every component of the UI kit in every state, so
//! people see them and the browser tests check them.

use askama::Template;
use axum::response::Html;

use crate::error::AppResult;
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "ui/style.html")]
struct StylePage {
    page: Page,
}

/// `GET /ui`
pub async fn style_page(page: Page) -> AppResult<Html<String>> {
    render(&StylePage {
        page: page.titled("ui.title"),
    })
}
