//! Filing a need: an enterprise account for its own enterprise (another answers 403), or
//! anyone holding the module over the enterprise's area or as its 包保 cadre; in one
//! transaction the `economy.need` ticket (`tickets::service::open_in`, owned by the department
//! the category routes to, with the kind's deadline), its link to the enterprise and category,
//! and the audit entry. The filer reads the department's answer and rates it at the callback
//! (the kernel's `tickets::service::note`; a dissatisfied rating reopens it once).

use chrono::Utc;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use platform::tickets::model::NewTicket;
use serde_json::json;

use super::model::{CATEGORIES, KIND, NeedInput, NeedRow, NeedView, RatingInput, Route, category};
use super::repo;

pub const RECORD_KIND: &str = "economy.need";

/// The need `id` if the user may see it: an enterprise account its own enterprise's, anyone
/// else within their area or the department answering it.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<NeedRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    let visible = match crate::scope::own_enterprise(user) {
        Some(own) => own == row.enterprise_id,
        None => {
            user.require_record_area(&row.area_code).is_ok()
                || (user.unit_id.is_some() && user.unit_id == row.owner_unit_id)
        }
    };
    if !visible {
        return Err(AppError::not_found());
    }
    Ok(row)
}

pub async fn view(db: &Db, need: NeedRow) -> AppResult<NeedView> {
    let timeline = platform::tickets::repo::timeline(db, need.ticket_id).await?;
    let answer = timeline
        .iter()
        .rev()
        .find(|e| e.action == "handle")
        .and_then(|e| e.reason.clone().or_else(|| e.detail.clone()));
    Ok(NeedView {
        need,
        answer,
        timeline,
    })
}

/// Files a need; see the module's comment.
pub async fn file(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &NeedInput,
) -> AppResult<NeedView> {
    let db = state.db();
    let category = category(&input.category)?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("needs.bad_title").on_field("title"));
    }
    let today = platform::responsibility::today();
    let enterprise =
        crate::resumption::service::reportable(db, user, input.enterprise_id, today).await?;
    let owner = repo::route_of(db, category, &enterprise.area_code).await?;
    let new = NewTicket {
        kind: KIND.into(),
        title: title.to_string(),
        description: input.description.clone(),
        subject_kind: Some("enterprise".into()),
        subject_id: Some(enterprise.id),
        area_code: enterprise.area_code.clone(),
        source: Some("manual".into()),
        priority: input.priority.clone(),
        owner_unit_id: owner,
        ..Default::default()
    };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let ticket = platform::tickets::service::open_in(state, &mut tx, actor, user, &new).await?;
    let id = repo::insert_in(
        &mut tx,
        ticket,
        enterprise.id,
        &enterprise.area_code,
        category,
        now,
        &actor.name,
    )
    .await?;
    let event = Event::new("economy.need.file")
        .record(RECORD_KIND, id)
        .area(&enterprise.area_code)
        .after(json!({"enterprise_id": enterprise.id, "category": category,
            "ticket_id": ticket, "owner_unit_id": owner}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    view(db, row).await
}

/// The filer rates the answer: the callback on the need's ticket. Only an answered need
/// (handled, verified or closed) can be rated.
pub async fn rate(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    tr: &platform::i18n::Tr,
    id: i64,
    input: &RatingInput,
) -> AppResult<NeedView> {
    let db = state.db();
    let need = get_scoped(db, user, id).await?;
    if !matches!(need.state.as_str(), "handled" | "verified" | "closed") {
        return Err(AppError::conflict("needs.not_answered"));
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            tr.t(&format!("needs.rating.{}", input.rating.trim()))
                .to_string()
        });
    platform::tickets::service::note(
        state,
        actor,
        user,
        need.ticket_id,
        &comment,
        true,
        Some(input.rating.as_str()),
    )
    .await?;
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    view(db, row).await
}

/// Every category with the department that answers it for enterprises of `area`.
pub async fn routes(db: &Db, area: &str) -> AppResult<Vec<Route>> {
    let mut out = Vec::new();
    for c in CATEGORIES {
        let unit_id = repo::route_of(db, c, area).await?;
        let unit_name = match unit_id {
            Some(u) => repo::unit_name(db, u).await?,
            None => None,
        };
        out.push(Route {
            category: c.to_string(),
            unit_id,
            unit_name,
        });
    }
    Ok(out)
}

/// Routes a category to a unit, audited. Enterprise accounts may not.
pub async fn set_route(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    route: &Route,
) -> AppResult<Vec<Route>> {
    if crate::scope::own_enterprise(user).is_some() {
        return Err(AppError::forbidden());
    }
    let category = category(&route.category)?;
    let unit = route
        .unit_id
        .ok_or_else(|| AppError::invalid("tickets.unknown_unit").on_field("unit_id"))?;
    if platform::users::units::get(db, unit).await?.is_none() {
        return Err(AppError::invalid("tickets.unknown_unit").on_field("unit_id"));
    }
    let before = repo::route_of(db, category, user.area.as_str()).await?;
    let mut tx = db.begin().await?;
    repo::set_route_in(&mut tx, category, unit, Utc::now(), &actor.name).await?;
    let event = Event::new("economy.need_route.set")
        .record("economy.need_route", unit)
        .before(json!({"category": category, "unit_id": before}))
        .after(json!({"category": category, "unit_id": unit}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    routes(db, user.area.as_str()).await
}
