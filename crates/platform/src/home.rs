//! The home page: who I am, my area at a glance (from the figure registry), and my work.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::Utc;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, render};

/// A figure card on the home page.
pub struct FigureCard {
    pub label: String,
    pub value: String,
    pub unit: String,
}

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
        figures.push(FigureCard {
            label: page.t(def.label_key).to_string(),
            value: if value.fract() == 0.0 {
                format!("{value:.0}")
            } else {
                format!("{value:.1}")
            },
            unit: page.t(def.unit_key).to_string(),
        });
    }
    render(&HomePage {
        page: page.titled("home.title"),
        figures,
    })
}
