//! `GET /api/v1/command/screen?area=&date=`: the command screen's data, the figures the caller may
//! read; `GET /api/v1/command/figures/{key}/breakdown?area=&date=`: a figure by sub-area.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use domain::DivisionCode;
use platform::AppState;
use platform::api::{ApiQuery, ErrorBody};
use platform::auth::{Action, CurrentUser};
use platform::error::{AppError, AppResult};
use serde::Deserialize;
use utoipa::IntoParams;

use super::drill::Breakdown;
use super::snapshot::{self, Snapshot};

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ScreenQuery {
    /// The area shown; the caller's own when absent.
    pub area: Option<String>,
    /// `YYYY-MM-DD`; today (Beijing) when absent.
    pub date: Option<String>,
}

/// The area and day a query asks for, inside the caller's area.
pub fn area_and_date(user: &CurrentUser, q: &ScreenQuery) -> AppResult<(DivisionCode, NaiveDate)> {
    let area = match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => user.area.clone(),
        Some(a) => platform::areas::api::scoped_code(user, a, "area")?,
    };
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => platform::responsibility::today(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::invalid("figures.bad_date").on_field("date"))?,
    };
    Ok((area, date))
}

/// Whether the user holds each module the snapshot's figures come from.
async fn held(
    state: &AppState,
    user: &CurrentUser,
    snap: &Snapshot,
) -> AppResult<std::collections::BTreeMap<String, bool>> {
    let mut held = std::collections::BTreeMap::new();
    for section in &snap.sections {
        for f in &section.figures {
            if !held.contains_key(&f.module) {
                let allowed =
                    platform::auth::permission::allows(state, user, &f.module, Action::Read)
                        .await?;
                held.insert(f.module.clone(), allowed);
            }
        }
    }
    Ok(held)
}

/// The snapshot without the figures of modules the user does not hold.
pub async fn visible(state: &AppState, user: &CurrentUser, snap: &Snapshot) -> AppResult<Snapshot> {
    let held = held(state, user, snap).await?;
    Ok(without(snap, &held))
}

fn without(snap: &Snapshot, held: &std::collections::BTreeMap<String, bool>) -> Snapshot {
    let mut out = snap.clone();
    let holds = |module: &str| held.get(module).copied().unwrap_or(true);
    for section in &mut out.sections {
        section
            .figures
            .retain(|f| f.value.is_none() || holds(&f.module));
    }
    out.trends.retain(|t| holds(&t.module));
    out
}

#[utoipa::path(get, path = "/api/v1/command/screen", tag = "command", params(ScreenQuery),
    responses(
        (status = 200, description = "Headline figures with the day before, trends, overdue work by unit, urgent matters of the last 24 hours; current with every write within a second", body = Snapshot),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad area or date", body = ErrorBody),
    ))]
pub async fn screen(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ScreenQuery>,
) -> AppResult<axum::response::Response> {
    let (area, date) = area_and_date(&user, &q)?;
    let shared = snapshot::get_shared(&state, &area, date).await?;
    let held = held(&state, &user, &shared.snapshot).await?;
    // Readers who hold the same modules get the same bytes: serialised once per snapshot.
    let hidden: Vec<&str> = held
        .iter()
        .filter(|(_, h)| !**h)
        .map(|(m, _)| m.as_str())
        .collect();
    let key = hidden.join(",");
    let found = shared
        .rendered
        .lock()
        .expect("the rendered lock is never poisoned")
        .get(&key)
        .cloned();
    let body = match found {
        Some(body) => body,
        None => {
            let json = serde_json::to_vec(&without(&shared.snapshot, &held))
                .map_err(AppError::internal)?;
            let body = axum::body::Bytes::from(json);
            shared
                .rendered
                .lock()
                .expect("the rendered lock is never poisoned")
                .insert(key, body.clone());
            body
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/command/figures/{key}/breakdown", tag = "command",
    params(("key" = String, Path, description = "Figure key"), ScreenQuery),
    responses(
        (status = 200, description = "The figure for the area and for each of its direct sub-areas", body = Breakdown),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 404, description = "No such figure, or not the caller's to read", body = ErrorBody),
    ))]
pub async fn breakdown(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<ScreenQuery>,
) -> AppResult<Json<Breakdown>> {
    let figure = platform::figures::readable_one(&state, &user, &key).await?;
    let (area, date) = area_and_date(&user, &q)?;
    Ok(Json(
        super::drill::breakdown(&state, &figure, &area, date).await?,
    ))
}
