//! The figure registry: every module's named figures (`Module::figures`, `module::FigureDef`) in
//! one place, computed for an area's subtree on a day. One definition serves the API, the
//! dashboards and the bulletins. A figure answers only to holders of its module (the key's first
//! segment, decided by `auth::permission`).

pub mod api;
pub mod memo;

use chrono::NaiveDate;
use domain::DivisionCode;

use crate::auth::{Action, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::module::FigureDef;
use crate::state::AppState;

/// The module a figure belongs to: its key's first segment (`epidemic.screenings` → `epidemic`).
pub fn module_of(key: &str) -> &str {
    key.split('.').next().unwrap_or(key)
}

/// The figures `user` may read, in registration order.
pub async fn readable(state: &AppState, user: &CurrentUser) -> AppResult<Vec<FigureDef>> {
    let mut out = Vec::new();
    for f in state.figures() {
        if crate::auth::permission::allows(state, user, module_of(f.key), Action::Read).await? {
            out.push(f.clone());
        }
    }
    Ok(out)
}

/// The figure `key` if `user` may read it; 404 otherwise (as if it did not exist).
pub async fn readable_one(state: &AppState, user: &CurrentUser, key: &str) -> AppResult<FigureDef> {
    let figure = state.figure(key).cloned().ok_or_else(AppError::not_found)?;
    if !crate::auth::permission::allows(state, user, module_of(key), Action::Read).await? {
        return Err(AppError::not_found());
    }
    Ok(figure)
}

/// The value of `figure` for `area`'s subtree on `day`.
pub async fn compute(
    state: &AppState,
    figure: &FigureDef,
    area: &DivisionCode,
    day: NaiveDate,
) -> AppResult<f64> {
    (figure.compute)(state, area, day)
        .await
        .map_err(AppError::internal)
}
