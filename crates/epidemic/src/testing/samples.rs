//! Recording samples: a tube with its barcode, point, time and members, each member a registered
//! person found by id or document number; one barcode once. Every SQL string about samples
//! lives here.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use domain::DocumentType;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use serde_json::json;

use super::model::{
    MemberRef, POOL_MAX, POOL_MIN, SampleInput, SampleView, beijing_day, valid_barcode,
};

pub const RECORD_KIND: &str = "epidemic.sample";

const COLUMNS: &str = "id, barcode, pool_size, point_id, area_code, sampled_at, sampled_on, \
     sampled_by, result, result_at, lab";

/// A sample that passed its checks, members resolved to person ids.
#[derive(Clone, Debug)]
pub struct ValidSample {
    pub barcode: String,
    pub point_id: Option<i64>,
    pub area_code: String,
    pub sampled_at: DateTime<Utc>,
    pub sampled_on: NaiveDate,
    pub members: Vec<i64>,
}

/// A registered person's id (following a merge) and area.
pub async fn resolve(db: &Db, member: &MemberRef, field: &str) -> AppResult<i64> {
    const BY_ID: &str = "SELECT id, merged_into FROM persons WHERE id = $1";
    const BY_DOC: &str =
        "SELECT id, merged_into FROM persons WHERE doc_type = $1 AND doc_number = $2";
    let unknown = || AppError::invalid("testing.unknown_person").on_field(field);
    let found: Option<(i64, Option<i64>)> = match (member.person_id, member.doc_number.as_deref()) {
        (Some(id), _) => {
            platform::with_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?
        }
        (None, Some(doc)) => {
            let number = doc.trim().to_ascii_uppercase();
            let Some(kind) = DocumentType::guess(&number) else {
                return Err(unknown());
            };
            platform::with_db!(db, pool => sqlx::query_as(BY_DOC)
                .bind(kind.as_str()).bind(&number).fetch_optional(pool).await)?
        }
        (None, None) => return Err(unknown()),
    };
    let (id, merged) = found.ok_or_else(unknown)?;
    Ok(merged.unwrap_or(id))
}

/// Checks a sample like a registration: barcode, members (1, or 5–10 distinct registered
/// persons), point (a place in the user's area), time (not in the future). `prefix` names the
/// fields of a batch's item (`samples.3.`).
pub async fn check(
    db: &Db,
    user: &CurrentUser,
    input: &SampleInput,
    now: DateTime<Utc>,
    prefix: &str,
) -> AppResult<ValidSample> {
    const POINT: &str = "SELECT area_code FROM places WHERE id = $1";
    let on = |field: &str| format!("{prefix}{field}");
    let barcode = valid_barcode(&input.barcode).map_err(|e| e.on_field(on("barcode")))?;
    let n = input.members.len();
    if !(n == 1 || (POOL_MIN..=POOL_MAX).contains(&n)) {
        return Err(AppError::invalid("testing.bad_pool_size").on_field(on("members")));
    }
    let sampled_at = input.sampled_at.unwrap_or(now);
    if sampled_at > now + chrono::Duration::minutes(10) {
        return Err(AppError::invalid("testing.future_time").on_field(on("sampled_at")));
    }
    let area_code = match input.point_id {
        Some(point) => {
            let area: Option<String> = platform::with_db!(db, pool => sqlx::query_scalar(POINT)
                .bind(point).fetch_optional(pool).await)?;
            let area = area.ok_or_else(|| {
                AppError::invalid("testing.unknown_point").on_field(on("point_id"))
            })?;
            let code = domain::DivisionCode::parse(&area).map_err(AppError::internal)?;
            if !user.covers(&code) {
                return Err(AppError::forbidden().on_field(on("point_id")));
            }
            area
        }
        None => user.area.as_str().to_string(),
    };
    let mut members = Vec::with_capacity(n);
    let mut seen = HashSet::new();
    for (i, m) in input.members.iter().enumerate() {
        let id = resolve(db, m, &on(&format!("members.{i}"))).await?;
        if !seen.insert(id) {
            return Err(
                AppError::invalid("testing.member_twice").on_field(on(&format!("members.{i}")))
            );
        }
        members.push(id);
    }
    Ok(ValidSample {
        barcode,
        point_id: input.point_id,
        area_code,
        sampled_on: beijing_day(sampled_at),
        sampled_at,
        members,
    })
}

/// The sample with this barcode, if any.
pub async fn by_barcode(db: &Db, barcode: &str) -> Result<Option<SampleView>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM epi_samples WHERE barcode = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(barcode).fetch_optional(pool).await)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<SampleView>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM epi_samples WHERE id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// The members of a sample.
pub async fn members(db: &Db, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    const SQL: &str =
        "SELECT person_id FROM epi_sample_members WHERE sample_id = $1 ORDER BY person_id";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_all(pool).await)
}

