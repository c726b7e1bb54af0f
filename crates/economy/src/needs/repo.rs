//! Need storage: the link of each `economy.need` ticket to its enterprise and category, the
//! category → department routes, lists and counts.

use chrono::{DateTime, Utc};
use platform::db::{Db, Tx};

use super::model::NeedRow;

/// The unit configured for `category`, else the department over `area` (the enterprise's)
/// whose name ends as its default route says.
pub async fn route_of(db: &Db, category: &str, area: &str) -> Result<Option<i64>, sqlx::Error> {
    const CONFIGURED: &str = "SELECT unit_id FROM eco_need_routes WHERE category = $1";
    const BY_NAME: &str = "SELECT id, area_code FROM org_units WHERE kind = 'department' AND name LIKE $1 ORDER BY id";
    let configured: Option<i64> = platform::with_db!(db, pool => sqlx::query_scalar(CONFIGURED)
        .bind(category).fetch_optional(pool).await)?;
    if configured.is_some() {
        return Ok(configured);
    }
    let Some((_, name)) = super::model::DEFAULT_ROUTES
        .iter()
        .find(|(c, _)| *c == category)
    else {
        return Ok(None);
    };
    let pattern = format!("%{name}");
    let found: Vec<(i64, String)> = platform::with_db!(db, pool => sqlx::query_as(BY_NAME)
        .bind(&pattern).fetch_all(pool).await)?;
    let Ok(area) = domain::DivisionCode::parse(area) else {
        return Ok(None);
    };
    // The nearest department above the enterprise.
    Ok(found
        .into_iter()
        .filter_map(|(id, code)| domain::DivisionCode::parse(&code).ok().map(|c| (id, c)))
        .filter(|(_, c)| c.contains(&area))
        .max_by_key(|(id, c)| (c.as_str().trim_end_matches('0').len(), -id))
        .map(|(id, _)| id))
}

pub async fn set_route_in(
    tx: &mut Tx,
    category: &str,
    unit_id: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_need_routes (category, unit_id, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (category) DO UPDATE SET unit_id = excluded.unit_id, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    platform::with_conn!(tx, conn => sqlx::query(SQL).bind(category).bind(unit_id).bind(at).bind(by)
        .execute(conn).await.map(|_| ()))
}

pub async fn unit_name(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "SELECT name FROM org_units WHERE id = $1";
    platform::with_db!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)
}

pub async fn insert_in(
    tx: &mut Tx,
    ticket_id: i64,
    enterprise_id: i64,
    area_code: &str,
    category: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO eco_needs (ticket_id, enterprise_id, area_code, category, filed_at, \
         filed_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL).bind(ticket_id).bind(enterprise_id)
        .bind(area_code).bind(category).bind(at).bind(by).fetch_one(conn).await)
}

const SELECT: &str = "SELECT n.id, n.ticket_id, n.enterprise_id, e.name AS enterprise_name, \
     n.area_code, n.category, t.title, t.description, t.state, t.owner_unit_id, \
     u.name AS owner_unit_name, t.due_at, t.overdue_at, t.rating, n.filed_at, n.filed_by \
     FROM eco_needs n JOIN enterprises e ON e.id = n.enterprise_id \
     JOIN tickets t ON t.id = n.ticket_id LEFT JOIN org_units u ON u.id = t.owner_unit_id";

pub async fn get(db: &Db, id: i64) -> Result<Option<NeedRow>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE n.id = $1");
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(pool).await)
}

/// Which needs a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub scope: (String, String),
    pub enterprise_id: Option<i64>,
    /// Only open ones (not closed or cancelled).
    pub open: bool,
}

/// Needs newest first (by id), below `before` (0: from the newest).
pub async fn list(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: u32,
) -> Result<Vec<NeedRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE n.area_code >= $1 AND n.area_code < $2 AND ($3 = 0 OR n.id < $3) \
         AND ($4 = -1 OR n.enterprise_id = $4) \
         AND ($5 = 0 OR t.state NOT IN ('closed', 'cancelled')) ORDER BY n.id DESC LIMIT $6"
    );
    platform::with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&f.scope.0).bind(&f.scope.1).bind(before).bind(f.enterprise_id.unwrap_or(-1))
        .bind(i64::from(f.open)).bind(i64::from(limit)).fetch_all(pool).await)
}

/// Open needs of `[lo, hi)`, and of those the ones past their deadline at `now`.
pub async fn counts(
    db: &Db,
    (lo, hi): (&str, &str),
    now: DateTime<Utc>,
) -> Result<(i64, i64), sqlx::Error> {
    const SQL: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.overdue_at IS NOT NULL \
           OR (t.due_at IS NOT NULL AND t.due_at < $3) THEN 1 ELSE 0 END), 0) \
         FROM eco_needs n JOIN tickets t ON t.id = n.ticket_id \
         WHERE n.area_code >= $1 AND n.area_code < $2 AND t.state NOT IN ('closed', 'cancelled')";
    platform::with_db!(db, pool => sqlx::query_as(SQL).bind(lo).bind(hi).bind(now).fetch_one(pool).await)
}
