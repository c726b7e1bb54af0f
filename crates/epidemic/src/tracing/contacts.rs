//! What tracing records by hand: manual contacts (people a case names — family, colleagues —
//! whom no passage shows) and exclusions (people not to return as contacts: already
//! quarantined, staff in protective equipment), each with who recorded it and an audit entry.
//! A trace applies both.

use chrono::Utc;
use platform::AppState;
use platform::audit::{self, Actor, Event};
use platform::db::Db;
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub const RELATIONSHIPS: &[&str] = &["family", "colleague", "classmate", "friend", "other"];
pub const REASONS: &[&str] = &["quarantined", "protected", "other"];

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ManualContactInput {
    pub case_person_id: i64,
    pub contact_person_id: i64,
    /// `family`, `colleague`, `classmate`, `friend`, `other`.
    pub relationship: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ExclusionInput {
    pub person_id: i64,
    /// Only for the traces of this case (default: every trace).
    pub case_person_id: Option<i64>,
    /// `quarantined`, `protected` (staff in protective equipment), `other`.
    pub reason: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

fn note(n: Option<&str>) -> AppResult<Option<String>> {
    match n.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 500 => {
            Err(AppError::invalid("tracing.note_too_long").on_field("note"))
        }
        n => Ok(n.map(str::to_string)),
    }
}

async fn person_area(db: &Db, id: i64, field: &str) -> AppResult<String> {
    const SQL: &str = "SELECT area_code FROM persons WHERE id = $1 AND merged_into IS NULL";
    let area: Option<String> = platform::with_db!(db, pool => sqlx::query_scalar(SQL)
        .bind(id).fetch_optional(pool).await)?;
    area.ok_or_else(|| AppError::invalid("tracing.unknown_person").on_field(field))
}

pub async fn add_manual(
    state: &AppState,
    actor: &Actor,
    input: &ManualContactInput,
) -> AppResult<i64> {
    const SQL: &str = "INSERT INTO epi_manual_contacts (case_person_id, contact_person_id, \
         relationship, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let relationship = input.relationship.trim();
    if !RELATIONSHIPS.contains(&relationship) {
        return Err(AppError::invalid("tracing.bad_relationship").on_field("relationship"));
    }
    if input.case_person_id == input.contact_person_id {
        return Err(AppError::invalid("tracing.contact_is_case").on_field("contact_person_id"));
    }
    let note = note(input.note.as_deref())?;
    let area = person_area(state.db(), input.case_person_id, "case_person_id").await?;
    person_area(state.db(), input.contact_person_id, "contact_person_id").await?;
    let mut tx = state.db().begin().await?;
    let id: i64 = match platform::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL)
        .bind(input.case_person_id).bind(input.contact_person_id).bind(relationship)
        .bind(&note).bind(Utc::now()).bind(&actor.name).fetch_one(conn).await)
    {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(
                AppError::conflict("tracing.manual_contact_exists").on_field("contact_person_id")
            );
        }
        Err(e) => return Err(e.into()),
    };
    let event = Event::new("epidemic.tracing.manual_contact")
        .record("epidemic.manual_contact", id)
        .area(&area)
        .after(json!({
            "case_person_id": input.case_person_id,
            "contact_person_id": input.contact_person_id,
            "relationship": relationship,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn add_exclusion(
    state: &AppState,
    actor: &Actor,
    input: &ExclusionInput,
) -> AppResult<i64> {
    const SQL: &str = "INSERT INTO epi_contact_exclusions (person_id, case_person_id, reason, note, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let reason = input.reason.trim();
    if !REASONS.contains(&reason) {
        return Err(AppError::invalid("tracing.bad_reason").on_field("reason"));
    }
    let note = note(input.note.as_deref())?;
    let area = person_area(state.db(), input.person_id, "person_id").await?;
    if let Some(case) = input.case_person_id {
        person_area(state.db(), case, "case_person_id").await?;
    }
    let mut tx = state.db().begin().await?;
    let id: i64 = platform::with_conn!(&mut tx, conn => sqlx::query_scalar(SQL)
        .bind(input.person_id).bind(input.case_person_id).bind(reason)
        .bind(&note).bind(Utc::now()).bind(&actor.name).fetch_one(conn).await)?;
    let event = Event::new("epidemic.tracing.exclusion")
        .record("epidemic.contact_exclusion", id)
        .area(&area)
        .after(json!({
            "person_id": input.person_id,
            "case_person_id": input.case_person_id,
            "reason": reason,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// (contact, case, relationship) of the cases' manual contacts.
pub async fn manual_of(db: &Db, cases: &[i64]) -> AppResult<Vec<(i64, i64, String)>> {
    let mut all = Vec::new();
    for chunk in cases.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT contact_person_id, case_person_id, relationship FROM epi_manual_contacts \
             WHERE case_person_id IN ({}) ORDER BY id",
            marks.join(",")
        );
        let rows: Vec<(i64, i64, String)> = platform::with_db!(db, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for c in chunk {
                q = q.bind(*c);
            }
            q.fetch_all(pool).await
        })?;
        all.extend(rows);
    }
    Ok(all)
}

/// (person, reason) of the exclusions that apply to a trace of `cases`.
pub async fn exclusions_for(db: &Db, cases: &[i64]) -> AppResult<Vec<(i64, String)>> {
    const SQL: &str =
        "SELECT person_id, reason, case_person_id FROM epi_contact_exclusions ORDER BY id";
    let rows: Vec<(i64, String, Option<i64>)> =
        platform::with_db!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, case)| case.is_none_or(|c| cases.contains(&c)))
        .map(|(p, r, _)| (p, r))
        .collect())
}
