//! Quarantine sites (kernel places of kind `quarantine_site`) and their rooms: adding rooms by
//! range, and live occupancy — beds, occupied beds (active centralized orders), free beds and
//! rooms with a free bed.

use chrono::Utc;
use domain::PlaceKind;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const SITE_KIND: PlaceKind = PlaceKind::QuarantineSite;

/// At most this many rooms are added at once.
pub const MAX_ROOMS_AT_ONCE: usize = 500;

/// A site with its occupancy.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct SiteView {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub area_code: String,
    pub rooms: i64,
    pub beds: i64,
    /// Beds taken by active centralized orders.
    pub occupied: i64,
    /// Rooms with at least one free bed.
    pub free_rooms: i64,
}

impl SiteView {
    pub fn free_beds(&self) -> i64 {
        (self.beds - self.occupied).max(0)
    }
}

/// A room with its occupancy.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RoomView {
    pub id: i64,
    pub place_id: i64,
    pub number: String,
    pub beds: i32,
    pub occupied: i64,
}

impl RoomView {
    pub fn free(&self) -> i64 {
        (i64::from(self.beds) - self.occupied).max(0)
    }
}

/// A site with every room, for the API.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SiteDetail {
    #[serde(flatten)]
    pub site: SiteView,
    pub free_beds: i64,
    pub room_list: Vec<RoomView>,
}

/// A room with a free bed, with its site, for the check-in form's picker.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct FreeRoom {
    pub room_id: i64,
    pub number: String,
    pub site_id: i64,
    pub site_name: String,
    pub free: i64,
}

const SITE_COLUMNS: &str = "p.id, p.name, p.address, p.area_code, \
     (SELECT COUNT(*) FROM epi_rooms r WHERE r.place_id = p.id) AS rooms, \
     (SELECT COALESCE(SUM(r.beds), 0) FROM epi_rooms r WHERE r.place_id = p.id) AS beds, \
     (SELECT COUNT(*) FROM epi_quarantine_orders o WHERE o.site_id = p.id AND o.status = 'active' \
        AND o.kind = 'centralized') AS occupied, \
     (SELECT COUNT(*) FROM epi_rooms r WHERE r.place_id = p.id AND r.beds > \
        (SELECT COUNT(*) FROM epi_quarantine_orders o WHERE o.room_id = r.id AND o.status = 'active')) \
        AS free_rooms";

/// Sites in the subtree `[lo, hi)` with `id > after`, by id; only those with a free room when
/// `free_only`.
pub async fn list(
    db: &Db,
    scope: &(String, String),
    free_only: bool,
    after: i64,
    limit: u32,
) -> Result<Vec<SiteView>, sqlx::Error> {
    let sql = format!(
        "SELECT * FROM (SELECT {SITE_COLUMNS} FROM places p WHERE p.kind = $1 \
         AND p.area_code >= $2 AND p.area_code < $3 AND p.id > $4) s \
         WHERE ($5 = 0 OR s.free_rooms > 0) ORDER BY s.id LIMIT $6"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(SITE_KIND.as_str()).bind(&scope.0).bind(&scope.1).bind(after)
        .bind(i32::from(free_only)).bind(i64::from(limit))
        .fetch_all(pool).await)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<SiteView>, sqlx::Error> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM places p WHERE p.id = $1 AND p.kind = $2");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).bind(SITE_KIND.as_str()).fetch_optional(pool).await)
}

/// The site `id` if it lies in the user's area; 404 otherwise.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<SiteView> {
    let site = get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&site.area_code)?;
    Ok(site)
}

const ROOM_COLUMNS: &str = "r.id, r.place_id, r.number, r.beds, \
     (SELECT COUNT(*) FROM epi_quarantine_orders o WHERE o.room_id = r.id AND o.status = 'active') \
     AS occupied";

pub async fn rooms(db: &Db, site_id: i64) -> Result<Vec<RoomView>, sqlx::Error> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM epi_rooms r WHERE r.place_id = $1 ORDER BY r.number, r.id"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(site_id).fetch_all(pool).await)
}

/// The room with its occupancy as `tx` sees it, after locking it against a concurrent check-in
/// (a no-op update takes the row lock on PostgreSQL; SQLite's write transactions are serial).
pub async fn lock_room_in(tx: &mut Tx, room_id: i64) -> Result<Option<RoomView>, sqlx::Error> {
    const LOCK: &str = "UPDATE epi_rooms SET beds = beds WHERE id = $1";
    platform::with_conn!(tx, conn => sqlx::query(LOCK).bind(room_id).execute(conn).await.map(|_| ()))?;
    let sql = format!("SELECT {ROOM_COLUMNS} FROM epi_rooms r WHERE r.id = $1");
    platform::with_conn!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(room_id).fetch_optional(conn).await)
}

