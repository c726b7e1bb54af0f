//! Staff groups tested at a frequency and mass-testing rounds: creating them, adding members,
//! listing them. Each write audited in its own transaction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use platform::api::{ApiJson, ErrorBody};
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::testing::model::MemberRef;

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct GroupInput {
    /// 医院工作人员, 养老院工作人员, 冷链从业人员, 卡口工作人员 …
    pub name: String,
    /// The area that keeps the group (the caller's or below).
    pub area_code: String,
    /// Tested at least every this many days (1–60; 7 is weekly).
    pub every_days: i32,
}

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    pub area_code: String,
    pub every_days: i32,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct MembersInput {
    pub members: Vec<MemberRef>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct RoundInput {
    pub name: String,
    pub area_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RoundView {
    pub id: i64,
    pub name: String,
    pub area_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct Groups {
    pub groups: Vec<GroupView>,
    pub rounds: Vec<RoundView>,
}

fn valid_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::invalid("coverage.bad_name").on_field("name"));
    }
    Ok(name.to_string())
}

fn covered_area(user: &CurrentUser, code: &str) -> AppResult<String> {
    Ok(platform::areas::api::scoped_code(user, code, "area_code")?
        .as_str()
        .to_string())
}

async fn area_exists(db: &Db, code: &str) -> AppResult<()> {
    const SQL: &str = "SELECT COUNT(*) FROM areas WHERE code = $1";
    let n: i64 =
        platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(code).fetch_one(pool).await)?;
    if n == 0 {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    Ok(())
}

pub async fn create_group(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &GroupInput,
) -> AppResult<GroupView> {
    const SQL: &str = "INSERT INTO epi_staff_groups (name, area_code, every_days, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (area_code, name) DO NOTHING RETURNING id";
    let name = valid_name(&input.name)?;
    let area = covered_area(user, &input.area_code)?;
    area_exists(db, &area).await?;
    if !(1..=60).contains(&input.every_days) {
        return Err(AppError::invalid("coverage.bad_every_days").on_field("every_days"));
    }
    let mut tx = db.begin().await?;
    let id: Option<i64> = platform::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL)
        .bind(&name).bind(&area).bind(input.every_days).bind(Utc::now()).bind(&actor.name)
        .fetch_optional(conn).await)?;
    let id = id.ok_or_else(|| AppError::conflict("coverage.group_exists").on_field("name"))?;
    let view = GroupView {
        id,
        name,
        area_code: area,
        every_days: input.every_days,
    };
    let event = Event::new("epidemic.staff_group.create")
        .record("epidemic.staff_group", id)
        .area(&view.area_code)
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn add_members(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    group: i64,
    input: &MembersInput,
) -> AppResult<u64> {
    const GROUP: &str =
        "SELECT id, name, area_code, every_days FROM epi_staff_groups WHERE id = $1";
    const ADD: &str = "INSERT INTO epi_staff_members (group_id, person_id, created_at, created_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, person_id) DO NOTHING";
    let g: GroupView = platform::with_db!(db, pool => sqlx::query_as(GROUP).bind(group).fetch_optional(pool).await)?
        .ok_or_else(AppError::not_found)?;
    user.require_record_area(&g.area_code)?;
    if input.members.is_empty() || input.members.len() > 1000 {
        return Err(AppError::invalid("coverage.bad_members").on_field("members"));
    }
    let mut ids = Vec::with_capacity(input.members.len());
    for (i, m) in input.members.iter().enumerate() {
        ids.push(crate::testing::samples::resolve(db, m, &format!("members.{i}")).await?);
    }
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let mut added = 0;
    for id in &ids {
        added += platform::with_conn!(&mut tx, conn => sqlx::query(ADD)
            .bind(group).bind(id).bind(now).bind(&actor.name)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    let event = Event::new("epidemic.staff_group.add_members")
        .record("epidemic.staff_group", group)
        .area(&g.area_code)
        .after(json!({"added": added, "person_ids": ids}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(added)
}

pub async fn create_round(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &RoundInput,
) -> AppResult<RoundView> {
    const SQL: &str = "INSERT INTO epi_test_rounds (name, area_code, starts_on, ends_on, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let name = valid_name(&input.name)?;
    let area = covered_area(user, &input.area_code)?;
    area_exists(db, &area).await?;
    if input.ends_on < input.starts_on || (input.ends_on - input.starts_on).num_days() > 30 {
        return Err(AppError::invalid("coverage.bad_round_dates").on_field("ends_on"));
    }
    let mut tx = db.begin().await?;
    let id: i64 = platform::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL)
        .bind(&name).bind(&area).bind(input.starts_on).bind(input.ends_on).bind(Utc::now()).bind(&actor.name)
        .fetch_one(conn).await)?;
    let view = RoundView {
        id,
        name,
        area_code: area,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
    };
    let event = Event::new("epidemic.test_round.create")
        .record("epidemic.test_round", id)
        .area(&view.area_code)
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

/// Groups and rounds kept in the caller's area or above it (those that reach the caller).
pub async fn list(db: &Db, user: &CurrentUser) -> AppResult<Groups> {
    const GROUPS: &str = "SELECT id, name, area_code, every_days FROM epi_staff_groups ORDER BY id";
    const ROUNDS: &str =
        "SELECT id, name, area_code, starts_on, ends_on FROM epi_test_rounds ORDER BY id DESC";
    let reaches = |code: &str| {
        domain::DivisionCode::parse(code).is_ok_and(|c| user.covers(&c) || c.contains(&user.area))
    };
    let groups: Vec<GroupView> =
        platform::with_db!(db, pool => sqlx::query_as(GROUPS).fetch_all(pool).await)?;
    let rounds: Vec<RoundView> =
        platform::with_db!(db, pool => sqlx::query_as(ROUNDS).fetch_all(pool).await)?;
    Ok(Groups {
        groups: groups
            .into_iter()
            .filter(|g| reaches(&g.area_code))
            .collect(),
        rounds: rounds
            .into_iter()
            .filter(|r| reaches(&r.area_code))
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/epidemic/coverage/groups", tag = "epidemic",
    responses((status = 200, description = "Staff groups and mass-testing rounds that reach the caller's area", body = Groups)))]
pub async fn get_groups(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Groups>> {
    Ok(Json(list(state.db(), &user).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/coverage/groups", tag = "epidemic", request_body = GroupInput,
    responses(
        (status = 201, description = "Created", body = GroupView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 409, description = "The area has a group of that name", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    ))]
pub async fn post_group(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<GroupInput>,
) -> AppResult<Response> {
    let view = create_group(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(post, path = "/api/v1/epidemic/coverage/groups/{id}/members", tag = "epidemic", request_body = MembersInput,
    params(("id" = i64, Path, description = "Group id")),
    responses(
        (status = 200, description = "How many were added (members already in count nothing)", body = u64),
        (status = 404, description = "No such group in the caller's area", body = ErrorBody),
        (status = 422, description = "A member is not a registered person", body = ErrorBody),
    ))]
pub async fn post_members(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MembersInput>,
) -> AppResult<Json<u64>> {
    Ok(Json(
        add_members(state.db(), &actor, &user, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/epidemic/coverage/rounds", tag = "epidemic", request_body = RoundInput,
    responses(
        (status = 201, description = "Created", body = RoundView),
        (status = 403, description = "The area lies outside the caller's", body = ErrorBody),
        (status = 422, description = "A field is wrong", body = ErrorBody),
    ))]
pub async fn post_round(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiJson(input): ApiJson<RoundInput>,
) -> AppResult<Response> {
    let view = create_round(state.db(), &actor, &user, &input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}
