//! Module permissions: which modules a caller holds, and whether to read or also to write. The
//! route guard asks `module_action` for routes registered with `Access::Module`; handlers never
//! decide it themselves. Area scope is the other half (`CurrentUser::covers`,
//! `require_record_area`).
//!
//! A user holds a module when
//! - they are an admin or a commander (every module, writing), never when an auditor;
//! - their role is among the module's default roles (`Module::default_roles`: the grassroots
//!   roles unless the module says otherwise), writing;
//! - they, or their unit (a department's modules), were granted it (`user_modules`,
//!   `unit_modules`), reading or writing as granted.
//!
//! An API token holds exactly the modules it names, whatever its role.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CurrentUser, Role};
use crate::audit::{self, Actor, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a route does with a module's data. A `Write` grant allows reading too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Write,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        match text.trim() {
            "read" => Some(Action::Read),
            "write" => Some(Action::Write),
            _ => None,
        }
    }
}

/// The roles of the grassroots: the default holders of a campaign module.
pub const GRASSROOTS: &[Role] = &[Role::Township, Role::Village, Role::Grid];

/// The most `user` may do in `module`; `None` when they do not hold it.
pub async fn module_action(
    state: &AppState,
    user: &CurrentUser,
    module: &str,
) -> Result<Option<Action>, AppError> {
    let Some(defaults) = state.module_default_roles(module) else {
        return Ok(None);
    };
    if let Some(token) = &user.token {
        return Ok(token.modules.iter().find_map(|m| match m.split_once(':') {
            Some((name, "read")) if name == module => Some(Action::Read),
            None if m == module => Some(Action::Write),
            _ => None,
        }));
    }
    match user.role {
        Role::Admin | Role::Commander => return Ok(Some(Action::Write)),
        Role::Auditor => return Ok(None),
        _ => {}
    }
    if defaults.contains(&user.role) {
        return Ok(Some(Action::Write));
    }
    const GRANTS: &str = "SELECT level FROM user_modules WHERE user_id = $1 AND module = $2 \
         UNION ALL SELECT level FROM unit_modules WHERE unit_id = $3 AND module = $2";
    let levels: Vec<String> = crate::with_db!(state.db(), pool => sqlx::query_scalar(GRANTS)
        .bind(user.id).bind(module).bind(user.unit_id.unwrap_or(-1)).fetch_all(pool).await)?;
    Ok(levels.iter().filter_map(|l| Action::parse(l)).max())
}

/// Whether `user` may do `action` in `module`.
pub async fn allows(
    state: &AppState,
    user: &CurrentUser,
    module: &str,
    action: Action,
) -> Result<bool, AppError> {
    Ok(module_action(state, user, module)
        .await?
        .is_some_and(|held| held >= action))
}

/// Who receives a grant.
#[derive(Clone, Copy, Debug)]
pub enum Grantee {
    User { id: i64 },
    Unit { id: i64 },
}

/// Grants `module` up to `action` (replacing an earlier grant), audited as `module.grant`. The
/// caller checks that the module exists (`AppState::module_default_roles`, or the binary's list).
pub async fn grant(
    db: &crate::db::Db,
    actor: &Actor,
    grantee: Grantee,
    area_code: &str,
    module: &str,
    action: Action,
) -> AppResult<()> {
    const USER: &str = "INSERT INTO user_modules (user_id, module, level, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, module) DO UPDATE SET level = excluded.level, granted_at = excluded.granted_at";
    const UNIT: &str = "INSERT INTO unit_modules (unit_id, module, level, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (unit_id, module) DO UPDATE SET level = excluded.level, granted_at = excluded.granted_at";
    if auditor_unit_or_user(db, grantee).await? {
        return Err(AppError::invalid("module.not_for_auditors"));
    }
    let (sql, kind, id) = match grantee {
        Grantee::User { id } => (USER, "user", id),
        Grantee::Unit { id } => (UNIT, "unit", id),
    };
    let mut tx = db.begin().await?;
    crate::with_conn!(&mut tx, conn => sqlx::query(sql)
        .bind(id).bind(module).bind(action.as_str()).bind(Utc::now())
        .execute(conn).await.map(|r| r.rows_affected()))?;
    let event = Event::new("module.grant")
        .record(kind, id)
        .area(area_code)
        .after(json!({"module": module, "level": action.as_str()}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws a grant, audited as `module.revoke`; answers whether there was one.
pub async fn revoke(
    db: &crate::db::Db,
    actor: &Actor,
    grantee: Grantee,
    area_code: &str,
    module: &str,
) -> AppResult<bool> {
    const USER: &str = "DELETE FROM user_modules WHERE user_id = $1 AND module = $2";
    const UNIT: &str = "DELETE FROM unit_modules WHERE unit_id = $1 AND module = $2";
    let (sql, kind, id) = match grantee {
        Grantee::User { id } => (USER, "user", id),
        Grantee::Unit { id } => (UNIT, "unit", id),
    };
    let mut tx = db.begin().await?;
    let done = crate::with_conn!(&mut tx, conn => sqlx::query(sql)
        .bind(id).bind(module).execute(conn).await.map(|r| r.rows_affected()))?;
    if done > 0 {
        let event = Event::new("module.revoke")
            .record(kind, id)
            .area(area_code)
            .before(json!({"module": module}));
        audit::append(&mut tx, actor, event).await?;
    }
    tx.commit().await?;
    Ok(done > 0)
}

/// Auditors hold no module: a grant to one is refused.
async fn auditor_unit_or_user(db: &crate::db::Db, grantee: Grantee) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT role FROM users WHERE id = $1";
    match grantee {
        Grantee::Unit { .. } => Ok(false),
        Grantee::User { id } => {
            let role: Option<String> = crate::with_db!(db, pool => sqlx::query_scalar(SQL).bind(id).fetch_optional(pool).await)?;
            Ok(role.as_deref() == Some(Role::Auditor.as_str()))
        }
    }
}