/// Rooms with a free bed in the sites of the subtree `[lo, hi)`, by site and number.
pub async fn free_rooms(
    db: &Db,
    scope: &(String, String),
    limit: u32,
) -> Result<Vec<FreeRoom>, sqlx::Error> {
    const SQL: &str = "SELECT * FROM (SELECT r.id AS room_id, r.number, p.id AS site_id, \
         p.name AS site_name, r.beds - (SELECT COUNT(*) FROM epi_quarantine_orders o \
         WHERE o.room_id = r.id AND o.status = 'active') AS free \
         FROM epi_rooms r JOIN places p ON p.id = r.place_id \
         WHERE p.kind = $1 AND p.area_code >= $2 AND p.area_code < $3) f \
         WHERE f.free > 0 ORDER BY f.site_id, f.number LIMIT $4";
    platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(SITE_KIND.as_str()).bind(&scope.0).bind(&scope.1).bind(i64::from(limit))
        .fetch_all(pool).await)
}

/// Room numbers from `101-130`, `101, 102, 205`, `A101-A110` or a mix; in order, without
/// repeats. `None` when the text is not such a list or names too many.
pub fn parse_room_numbers(text: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in text
        .split([',', '，', '、', ';', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let part = part.replace(['～', '~', '—'], "-");
        let numbers: Vec<String> = match part.split_once('-') {
            None => vec![part.clone()],
            Some((a, b)) => range(a.trim(), b.trim())?,
        };
        for n in numbers {
            if n.is_empty() || n.chars().count() > 20 {
                return None;
            }
            if !out.contains(&n) {
                out.push(n);
            }
            if out.len() > MAX_ROOMS_AT_ONCE {
                return None;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `A101`..`A110`: the same prefix, then numbers from the first to the last.
fn range(a: &str, b: &str) -> Option<Vec<String>> {
    let split = |s: &str| {
        let digits = s.len() - s.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
        let (prefix, number) = s.split_at(digits);
        (prefix.to_string(), number.to_string())
    };
    let (pa, na) = split(a);
    let (pb, nb) = split(b);
    let b_prefix_ok = pb.is_empty() || pb == pa;
    if !b_prefix_ok || na.is_empty() || nb.is_empty() {
        return None;
    }
    let (from, to): (u32, u32) = (na.parse().ok()?, nb.parse().ok()?);
    if to < from || (to - from) as usize >= MAX_ROOMS_AT_ONCE {
        return None;
    }
    let width = na.len();
    Some((from..=to).map(|n| format!("{pa}{n:0width$}")).collect())
}

/// What `POST …/sites/{id}/rooms` takes.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewRooms {
    /// `101-130`, `101, 102, 205` or `A101-A110`.
    pub numbers: String,
    /// Beds in each room, 1–20 (default 1).
    pub beds: Option<i32>,
}

/// What adding rooms did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoomsAdded {
    pub added: u64,
    /// Numbers that existed already and were left as they were.
    pub existing: Vec<String>,
}

/// Adds rooms to a site of the user's area, with one audit entry.
pub async fn add_rooms(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    site_id: i64,
    input: &NewRooms,
) -> AppResult<RoomsAdded> {
    const INSERT: &str = "INSERT INTO epi_rooms (place_id, number, beds, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (place_id, number) DO NOTHING";
    let site = get_scoped(db, user, site_id).await?;
    let area = domain::DivisionCode::parse(&site.area_code).map_err(AppError::internal)?;
    if !user.covers(&area) {
        return Err(AppError::forbidden());
    }
    let numbers = parse_room_numbers(&input.numbers)
        .ok_or_else(|| AppError::invalid("quarantine.bad_room_numbers").on_field("numbers"))?;
    let beds = input.beds.unwrap_or(1);
    if !(1..=20).contains(&beds) {
        return Err(AppError::invalid("quarantine.bad_beds").on_field("beds"));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let mut added = 0;
    let mut existing = Vec::new();
    for number in &numbers {
        let n = platform::with_conn!(&mut tx, conn => sqlx::query(INSERT)
            .bind(site_id).bind(number).bind(beds).bind(now).bind(&actor.name)
            .execute(conn).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            added += 1;
        } else {
            existing.push(number.clone());
        }
    }
    let event = Event::new("epidemic.quarantine.rooms_add")
        .record("place", site_id)
        .area(&site.area_code)
        .after(serde_json::json!({"numbers": input.numbers.trim(), "beds": beds, "added": added}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(RoomsAdded { added, existing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_of_room_numbers() {
        assert_eq!(
            parse_room_numbers("101-103").unwrap(),
            ["101", "102", "103"]
        );
        assert_eq!(
            parse_room_numbers("A08-A10, 201").unwrap(),
            ["A08", "A09", "A10", "201"]
        );
        assert_eq!(parse_room_numbers("101，101、102").unwrap(), ["101", "102"]);
        assert_eq!(parse_room_numbers("101-130").unwrap().len(), 30);
        assert!(parse_room_numbers("130-101").is_none());
        assert!(parse_room_numbers("").is_none());
        assert!(parse_room_numbers("A1-B3").is_none());
        assert!(parse_room_numbers("1-100000").is_none());
    }
}
