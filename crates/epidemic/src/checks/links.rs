//! One-time links: staff hand a person `/c/{token}` (random, stored as SHA-256 only, good until
//! the end of the day in Beijing, used once) to record their own temperature and symptoms on a
//! phone, without an account.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::{Page, render};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::model::{LinkInput, LinkView};
use super::schedule::{self, Due};
use super::service;
use crate::policy::SYMPTOMS;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The first moment of the next day in Beijing.
pub fn end_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    let next = schedule::beijing_day(now)
        .checked_add_days(Days::new(1))
        .unwrap_or_default();
    domain::china_offset()
        .from_local_datetime(&next.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// Makes a link for a due person of the user's area.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &LinkInput,
) -> AppResult<LinkView> {
    const SQL: &str = "INSERT INTO epi_check_links (token_hash, person_id, expires_at, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5)";
    let db = state.db();
    let policy = crate::policy::load(db).await?;
    let now = Utc::now();
    let due = schedule::due_person(db, &policy, input.person_id, schedule::beijing_day(now))
        .await?
        .filter(|d| user.require_record_area(&d.area_code).is_ok())
        .ok_or_else(|| AppError::invalid("checks.not_due").on_field("person_id"))?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let expires_at = end_of_day(now);
    let mut tx = db.begin().await?;
    platform::with_conn!(&mut tx, conn => sqlx::query(SQL)
        .bind(hash(&token)).bind(due.person_id).bind(expires_at).bind(now).bind(&actor.name)
        .execute(conn).await.map(|_| ()))?;
    let event = Event::new("epidemic.check.link")
        .record("person", due.person_id)
        .area(&due.area_code)
        .after(serde_json::json!({"expires_at": expires_at}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(LinkView {
        url: format!("/c/{token}"),
        expires_at,
    })
}

/// The person a usable link is for.
async fn person_of(db: &Db, token: &str) -> AppResult<Option<i64>> {
    const SQL: &str = "SELECT person_id FROM epi_check_links WHERE token_hash = $1 \
         AND used_at IS NULL AND expires_at > $2";
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(hash(token)).bind(Utc::now()).fetch_optional(pool).await)?)
}

/// Uses the link up inside `tx`; answers whether it was still usable.
async fn use_in(tx: &mut Tx, token: &str) -> AppResult<bool> {
    const SQL: &str = "UPDATE epi_check_links SET used_at = $2 WHERE token_hash = $1 \
         AND used_at IS NULL AND expires_at > $2";
    let n = platform::with_conn!(tx, conn => sqlx::query(SQL)
        .bind(hash(token)).bind(Utc::now())
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

fn gone() -> AppError {
    AppError::new(StatusCode::GONE, "gone", "checks.link_invalid")
}

/// The due person behind a usable link.
async fn due_of(state: &AppState, token: &str) -> AppResult<Due> {
    let db = state.db();
    let person = person_of(db, token).await?.ok_or_else(gone)?;
    let policy = crate::policy::load(db).await?;
    schedule::due_person(db, &policy, person, schedule::beijing_day(Utc::now()))
        .await?
        .ok_or_else(gone)
}

#[derive(Template)]
#[template(path = "epidemic/checks/link.html")]
struct LinkPage {
    page: Page,
    token: String,
    name: String,
    symptoms: Vec<(String, String, bool)>,
    temperature: String,
    error: Option<String>,
    done: bool,
}

fn symptom_boxes(tr: &Tr, chosen: &[String]) -> Vec<(String, String, bool)> {
    SYMPTOMS
        .iter()
        .map(|s| {
            (
                s.to_string(),
                tr.t(&format!("checks.symptom.{s}")).to_string(),
                chosen.iter().any(|c| c == s),
            )
        })
        .collect()
}

/// `GET /c/{token}`: the phone form, or why the link no longer works.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let due = due_of(&state, &token).await?;
    let view = LinkPage {
        symptoms: symptom_boxes(&page.tr, &[]),
        page: page.titled("checks.link_title"),
        token,
        name: domain::mask::mask_name(&due.person_name),
        temperature: String::new(),
        error: None,
        done: false,
    };
    Ok(render(&view)?.into_response())
}

/// The link form: the temperature, and each symptom as its own checkbox `symptom.CODE`.
pub type LinkForm = std::collections::HashMap<String, String>;

/// `POST /c/{token}`: records the check and uses the link up.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let due = due_of(&state, &token).await?;
    let temperature = form.get("temperature").cloned().unwrap_or_default();
    let symptoms: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("symptom."))
        .map(str::to_string)
        .collect();
    let result = record(&state, &token, &due, &temperature, &symptoms).await;
    let (status, error, done) = match result {
        Ok(()) => (StatusCode::OK, None, true),
        Err(e) if e.status == StatusCode::GONE => return Err(e),
        Err(e) if e.status.is_client_error() => (e.status, Some(e.message(&page.tr)), false),
        Err(e) => return Err(e),
    };
    let view = LinkPage {
        symptoms: symptom_boxes(&page.tr, &symptoms),
        page: page.titled("checks.link_title"),
        token,
        name: domain::mask::mask_name(&due.person_name),
        temperature,
        error,
        done,
    };
    Ok((status, render(&view)?).into_response())
}

async fn record(
    state: &AppState,
    token: &str,
    due: &Due,
    temperature: &str,
    symptoms: &[String],
) -> AppResult<()> {
    let t = temperature.trim().replace('，', ".").parse::<f64>().ok();
    let reading = service::reading(t, symptoms)?;
    let db = state.db();
    let policy = crate::policy::load(db).await?;
    let slot = schedule::current_slot(&policy, due.per_day, Utc::now());
    let actor = Actor::anonymous(None);
    let mut tx = db.begin().await?;
    if !use_in(&mut tx, token).await? {
        return Err(gone());
    }
    service::record_in(
        state, &mut tx, &actor, None, &policy, due, slot, &reading, "link",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
