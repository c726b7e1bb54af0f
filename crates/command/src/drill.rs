//! A figure's breakdown by the direct sub-areas of an area: the value for each, so every number
//! on the screen clicks through to where it comes from, down to the village.

use chrono::NaiveDate;
use domain::DivisionCode;
use platform::AppState;
use platform::error::AppResult;
use platform::module::FigureDef;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Part {
    pub area_code: String,
    pub name: String,
    pub value: f64,
    /// Whether the area has sub-areas to drill into.
    pub has_children: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub key: String,
    pub area_code: String,
    pub date: NaiveDate,
    /// The area's own value (the whole subtree).
    pub total: f64,
    pub parts: Vec<Part>,
}

/// At most this many sub-areas (a district has a dozen townships, a township a few dozen
/// villages).
const MAX_PARTS: u32 = 500;

pub async fn breakdown(
    state: &AppState,
    figure: &FigureDef,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Breakdown> {
    let total = platform::figures::compute(state, figure, area, date).await?;
    let children =
        platform::areas::repo::children(state.db(), area.as_str(), "", MAX_PARTS).await?;
    let mut parts = Vec::with_capacity(children.len());
    for child in children {
        let code = DivisionCode::parse(&child.code)?;
        parts.push(Part {
            value: platform::figures::compute(state, figure, &code, date).await?,
            area_code: child.code,
            name: child.name,
            has_children: child.children > 0,
        });
    }
    Ok(Breakdown {
        key: figure.key.to_string(),
        area_code: area.as_str().to_string(),
        date,
        total,
        parts,
    })
}
