//! Lab results matched to samples and people: the result lands on its sample, each member's
//! result is the sample's; a positive pool makes every member a must-be-retested person, a
//! positive single makes its person a case (a key-person episode and a notice that becomes a
//! ticket to the health department). Re-sending the same result changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
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

/// What applying a batch of results did.
#[derive(Clone, Debug, Default)]
pub struct BatchApplied {
    /// Samples whose result changed.
    pub changed: u64,
    /// Retest requirements asked for (a changed positive pool's members).
    pub retests: u64,
    /// Case notices made (a changed positive single's person).
    pub notices: Vec<i64>,
}

/// Rows of a multi-row statement at most: a few thousand parameters on either backend.
const ROWS_PER_STATEMENT: usize = 500;

/// Applies a batch of results to the samples their barcodes name (matched before, each
/// barcode once) inside `tx`, with the rules of [`apply_in`] and a few statements for the lot:
/// one UPDATE writes every non-positive result that differs from the stored one, another the
/// positive ones and answers their samples; the changed positive pools' members are read with
/// one query and required to be retested with one INSERT per 500 members; a changed positive
/// single opens its case as `apply_in` does. A result equal to the stored one changes nothing.
pub async fn apply_batch_in(
    tx: &mut Tx,
    by: &str,
    now: DateTime<Utc>,
    results: &[ValidResult],
) -> AppResult<BatchApplied> {
    let mut applied = BatchApplied::default();
    // In barcode order, the samples are visited in their index's order.
    let mut sorted: Vec<&ValidResult> = results.iter().collect();
    sorted.sort_unstable_by(|a, b| a.barcode.cmp(&b.barcode));
    let (positive, other): (Vec<&ValidResult>, Vec<&ValidResult>) = sorted
        .into_iter()
        .partition(|r| r.outcome == Outcome::Positive);
    for chunk in other.chunks(ROWS_PER_STATEMENT) {
        applied.changed += update_changed(tx, chunk, false).await?.0;
    }
    // The changed positive samples: (id, pool size, barcode).
    let mut changed: Vec<(i64, i32, String)> = Vec::new();
    for chunk in positive.chunks(ROWS_PER_STATEMENT) {
        let (n, samples) = update_changed(tx, chunk, true).await?;
        applied.changed += n;
        changed.extend(samples);
    }
    if changed.is_empty() {
        return Ok(applied);
    }
    let by_barcode: HashMap<&str, &ValidResult> =
        positive.iter().map(|r| (r.barcode.as_str(), *r)).collect();
    let ids: Vec<i64> = changed.iter().map(|c| c.0).collect();
    let mut members: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        for (sample, person, area) in members_of(tx, chunk).await? {
            members.entry(sample).or_default().push((person, area));
        }
    }
    let mut retests: Vec<NewRetest> = Vec::new();
    for (id, size, barcode) in &changed {
        let Some(r) = by_barcode.get(barcode.as_str()) else {
            continue;
        };
        let Some(people) = members.get(id) else {
            continue;
        };
        let day = beijing_day(r.tested_at);
        if *size > 1 {
            let due = day.checked_add_days(Days::new(1)).unwrap_or(day);
            retests.extend(people.iter().map(|(person, area)| NewRetest {
                person_id: *person,
                area_code: area.clone(),
                source_ref: format!("sample:{id}"),
                from_on: day,
                due_on: due,
            }));
        } else if let Some((person, area)) = people.first() {
            let notice = super::cases::open_case_in(tx, by, *person, area, *id, day).await?;
            applied.notices.extend(notice);
        }
    }
    applied.retests = retests.len() as u64;
    for chunk in retests.chunks(ROWS_PER_STATEMENT) {
        require_retests_in(tx, by, now, chunk).await?;
    }
    Ok(applied)
}

