//! The home page: who I am, my area at a glance (from the figure registry), and my work.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::Utc;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::kit::FigureCard;
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    figures: Vec<FigureCard>,
}

/// `GET /`
pub async fn home(State(state): State<AppState>, page: Page) -> AppResult<Html<String>> {
    let user = page.user.clone().ok_or_else(AppError::unauthenticated)?;
    let today = (Utc::now() + chrono::Duration::seconds(i64::from(domain::CHINA_OFFSET_SECONDS)))
        .date_naive();
    let mut figures = Vec::new();
    for def in state.figures() {
        let value = (def.compute)(&state, &user.area, today).await?;
        figures.push(FigureCard::new(
            page.t(def.label_key),
            value,
            page.t(def.unit_key),
        ));
    }
    render(&HomePage {
        page: page.titled("home.title"),
        figures,
    })
}
