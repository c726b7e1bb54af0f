//! Case notifications: a positive single sample makes its person a case (a key-person episode
//! of category `case`) and leaves a notice in `epi_case_notices`; each notice becomes one urgent
//! ticket of kind `epidemic.case` to the health department's unit. From the results API the
//! ticket is opened in the result's own transaction; rows of an uploaded sheet (whose storing
//! has no application state) are notified right after the upload, or by the
//! `epidemic.case_notices` job within a minute.

use chrono::{NaiveDate, Utc};
use domain::DivisionCode;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::db::Tx;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use platform::tickets::model::NewTicket;

use crate::policy::Policy;

/// The policy in force, read inside a transaction.
pub async fn policy_in(tx: &mut Tx) -> AppResult<Policy> {
    const SQL: &str = "SELECT body FROM epi_policy WHERE id = 1";
    let body: Option<String> =
        platform::with_conn!(tx, conn => sqlx::query_scalar(SQL).fetch_optional(conn).await)?;
    Ok(body
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or_default())
}

/// Opens (or re-uses) the person's case episode and records the notice; `None` when this sample
/// already made its notice.
pub async fn open_case_in(
    tx: &mut Tx,
    by: &str,
    person: i64,
    area: &str,
    sample_id: i64,
    day: NaiveDate,
) -> AppResult<Option<i64>> {
    const NOTICE: &str = "INSERT INTO epi_case_notices (person_id, sample_id, area_code, \
         key_person_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (person_id, sample_id) DO NOTHING RETURNING id";
    let key_person =
        super::results::case_episode_in(tx, by, person, area, day, format!("sample:{sample_id}"))
            .await?;
    let id: Option<i64> = platform::with_conn!(tx, conn => sqlx::query_scalar(NOTICE)
        .bind(person).bind(sample_id).bind(area).bind(key_person).bind(Utc::now())
        .fetch_optional(conn).await)?;
    Ok(id)
}

/// The health department's unit: the policy's, else the district's department unit named like
/// 卫生健康 whose area contains `area`; `None` leaves routing to the kernel.
pub async fn health_unit_in(tx: &mut Tx, area: &str) -> AppResult<Option<i64>> {
    const FIND: &str = "SELECT id, area_code FROM org_units WHERE kind = 'department' \
         AND name LIKE '%卫生健康%' ORDER BY LENGTH(area_code) DESC, id";
    let policy = policy_in(tx).await?;
    if policy.health_unit_id.is_some() {
        return Ok(policy.health_unit_id);
    }
    let units: Vec<(i64, String)> =
        platform::with_conn!(tx, conn => sqlx::query_as(FIND).fetch_all(conn).await)?;
    Ok(units
        .into_iter()
        .find(|(_, a)| {
            DivisionCode::parse(a)
                .ok()
                .zip(DivisionCode::parse(area).ok())
                .is_some_and(|(u, x)| u.contains(&x))
        })
        .map(|(id, _)| id))
}

/// Opens the ticket of the pending notice `id` inside `tx`; answers the ticket id.
pub async fn notify_in(
    state: &AppState,
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
) -> AppResult<Option<i64>> {
    const NOTICE: &str = "SELECT n.person_id, n.area_code, s.barcode FROM epi_case_notices n \
         JOIN epi_samples s ON s.id = n.sample_id WHERE n.id = $1 AND n.ticket_id IS NULL";
    const DONE: &str = "UPDATE epi_case_notices SET ticket_id = $2 WHERE id = $1";
    let found: Option<(i64, String, String)> = platform::with_conn!(tx, conn => sqlx::query_as(NOTICE).bind(id).fetch_optional(conn).await)?;
    let Some((person, area, barcode)) = found else {
        return Ok(None);
    };
    let code = DivisionCode::parse(&area).map_err(AppError::internal)?;
    let unit = health_unit_in(tx, &area).await?;
    let system = CurrentUser::system("epidemic.testing", code);
    // Tickets are the district's records: written in its language.
    let tr = state.tr(platform::i18n::Lang::ZhCn);
    let ticket = platform::tickets::service::open_in(
        state,
        tx,
        actor,
        &system,
        &NewTicket {
            kind: crate::kinds::CASE.to_string(),
            title: tr.f("testing.case_title", &[("barcode", &barcode)]),
            description: Some(tr.f("testing.case_description", &[("barcode", &barcode)])),
            subject_kind: Some("person".into()),
            subject_id: Some(person),
            area_code: area.clone(),
            source: Some("rule_alert".into()),
            priority: Some("urgent".into()),
            owner_unit_id: unit,
            ..Default::default()
        },
    )
    .await?;
    platform::with_conn!(tx, conn => sqlx::query(DONE).bind(id).bind(ticket)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(Some(ticket))
}

/// Opens the tickets of every pending notice, each in its own transaction.
pub async fn notify_pending(state: &AppState, actor: &Actor) -> AppResult<u64> {
    const PENDING: &str =
        "SELECT id FROM epi_case_notices WHERE ticket_id IS NULL ORDER BY id LIMIT 500";
    let ids: Vec<i64> = platform::with_db!(state.db(), pool => sqlx::query_scalar(PENDING)
        .fetch_all(pool).await)?;
    let mut n = 0;
    for id in ids {
        let mut tx = state.db().begin().await?;
        if notify_in(state, &mut tx, actor, id).await?.is_some() {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}