/// Writes the results that differ from the stored ones; answers how many changed, and when
/// `answer`, the changed samples (id, pool size, barcode).
async fn update_changed(
    tx: &mut Tx,
    rows: &[&ValidResult],
    answer: bool,
) -> AppResult<(u64, Vec<(i64, i32, String)>)> {
    const PG: &str = "UPDATE epi_samples AS s SET result = v.result, result_at = v.result_at, \
         result_on = v.result_on, lab = v.lab \
         FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::date[], $5::text[]) \
         AS v(barcode, result, result_at, result_on, lab) \
         WHERE s.barcode = v.barcode \
         AND (s.result, s.result_at, s.lab) IS DISTINCT FROM (v.result, v.result_at, v.lab)";
    if rows.is_empty() {
        return Ok((0, Vec::new()));
    }
    match tx {
        Tx::Sqlite(conn) => {
            let returning = if answer {
                " RETURNING id, pool_size, barcode"
            } else {
                ""
            };
            let sql = format!(
                "WITH v(barcode, result, result_at, result_on, lab) AS (VALUES {}) \
                 UPDATE epi_samples SET result = v.result, result_at = v.result_at, \
                 result_on = v.result_on, lab = v.lab FROM v WHERE epi_samples.barcode = v.barcode \
                 AND NOT (epi_samples.result IS v.result AND epi_samples.result_at IS v.result_at \
                 AND epi_samples.lab IS v.lab){returning}",
                vec!["(?, ?, ?, ?, ?)"; rows.len()].join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in rows {
                q = q
                    .bind(r.barcode.as_str())
                    .bind(r.outcome.as_str())
                    .bind(r.tested_at)
                    .bind(beijing_day(r.tested_at))
                    .bind(r.lab.as_deref());
            }
            if answer {
                let changed: Vec<(i64, i32, String)> = q
                    .try_map(|row: sqlx::sqlite::SqliteRow| sqlx::FromRow::from_row(&row))
                    .fetch_all(&mut **conn)
                    .await?;
                Ok((changed.len() as u64, changed))
            } else {
                Ok((q.execute(&mut **conn).await?.rows_affected(), Vec::new()))
            }
        }
        Tx::Postgres(conn) => {
            let returning = if answer {
                " RETURNING s.id, s.pool_size, s.barcode"
            } else {
                ""
            };
            let sql = format!("{PG}{returning}");
            let q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(
                    rows.iter()
                        .map(|r| r.barcode.as_str())
                        .collect::<Vec<&str>>(),
                )
                .bind(
                    rows.iter()
                        .map(|r| r.outcome.as_str())
                        .collect::<Vec<&str>>(),
                )
                .bind(
                    rows.iter()
                        .map(|r| r.tested_at)
                        .collect::<Vec<DateTime<Utc>>>(),
                )
                .bind(
                    rows.iter()
                        .map(|r| beijing_day(r.tested_at))
                        .collect::<Vec<NaiveDate>>(),
                )
                .bind(
                    rows.iter()
                        .map(|r| r.lab.as_deref())
                        .collect::<Vec<Option<&str>>>(),
                );
            if answer {
                let changed: Vec<(i64, i32, String)> = q
                    .try_map(|row: sqlx::postgres::PgRow| sqlx::FromRow::from_row(&row))
                    .fetch_all(&mut **conn)
                    .await?;
                Ok((changed.len() as u64, changed))
            } else {
                Ok((q.execute(&mut **conn).await?.rows_affected(), Vec::new()))
            }
        }
    }
}

/// The members of these samples with their persons' areas, by sample and person.
async fn members_of(tx: &mut Tx, samples: &[i64]) -> AppResult<Vec<(i64, i64, String)>> {
    let params: Vec<String> = (1..=samples.len()).map(|n| tx.param(n)).collect();
    let sql = format!(
        "SELECT m.sample_id, m.person_id, p.area_code FROM epi_sample_members m \
         JOIN persons p ON p.id = m.person_id WHERE m.sample_id IN ({}) \
         ORDER BY m.sample_id, m.person_id",
        params.join(", ")
    );
    Ok(platform::with_conn!(tx, conn => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in samples {
            q = q.bind(*id);
        }
        q.fetch_all(conn).await
    })?)
}

/// A retest a positive pool asks of one member.
struct NewRetest {
    person_id: i64,
    area_code: String,
    source_ref: String,
    from_on: NaiveDate,
    due_on: NaiveDate,
}

/// Records retest requirements with one statement, as [`requirements::require_in`] does one:
/// the same person, reason and first day again keeps the existing one.
async fn require_retests_in(
    tx: &mut Tx,
    by: &str,
    now: DateTime<Utc>,
    rows: &[NewRetest],
) -> AppResult<()> {
    const PER_ROW: usize = 8;
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let p: Vec<String> = (1..=PER_ROW).map(|c| tx.param(i * PER_ROW + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO epi_test_requirements (person_id, area_code, reason, source_ref, from_on, \
         due_on, created_at, created_by) VALUES {} \
         ON CONFLICT (person_id, reason, from_on) DO NOTHING",
        values.join(", ")
    );
    platform::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for r in rows {
            q = q.bind(r.person_id).bind(&r.area_code).bind(reasons::POOL_RETEST)
                .bind(&r.source_ref).bind(r.from_on).bind(r.due_on).bind(now).bind(by);
        }
        q.execute(conn).await.map(|x| x.rows_affected())
    })?;
    Ok(())
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