/// How to narrow the list of samples.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: (String, String),
    /// Only samples taken on this day.
    pub on: Option<NaiveDate>,
    /// `pending`, `negative`, `positive`, `invalid`.
    pub result: Option<String>,
}

/// Samples matching `filter` with `id < before` (0: from the newest), newest first.
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<SampleView>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM epi_samples WHERE area_code >= $1 AND area_code < $2 \
         AND ($3 = 0 OR id < $3) AND ($4 = '' OR sampled_on = $5) \
         AND ($6 = '' OR ($6 = 'pending' AND result IS NULL) OR result = $6) \
         ORDER BY id DESC LIMIT $7"
    );
    let day = f.on.unwrap_or_default();
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before)
        .bind(if f.on.is_some() { "y" } else { "" }).bind(day)
        .bind(f.result.clone().unwrap_or_default()).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// Inserts a checked sample and its members inside `tx`; `None` when the barcode is taken.
pub async fn insert_in(tx: &mut Tx, s: &ValidSample, by: &str) -> AppResult<Option<i64>> {
    const INSERT: &str = "INSERT INTO epi_samples (barcode, pool_size, point_id, area_code, \
         sampled_at, sampled_on, sampled_by) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (barcode) DO NOTHING RETURNING id";
    const MEMBER: &str =
        "INSERT INTO epi_sample_members (sample_id, person_id, sampled_on) VALUES ($1, $2, $3)";
    let id: Option<i64> = platform::with_conn!(tx, conn => sqlx::query_scalar(INSERT)
        .bind(&s.barcode).bind(s.members.len() as i32).bind(s.point_id).bind(&s.area_code)
        .bind(s.sampled_at).bind(s.sampled_on).bind(by)
        .fetch_optional(conn).await)?;
    let Some(id) = id else { return Ok(None) };
    for person in &s.members {
        platform::with_conn!(tx, conn => sqlx::query(MEMBER)
            .bind(id).bind(person).bind(s.sampled_on)
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(Some(id))
}

fn audit_event(id: i64, s: &ValidSample) -> Event {
    Event::new("epidemic.sample.create")
        .record(RECORD_KIND, id)
        .area(&s.area_code)
        .after(json!({"barcode": s.barcode, "pool_size": s.members.len(),
            "point_id": s.point_id, "sampled_on": s.sampled_on}))
}

/// Records one sample: 409 when its barcode is taken.
pub async fn create(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &SampleInput,
) -> AppResult<SampleView> {
    let valid = check(db, user, input, Utc::now(), "").await?;
    let mut tx = db.begin().await?;
    let id = insert_in(&mut tx, &valid, &actor.name)
        .await?
        .ok_or_else(|| AppError::conflict("testing.barcode_taken").on_field("barcode"))?;
    audit::append(&mut tx, actor, audit_event(id, &valid)).await?;
    tx.commit().await?;
    get(db, id).await?.ok_or_else(AppError::not_found)
}

/// Records a device's batch in one transaction, idempotently by barcode: a barcode already
/// recorded answers the stored sample (when its members are the same; 409 otherwise). Every
/// item is checked first; the first bad one refuses the batch, its field named `samples.N.…`.
pub async fn create_batch(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    inputs: &[SampleInput],
) -> AppResult<Vec<SampleView>> {
    if inputs.is_empty() || inputs.len() > 500 {
        return Err(AppError::invalid("testing.bad_batch").on_field("samples"));
    }
    let now = Utc::now();
    let mut checked = Vec::with_capacity(inputs.len());
    let mut barcodes = HashSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let valid = check(db, user, input, now, &format!("samples.{i}.")).await?;
        if !barcodes.insert(valid.barcode.clone()) {
            return Err(
                AppError::invalid("testing.barcode_twice").on_field(format!("samples.{i}.barcode"))
            );
        }
        checked.push(valid);
    }
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(checked.len());
    for (i, valid) in checked.iter().enumerate() {
        match insert_in(&mut tx, valid, &actor.name).await? {
            Some(id) => {
                audit::append(&mut tx, actor, audit_event(id, valid)).await?;
                ids.push(id);
            }
            None => {
                const SAME: &str = "SELECT s.id, m.person_id FROM epi_samples s \
                     JOIN epi_sample_members m ON m.sample_id = s.id WHERE s.barcode = $1";
                let rows: Vec<(i64, i64)> = platform::with_conn!(&mut tx, conn => sqlx::query_as(SAME)
                    .bind(&valid.barcode).fetch_all(conn).await)?;
                let stored: HashSet<i64> = rows.iter().map(|r| r.1).collect();
                let wanted: HashSet<i64> = valid.members.iter().copied().collect();
                match rows.first() {
                    Some((id, _)) if stored == wanted => ids.push(*id),
                    _ => {
                        return Err(AppError::conflict("testing.barcode_taken")
                            .on_field(format!("samples.{i}.barcode")));
                    }
                }
            }
        }
    }
    tx.commit().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(get(db, id).await?);
    }
    Ok(out)
}
