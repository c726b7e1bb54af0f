//! Lab results matched to samples and people: the result lands on its sample, each member's
//! result is the sample's; a positive pool makes every member a must-be-retested person, a
//! positive single makes its person a case (a key-person episode and a notice that becomes a
//! ticket to the health department). Re-sending the same result changes nothing.

use chrono::{DateTime, Days, Utc};
use platform::db::Tx;
use platform::error::AppResult;

use super::model::{Outcome, ValidResult, beijing_day};
use super::requirements::{self, Requirement, reasons};
use crate::key_persons::repo as key_persons;

/// A stored sample as matching sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub pool_size: i32,
    pub area_code: String,
    pub result: Option<String>,
    pub result_at: Option<DateTime<Utc>>,
    pub lab: Option<String>,
}

/// The sample with this barcode, inside `tx`.
pub async fn sample_in(tx: &mut Tx, barcode: &str) -> Result<Option<Stored>, sqlx::Error> {
    const SQL: &str = "SELECT id, pool_size, area_code, result, result_at, lab FROM epi_samples \
         WHERE barcode = $1";
    platform::with_conn!(tx, conn => sqlx::query_as(SQL).bind(barcode).fetch_optional(conn).await)
}

/// What applying a result did.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// The sample's id, when its result changed.
    pub changed: Option<i64>,
    /// Retest requirements made (a positive pool's members).
    pub retests: u64,
    /// Case notices made (a positive single's person).
    pub notices: Vec<i64>,
}

/// Applies one result to its stored sample inside `tx`. The caller has matched the barcode.
pub async fn apply_in(
    tx: &mut Tx,
    by: &str,
    sample: &Stored,
    r: &ValidResult,
) -> AppResult<Applied> {
    const UPDATE: &str = "UPDATE epi_samples SET result = $2, result_at = $3, result_on = $4, \
         lab = $5 WHERE id = $1";
    const MEMBERS: &str = "SELECT m.person_id, p.area_code FROM epi_sample_members m \
         JOIN persons p ON p.id = m.person_id WHERE m.sample_id = $1 ORDER BY m.person_id";
    let mut applied = Applied::default();
    let same = sample.result.as_deref() == Some(r.outcome.as_str())
        && sample.result_at == Some(r.tested_at)
        && sample.lab == r.lab;
    if same {
        return Ok(applied);
    }
    let day = beijing_day(r.tested_at);
    platform::with_conn!(tx, conn => sqlx::query(UPDATE)
        .bind(sample.id).bind(r.outcome.as_str()).bind(r.tested_at).bind(day).bind(&r.lab)
        .execute(conn).await.map(|x| x.rows_affected()))?;
    applied.changed = Some(sample.id);
    if r.outcome != Outcome::Positive {
        return Ok(applied);
    }
    let members: Vec<(i64, String)> = platform::with_conn!(tx, conn => sqlx::query_as(MEMBERS)
        .bind(sample.id).fetch_all(conn).await)?;
    if sample.pool_size > 1 {
        let due = day.checked_add_days(Days::new(1)).unwrap_or(day);
        for (person, area) in &members {
            requirements::require_in(
                tx,
                by,
                &Requirement {
                    person_id: *person,
                    area_code: area,
                    reason: reasons::POOL_RETEST,
                    source_ref: Some(format!("sample:{}", sample.id)),
                    from_on: day,
                    due_on: due,
                },
            )
            .await?;
            applied.retests += 1;
        }
    } else if let Some((person, area)) = members.first() {
        let notice = super::cases::open_case_in(tx, by, *person, area, sample.id, day).await?;
        applied.notices.extend(notice);
    }
    Ok(applied)
}

/// Applies a batch of results whose barcodes are all known (checked before), inside `tx`.
pub async fn apply_all_in(
    tx: &mut Tx,
    by: &str,
    results: &[ValidResult],
) -> AppResult<Vec<Applied>> {
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match sample_in(tx, &r.barcode).await? {
            Some(sample) => out.push(apply_in(tx, by, &sample, r).await?),
            None => out.push(Applied::default()),
        }
    }
    Ok(out)
}

/// Key persons: a positive single's person, managed as a case.
pub(crate) async fn case_episode_in(
    tx: &mut Tx,
    by: &str,
    person: i64,
    area: &str,
    day: chrono::NaiveDate,
    source_ref: String,
) -> AppResult<i64> {
    let open = key_persons::open_of_in(tx, person).await?;
    if let Some(k) = open {
        if k.category != "case" {
            key_persons::set_status_in(
                tx,
                k.id,
                &k.status,
                Some("case"),
                None,
                Some("positive"),
                by,
            )
            .await?;
        }
        return Ok(k.id);
    }
    let policy = super::cases::policy_in(tx).await?;
    let days = u64::from(policy.management_days("case"));
    let id = key_persons::insert(
        tx,
        &key_persons::NewKeyPerson {
            person_id: person,
            area_code: area,
            category: "case",
            status: crate::key_persons::status::MANAGED,
            reason: Some("positive"),
            source: "testing",
            source_ref: Some(source_ref),
            exposure_on: None,
            starts_on: day,
            ends_on: day.checked_add_days(Days::new(days)).unwrap_or(day),
            grid_unit_id: None,
            grid_user_id: None,
        },
        Utc::now(),
        by,
    )
    .await?;
    Ok(id)
}
