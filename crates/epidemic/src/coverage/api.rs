//! `GET /api/v1/epidemic/coverage` (must, tested, untested and rate per child area) and
//! `GET /api/v1/epidemic/coverage/untested` (the call list, keyset-paged, masked), from the
//! in-memory index.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use domain::DivisionCode;
use platform::api::{ApiQuery, ErrorBody, ListPage};
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::compute::{self, ByArea, GroupKey, Obligation};
use super::index::{Index, day_date, day_num};

#[derive(Clone, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// The day, `YYYY-MM-DD` (default today, Beijing).
    pub date: Option<String>,
    /// The area (default the caller's; it must lie in the caller's).
    pub area: Option<String>,
    /// One group: `requirement:{screening|pool_retest|quarantine|released}`, `staff:{id}`,
    /// `round:{id}`.
    pub group: Option<String>,
    /// Items per page of the untested list, 1–500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The query checked: day, area (in the caller's scope) and group.
pub struct Checked {
    pub day: NaiveDate,
    pub area: DivisionCode,
    pub group: Option<GroupKey>,
}

fn some(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

pub fn check(user: &CurrentUser, q: &CoverageQuery) -> AppResult<Checked> {
    let day = crate::testing::api::day_of(q.date.as_deref(), "date")?
        .unwrap_or_else(platform::responsibility::today);
    let area = match some(q.area.as_deref()) {
        Some(a) => platform::areas::api::scoped_code(user, a, "area")?,
        None => user.area.clone(),
    };
    let group = some(q.group.as_deref())
        .map(|g| {
            GroupKey::parse(g)
                .ok_or_else(|| AppError::invalid("coverage.bad_group").on_field("group"))
        })
        .transpose()?;
    Ok(Checked { day, area, group })
}

#[utoipa::path(get, path = "/api/v1/epidemic/coverage", tag = "epidemic", params(CoverageQuery),
    responses(
        (status = 200, description = "Coverage of the area and of each child area", body = ByArea),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad date, area or group", body = ErrorBody),
    ))]
pub async fn by_area(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> AppResult<Json<ByArea>> {
    let c = check(&user, &q)?;
    let shared = super::index::of(&state);
    let index = shared.fresh().await?;
    Ok(Json(compute::by_area(
        &index,
        day_num(c.day),
        &c.area,
        c.group,
    )))
}

/// One person who should have been tested and was not. Personal data masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UntestedRow {
    pub person_id: i64,
    pub name: String,
    /// Masked.
    pub doc_number: String,
    /// Masked.
    pub phone: String,
    pub area_code: String,
    pub area_name: String,
    /// `requirement:pool_retest`, `staff:3`, `round:2`.
    pub group: String,
    pub group_name: String,
    /// The last day a sample was taken, if ever.
    pub last_sampled_on: Option<NaiveDate>,
}

pub fn row_of(index: &Index, tr: &Tr, day: u16, o: &Obligation) -> UntestedRow {
    let slot = index.person(o.person);
    let (name, doc, phone) = slot.map(|s| s.parts()).unwrap_or(("", "", ""));
    UntestedRow {
        person_id: o.person,
        name: name.to_string(),
        doc_number: doc.to_string(),
        phone: phone.to_string(),
        area_code: index.areas[o.area as usize].clone(),
        area_name: index.area_names[o.area as usize].clone(),
        group: o.group.code(),
        group_name: o.group.name(index, tr),
        last_sampled_on: slot.and_then(|s| s.last_by(day)).map(day_date),
    }
}

fn cursor_key(index: &Index, o: &Obligation) -> String {
    format!(
        "{}|{}|{}",
        index.areas[o.area as usize],
        o.person,
        o.group.code()
    )
}

/// One page of the untested list after `cursor`.
pub fn page(
    index: &Index,
    tr: &Tr,
    c: &Checked,
    cursor: Option<&str>,
    limit: u32,
) -> AppResult<ListPage<UntestedRow>> {
    let after = cursor
        .filter(|c| !c.is_empty())
        .map(platform::api::decode_cursor)
        .transpose()?;
    let after = match after.as_deref() {
        None => None,
        Some(text) => {
            let mut parts = text.splitn(3, '|');
            let bad = || AppError::invalid("api.bad_cursor").on_field("cursor");
            let area = parts.next().ok_or_else(bad)?.to_string();
            let person: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            let group = parts.next().and_then(GroupKey::parse).ok_or_else(bad)?;
            Some((area, person, group))
        }
    };
    let day = day_num(c.day);
    let all = compute::untested(index, day, &c.area, c.group);
    let start = match &after {
        None => 0,
        Some((area, person, group)) => all.partition_point(|o| {
            let code = index.areas[o.area as usize].as_str();
            (code, o.person, o.group) <= (area.as_str(), *person, *group)
        }),
    };
    let rows: Vec<&Obligation> = all[start..].iter().take(limit as usize + 1).collect();
    let more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    Ok(ListPage {
        items: rows.iter().map(|o| row_of(index, tr, day, o)).collect(),
        next_cursor: more
            .then(|| {
                rows.last()
                    .map(|o| platform::api::encode_cursor(&cursor_key(index, o)))
            })
            .flatten(),
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/coverage/untested", tag = "epidemic", params(CoverageQuery),
    responses(
        (status = 200, description = "Who should have been tested by the day and was not, by area, person and group; personal data masked", body = ListPage<UntestedRow>),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "Bad date, area, group, limit or cursor", body = ErrorBody),
    ))]
pub async fn untested(
    State(state): State<AppState>,
    user: CurrentUser,
    tr: Tr,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> AppResult<Json<ListPage<UntestedRow>>> {
    let limit = platform::api::ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    let c = check(&user, &q)?;
    let shared = super::index::of(&state);
    let index = shared.fresh().await?;
    Ok(Json(page(&index, &tr, &c, q.cursor.as_deref(), limit)?))
}
