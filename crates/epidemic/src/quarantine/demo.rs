//! Demo quarantine: two or three hotel sites per township with 20–40 rooms each, and orders for
//! about two thirds of the open key persons (made here when the screening demo made none):
//! most checked in at a site or at home, a few still waiting for check-in. Deterministic for the
//! demo seed; a handful of statements per site, so it stays fast on the tiny district.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::AreaLevel;
use platform::db::Tx;
use platform::demo::DemoContext;
use rand::Rng;
use rand::rngs::StdRng;

use super::orders::{OrderKind, planned_end};
use super::sites::SITE_KIND;
use crate::key_persons::repo::{self as key_persons, NewKeyPerson};
use crate::key_persons::status as kp_status;

const BY: &str = "system:demo";
const HOTELS: &[&str] = &[
    "顺达",
    "宏远",
    "华盛",
    "恒通",
    "天和",
    "嘉禾",
    "锦江",
    "如家",
    "汉庭",
    "维也纳",
];
const ROADS: &[&str] = &["人民路", "建设路", "解放路", "中山路", "新华路"];

/// Key persons the demo makes per village when none exist.
const KEY_PERSONS_PER_VILLAGE: i64 = 3;

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let mut rng = ctx.rng("epidemic.quarantine");
    let (lo, hi) = ctx.root.subtree_range();
    let now = Utc::now();
    let today = super::service::today();
    let policy = crate::policy::load(&ctx.db).await?;
    const VILLAGES: &str = "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = $3 \
         ORDER BY code";
    let villages: Vec<String> = platform::with_db!(&ctx.db, pool => sqlx::query_scalar(VILLAGES)
        .bind(&lo).bind(&hi).bind(AreaLevel::Village.as_str()).fetch_all(pool).await)?;
    if villages.is_empty() {
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    // Sites: by township (the first nine digits of a village's code).
    let mut by_township: Vec<(String, Vec<String>)> = Vec::new();
    for v in &villages {
        let t = v[..9].to_string();
        match by_township.last_mut() {
            Some((code, list)) if *code == t => list.push(v.clone()),
            _ => by_township.push((t, vec![v.clone()])),
        }
    }
    // Free beds by township: (room id, site id), one entry per bed.
    let mut beds: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for (township, list) in &by_township {
        let sites = rng.random_range(2..=3);
        for s in 0..sites {
            let village = &list[s % list.len()];
            let name = format!(
                "{}酒店集中隔离点",
                HOTELS[(rng.random_range(0..HOTELS.len()) + s) % HOTELS.len()]
            );
            let address = format!("{}{}号", pick(&mut rng, ROADS), rng.random_range(1..=300));
            let rooms = rng.random_range(20..=40);
            let site = insert_site(&mut tx, &name, &address, village, rooms, now).await?;
            let two_beds = rng.random_bool(0.3);
            for (room, _) in insert_rooms(&mut tx, site, rooms, two_beds, now).await? {
                let entry = beds.entry(township.clone()).or_default();
                entry.push((room, site));
                if two_beds {
                    entry.push((room, site));
                }
            }
        }
    }
    let mut key = open_key_persons(&mut tx).await?;
    if key.is_empty() {
        make_key_persons(&mut tx, &mut rng, &policy, &lo, &hi, today).await?;
        key = open_key_persons(&mut tx).await?;
    }
    for k in key {
        if !rng.random_bool(0.67) {
            continue;
        }
        if let Some(open) = open_order(&mut tx, k.person_id).await? {
            // Referred by the screening demo: check most of them in.
            if rng.random_bool(0.7) {
                check_in(&mut tx, &mut rng, &mut beds, &k, open, now).await?;
            }
            continue;
        }
        let kind = if rng.random_bool(0.7) {
            OrderKind::Centralized
        } else {
            OrderKind::Home
        };
        let starts_on = k.starts_on.max(days_before(today, 12));
        let end = planned_end(&policy, kind, starts_on);
        let address = k.address.clone();
        let id = insert_order(&mut tx, &k, kind, starts_on, end, address.as_deref(), now).await?;
        if rng.random_bool(0.9) {
            check_in(&mut tx, &mut rng, &mut beds, &k, id, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_site(
    tx: &mut Tx,
    name: &str,
    address: &str,
    area: &str,
    rooms: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    const SQL: &str = "INSERT INTO places (kind, name, address, area_code, capacity, version, \
         created_at, created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $6, $7) \
         RETURNING id";
    Ok(platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(SITE_KIND.as_str()).bind(name).bind(address).bind(area).bind(rooms as i32)
        .bind(now).bind(BY).fetch_one(conn).await)?)
}

/// Rooms 101… spread over floors of 10; answers (id, number) in order.
async fn insert_rooms(
    tx: &mut Tx,
    site: i64,
    rooms: usize,
    two_beds: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(i64, String)>> {
    let numbers: Vec<String> = (0..rooms)
        .map(|i| format!("{}{:02}", 1 + i / 10, 1 + i % 10))
        .collect();
    let values: Vec<String> = (0..rooms)
        .map(|i| format!("($1, $2, $3, $4, ${})", i + 5))
        .collect();
    let sql = format!(
        "INSERT INTO epi_rooms (place_id, beds, created_at, created_by, number) VALUES {} \
         RETURNING id, number",
        values.join(", ")
    );
    let beds: i32 = if two_beds { 2 } else { 1 };
    let mut rows: Vec<(i64, String)> = platform::with_conn!(tx, conn => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(site).bind(beds).bind(now).bind(BY);
        for n in &numbers {
            q = q.bind(n);
        }
        q.fetch_all(conn).await
    })?;
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct Open {
    id: i64,
    person_id: i64,
    area_code: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    grid_user_id: Option<i64>,
    address: Option<String>,
}

async fn open_key_persons(tx: &mut Tx) -> anyhow::Result<Vec<Open>> {
    const SQL: &str = "SELECT k.id, k.person_id, k.area_code, k.starts_on, k.ends_on, k.grid_user_id, \
         p.address FROM epi_key_persons k JOIN persons p ON p.id = k.person_id \
         WHERE k.status = 'managed' ORDER BY k.id";
    Ok(platform::with_conn!(tx, conn => sqlx::query_as(SQL).fetch_all(conn).await)?)
}

/// A few close contacts and inbound travellers per village, started over the last days.
async fn make_key_persons(
    tx: &mut Tx,
    rng: &mut StdRng,
    policy: &crate::policy::Policy,
    lo: &str,
    hi: &str,
    today: NaiveDate,
) -> anyhow::Result<()> {
    const PERSONS: &str = "SELECT id, area_code FROM (SELECT id, area_code, ROW_NUMBER() OVER \
         (PARTITION BY SUBSTR(area_code, 1, 12) ORDER BY id) AS n FROM persons \
         WHERE area_code >= $1 AND area_code < $2 AND merged_into IS NULL) p WHERE n <= $3 ORDER BY id";
    const GRID: &str = "SELECT user_id FROM responsibilities WHERE subject_kind = 'area' \
         AND role = 'grid_worker' AND ends_on IS NULL AND subject_area >= $1 AND subject_area < $2 \
         ORDER BY id LIMIT 1";
    let persons: Vec<(i64, String)> = platform::with_conn!(tx, conn => sqlx::query_as(PERSONS)
        .bind(lo).bind(hi).bind(KEY_PERSONS_PER_VILLAGE).fetch_all(conn).await)?;
    let now = Utc::now();
    for (person, area) in persons {
        let category = if rng.random_bool(0.6) {
            "close_contact"
        } else {
            "inbound"
        };
        let starts_on = days_before(today, rng.random_range(0..12));
        let village = &area[..area.len().min(12)];
        let grid: Option<Option<i64>> = platform::with_conn!(tx, conn => sqlx::query_scalar(GRID)
            .bind(village).bind(format!("{village}:")).fetch_optional(conn).await)?;
        key_persons::insert(
            tx,
            &NewKeyPerson {
                person_id: person,
                area_code: &area,
                category,
                status: kp_status::MANAGED,
                reason: None,
                source: "manual",
                source_ref: None,
                exposure_on: Some(starts_on),
                starts_on,
                ends_on: starts_on
                    .checked_add_days(Days::new(u64::from(policy.management_days(category))))
                    .unwrap_or(starts_on),
                grid_unit_id: None,
                grid_user_id: grid.flatten(),
            },
            now,
            BY,
        )
        .await?;
    }
    Ok(())
}

async fn open_order(tx: &mut Tx, person: i64) -> anyhow::Result<Option<i64>> {
    const SQL: &str = "SELECT id FROM epi_quarantine_orders WHERE person_id = $1 \
         AND status = 'referred'";
    Ok(
        platform::with_conn!(tx, conn => sqlx::query_scalar(SQL).bind(person).fetch_optional(conn).await)?,
    )
}

async fn insert_order(
    tx: &mut Tx,
    k: &Open,
    kind: OrderKind,
    starts_on: NaiveDate,
    end: NaiveDate,
    address: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    const SQL: &str = "INSERT INTO epi_quarantine_orders (person_id, key_person_id, area_code, kind, \
         status, home_address, source, starts_on, planned_end, created_at, created_by, updated_at, \
         updated_by) VALUES ($1, $2, $3, $4, 'referred', $5, 'manual', $6, $7, $8, $9, $8, $9) \
         RETURNING id";
    let id: i64 = platform::with_conn!(tx, conn => sqlx::query_scalar(SQL)
        .bind(k.person_id).bind(k.id).bind(&k.area_code).bind(kind.as_str()).bind(address)
        .bind(starts_on).bind(end).bind(now).bind(BY).fetch_one(conn).await)?;
    super::repo::add_event(tx, id, "refer", None, now, BY).await?;
    Ok(id)
}

/// Checks a referred order in: a free bed in its township for a centralized order (left
/// waiting when there is none), the grid worker as cadre at home.
async fn check_in(
    tx: &mut Tx,
    rng: &mut StdRng,
    beds: &mut HashMap<String, Vec<(i64, i64)>>,
    k: &Open,
    order: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    const KIND: &str = "SELECT kind, planned_end FROM epi_quarantine_orders WHERE id = $1";
    const CENTRAL: &str = "UPDATE epi_quarantine_orders SET status = 'active', site_id = $2, \
         room_id = $3, key_person_id = $4, version = version + 1 WHERE id = $1";
    const HOME: &str = "UPDATE epi_quarantine_orders SET status = 'active', cadre_user_id = $2, \
         home_address = COALESCE(home_address, $3), key_person_id = $4, version = version + 1 \
         WHERE id = $1";
    let (kind, end): (String, NaiveDate) = platform::with_conn!(tx, conn => sqlx::query_as(KIND)
        .bind(order).fetch_one(conn).await)?;
    if kind == OrderKind::Centralized.as_str() {
        let township = &k.area_code[..9];
        let Some(free) = beds.get_mut(township).filter(|b| !b.is_empty()) else {
            return Ok(());
        };
        let (room, site) = free.remove(rng.random_range(0..free.len()));
        platform::with_conn!(tx, conn => sqlx::query(CENTRAL)
            .bind(order).bind(site).bind(room).bind(k.id)
            .execute(conn).await.map(|_| ()))?;
    } else {
        platform::with_conn!(tx, conn => sqlx::query(HOME)
            .bind(order).bind(k.grid_user_id).bind(k.address.as_deref()).bind(k.id)
            .execute(conn).await.map(|_| ()))?;
    }
    super::repo::add_event(tx, order, "check_in", None, now, BY).await?;
    key_persons::set_status_in(
        tx,
        k.id,
        kp_status::QUARANTINED,
        None,
        Some(k.ends_on.max(end)),
        Some(&format!("quarantine:{order}")),
        BY,
    )
    .await?;
    Ok(())
}
