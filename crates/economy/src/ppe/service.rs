//! PPE writes, each audited in its transaction: a producer's lines (an enterprise account for
//! its own enterprise, others within their area or as its cadre), a day's output (a producer's
//! line only), the district's demand (not enterprise accounts); and the supply picture.

use chrono::{NaiveDate, Utc};
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use serde_json::json;

use super::model::{
    DemandInput, OutputInput, ProducerInput, SupplyView, product, quantity, supply,
};
use super::repo;

pub const RECORD_KIND: &str = "economy.ppe";

pub async fn set_lines(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    enterprise_id: i64,
    input: &ProducerInput,
) -> AppResult<SupplyView> {
    let today = platform::responsibility::today();
    let enterprise = crate::resumption::service::reportable(db, user, enterprise_id, today).await?;
    let mut lines: Vec<(&'static str, i64)> = Vec::new();
    for l in &input.lines {
        let p = product(&l.product, "lines")?;
        if lines.iter().any(|(q, _)| *q == p) {
            return Err(AppError::invalid("ppe.duplicate_product").on_field("lines"));
        }
        lines.push((p, quantity(l.daily_capacity, "lines")?));
    }
    let mut tx = db.begin().await?;
    repo::replace_lines_in(
        &mut tx,
        enterprise.id,
        &enterprise.area_code,
        &lines,
        Utc::now(),
        &actor.name,
    )
    .await?;
    let event = Event::new("economy.ppe.lines")
        .record(RECORD_KIND, enterprise.id)
        .area(&enterprise.area_code)
        .after(json!({"lines": lines}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    view(
        db,
        (&enterprise.area_code, &format!("{}:", enterprise.area_code)),
        &enterprise.area_code,
        today,
        Some(enterprise.id),
    )
    .await
}

pub async fn report_output(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &OutputInput,
) -> AppResult<SupplyView> {
    let today = platform::responsibility::today();
    let p = product(&input.product, "product")?;
    let qty = quantity(input.quantity, "quantity")?;
    let day = match input.date.as_deref().map(str::trim) {
        None | Some("") => today,
        Some(t) => crate::resumption::model::parse_day(t, "date")?,
    };
    if day > today {
        return Err(AppError::invalid("resumption.future_date").on_field("date"));
    }
    let enterprise =
        crate::resumption::service::reportable(db, user, input.enterprise_id, today).await?;
    if !repo::has_line(db, enterprise.id, p).await? {
        return Err(AppError::invalid("ppe.not_a_producer").on_field("product"));
    }
    let mut tx = db.begin().await?;
    let before = repo::upsert_output_in(
        &mut tx,
        enterprise.id,
        p,
        day,
        &enterprise.area_code,
        qty,
        Utc::now(),
        &actor.name,
    )
    .await?;
    let mut event = Event::new("economy.ppe.output")
        .record(RECORD_KIND, enterprise.id)
        .area(&enterprise.area_code)
        .after(json!({"product": p, "date": day, "quantity": qty}));
    if let Some(b) = before {
        event = event.before(json!({"product": p, "date": day, "quantity": b}));
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    view(
        db,
        (&enterprise.area_code, &format!("{}:", enterprise.area_code)),
        &enterprise.area_code,
        day,
        Some(enterprise.id),
    )
    .await
}

pub async fn set_demand(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &DemandInput,
) -> AppResult<Vec<(String, i64)>> {
    if crate::scope::own_enterprise(user).is_some() {
        return Err(AppError::forbidden());
    }
    let p = product(&input.product, "product")?;
    let qty = quantity(input.daily_demand, "daily_demand")?;
    let mut tx = db.begin().await?;
    repo::set_demand_in(&mut tx, p, qty, Utc::now(), &actor.name).await?;
    let event = Event::new("economy.ppe.demand")
        .record("economy.ppe_demand", 0)
        .after(json!({"product": p, "daily_demand": qty}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(repo::demand(db).await?)
}

/// The supply picture of `[lo, hi)` on `day`.
pub async fn view(
    db: &Db,
    scope: (&str, &str),
    area: &str,
    day: NaiveDate,
    only: Option<i64>,
) -> AppResult<SupplyView> {
    let producers = repo::lines(db, scope, day, only).await?;
    let demand = repo::demand(db).await?;
    Ok(SupplyView {
        area: area.to_string(),
        date: day,
        products: supply(&producers, &demand),
        producers,
    })
}
