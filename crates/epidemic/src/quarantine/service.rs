//! Opening orders by hand and acting on them: check-in, room change, transfer, extension, early
//! end, release (with the N-negative rule, the follow-up and the "14 + 7" home order). Every
//! action checks the version read, writes the order, its event, the key person's status, the
//! test schedule and the audit entry in one transaction.

use chrono::{Days, NaiveDate, Utc};
use domain::DivisionCode;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::responsibility::Subject;
use platform::state::AppState;

use super::model::{ActionInput, NewOrder, OrderView, status};
use super::orders::{OrderKind, Referral, refer_in};
use super::repo::{self, Changes, FollowOn, OrderRow};
use super::{RECORD_KIND, sites};
use crate::key_persons::repo::{self as key_persons, NewKeyPerson};
use crate::key_persons::status as kp_status;
use crate::policy::Policy;
use crate::testing::requirements::{Requirement, reasons, require_in};

pub use crate::time::today;

fn add_days(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(day)
}

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

/// A short free text (reason, note, address) of at most `max` characters.
fn short<'a>(
    value: Option<&'a str>,
    max: usize,
    key: &str,
    field: &str,
) -> AppResult<Option<&'a str>> {
    match text(value) {
        Some(t) if t.chars().count() > max => Err(AppError::invalid(key).on_field(field)),
        other => Ok(other),
    }
}

/// The order `id` if it lies in the user's area; 404 otherwise.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<OrderRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

/// The person's open key-person episode, opened (managed, in `category`) when there is none.
#[allow(clippy::too_many_arguments)]
pub async fn ensure_key_person_in(
    tx: &mut Tx,
    db: &Db,
    policy: &Policy,
    person_id: i64,
    area_code: &str,
    category: &str,
    starts_on: NaiveDate,
    by: &str,
) -> AppResult<key_persons::KeyPersonRow> {
    if let Some(open) = key_persons::open_of_in(tx, person_id).await? {
        return Ok(open);
    }
    let owner =
        platform::responsibility::default_owner(db, Subject::Person(person_id), starts_on).await?;
    let id = key_persons::insert(
        tx,
        &NewKeyPerson {
            person_id,
            area_code,
            category,
            status: kp_status::MANAGED,
            reason: None,
            source: "manual",
            source_ref: None,
            exposure_on: None,
            starts_on,
            ends_on: add_days(starts_on, policy.management_days(category)),
            grid_unit_id: owner.and_then(|o| o.unit_id),
            grid_user_id: owner.and_then(|o| o.user_id),
        },
        Utc::now(),
        by,
    )
    .await?;
    key_persons::get_in(tx, id)
        .await?
        .ok_or_else(|| AppError::internal("a key person just opened is gone"))
}

/// Opens an order by hand for a registered person of the user's area (waiting for check-in).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    input: &NewOrder,
) -> AppResult<OrderView> {
    let db = state.db();
    let kind = OrderKind::parse(&input.kind)
        .ok_or_else(|| AppError::invalid("quarantine.bad_kind").on_field("kind"))?;
    let starts_on = match text(input.starts_on.as_deref()) {
        None => today(),
        Some(t) => domain::parse_date_lenient(t)
            .map_err(|_| AppError::invalid("quarantine.bad_date").on_field("starts_on"))?,
    };
    if starts_on > add_days(today(), 30) || add_days(starts_on, 90) < today() {
        return Err(AppError::invalid("quarantine.bad_date").on_field("starts_on"));
    }
    let category = text(input.category.as_deref()).unwrap_or("close_contact");
    if !crate::policy::CATEGORIES.contains(&category) {
        return Err(AppError::invalid("quarantine.bad_category").on_field("category"));
    }
    let reason = short(
        input.reason.as_deref(),
        200,
        "quarantine.bad_reason",
        "reason",
    )?;
    let address = short(
        input.home_address.as_deref(),
        200,
        "quarantine.bad_address",
        "home_address",
    )?;
    let policy = crate::policy::load(db).await?;
    let mut tx = db.begin().await?;
    let (person_area, person_address) = match repo::person_in(&mut tx, input.person_id).await? {
        Some(p) if user.require_record_area(&p.0).is_ok() => p,
        _ => return Err(AppError::invalid("quarantine.unknown_person").on_field("person_id")),
    };
    let area = match text(input.area_code.as_deref()) {
        Some(code) => {
            DivisionCode::parse(code).map_err(|e| AppError::from(e).on_field("area_code"))?
        }
        None => DivisionCode::parse(&person_area).map_err(AppError::internal)?,
    };
    if !user.covers(&area) {
        return Err(AppError::forbidden().on_field("area_code"));
    }
    if platform::areas::repo::get(db, area.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    if open_order_in(&mut tx, input.person_id).await?.is_some() {
        return Err(AppError::conflict("quarantine.already_open").on_field("person_id"));
    }
    let kp = ensure_key_person_in(
        &mut tx,
        db,
        &policy,
        input.person_id,
        area.as_str(),
        category,
        starts_on,
        &actor.name,
    )
    .await?;
    let home = address.map(str::to_string).or(match kind {
        OrderKind::Home => person_address,
        OrderKind::Centralized => None,
    });
    let id = refer_in(
        &mut tx,
        &actor.name,
        &policy,
        &Referral {
            person_id: input.person_id,
            key_person_id: Some(kp.id),
            area_code: area.as_str(),
            kind,
            reason,
            source: "manual",
            source_ref: None,
            starts_on,
            home_address: home.as_deref(),
        },
    )
    .await?;
    let row = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = OrderView::from_row(row);
    let event = Event::new("epidemic.quarantine.create")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .after(serde_json::to_value(&view).unwrap_or_default());
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(view)
}

async fn open_order_in(tx: &mut Tx, person_id: i64) -> Result<Option<i64>, sqlx::Error> {
    const SQL: &str = "SELECT id FROM epi_quarantine_orders WHERE person_id = $1 \
         AND status IN ('referred', 'active')";
    platform::with_conn!(tx, conn => sqlx::query_scalar(SQL).bind(person_id).fetch_optional(conn).await)
}

/// A room the user may put someone in: it exists in a quarantine site of the user's area.
async fn room_site(db: &Db, user: &CurrentUser, room_id: Option<i64>) -> AppResult<(i64, String)> {
    const SQL: &str = "SELECT p.id, p.name, p.area_code FROM epi_rooms r \
         JOIN places p ON p.id = r.place_id WHERE r.id = $1 AND p.kind = $2";
    let unknown = || AppError::invalid("quarantine.unknown_room").on_field("room_id");
    let room_id =
        room_id.ok_or_else(|| AppError::invalid("quarantine.room_required").on_field("room_id"))?;
    let found: Option<(i64, String, String)> = platform::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(room_id).bind(sites::SITE_KIND.as_str()).fetch_optional(pool).await)?;
    match found {
        Some((site, name, area)) if user.require_record_area(&area).is_ok() => Ok((site, name)),
        _ => Err(unknown()),
    }
}

/// Locks the room in `tx` and checks it has a free bed; answers its number.
async fn take_bed_in(tx: &mut Tx, room_id: i64) -> AppResult<String> {
    let room = sites::lock_room_in(tx, room_id)
        .await?
        .ok_or_else(|| AppError::invalid("quarantine.unknown_room").on_field("room_id"))?;
    if room.free() <= 0 {
        return Err(AppError::invalid("quarantine.room_full").on_field("room_id"));
    }
    Ok(room.number)
}

/// Records the tests due on `days` (reason `reason`).
async fn schedule_tests_in(
    tx: &mut Tx,
    by: &str,
    order: &OrderRow,
    reason: &'static str,
    days: Vec<NaiveDate>,
) -> AppResult<()> {
    for day in days {
        require_in(
            tx,
            by,
            &Requirement {
                person_id: order.person_id,
                area_code: &order.area_code,
                reason,
                source_ref: Some(format!("quarantine:{}", order.id)),
                from_on: day,
                due_on: day,
            },
        )
        .await?;
    }
    Ok(())
}

/// Quarantine test days of an order from `starts_on` to `end` (exclusive); days already past
/// fall on `today`.
fn quarantine_test_days(
    policy: &Policy,
    starts_on: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = policy
        .test_days_in_quarantine
        .iter()
        .map(|d| add_days(starts_on, d.saturating_sub(1)))
        .filter(|d| *d < end)
        .map(|d| d.max(today))
        .collect();
    days.dedup();
    days
}

/// Applies an action to an order of the user's area.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    input: &ActionInput,
) -> AppResult<OrderView> {
    let db = state.db();
    let row = get_scoped(db, user, id).await?;
    let area = DivisionCode::parse(&row.area_code).map_err(AppError::internal)?;
    if !user.covers(&area) {
        return Err(AppError::forbidden());
    }
    if input.version != row.version {
        return Err(AppError::conflict("quarantine.stale_version").on_field("version"));
    }
    let action = input.action.trim();
    if !super::model::ACTIONS.contains(&action) {
        return Err(AppError::invalid("quarantine.bad_action").on_field("action"));
    }
    let kind = OrderKind::parse(&row.kind).ok_or_else(|| AppError::internal("bad order kind"))?;
    let wrong_state = || AppError::conflict("quarantine.bad_state").on_field("action");
    let note = short(
        input.reason.as_deref(),
        200,
        "quarantine.bad_reason",
        "reason",
    )?;
    let policy = crate::policy::load(db).await?;
    let today = today();
    let now = Utc::now();
    let by = actor.name.as_str();
    let mut c = Changes::of(&row);
    let detail: String;
    // The home order that follows a released centralized one, opened once this one is closed.
    let mut follow_on: Option<NaiveDate> = None;

    // Reads on the pool first; the transaction then locks and writes.
    let room_target = match action {
        "check_in" if kind == OrderKind::Centralized => {
            Some(room_site(db, user, input.room_id).await?)
        }
        "change_room" | "transfer" => Some(room_site(db, user, input.room_id).await?),
        _ => None,
    };
    if action == "check_in" && kind == OrderKind::Home {
        let cadre = input.cadre_user_id.ok_or_else(|| {
            AppError::invalid("quarantine.cadre_required").on_field("cadre_user_id")
        })?;
        if repo::active_user_area(db, cadre).await?.is_none() {
            return Err(AppError::invalid("quarantine.unknown_cadre").on_field("cadre_user_id"));
        }
    }
    let mut tx = db.begin().await?;
    match action {
        "check_in" => {
            if row.status != status::REFERRED {
                return Err(wrong_state());
            }
            match kind {
                OrderKind::Centralized => {
                    let (site_id, site_name) = room_target.clone().expect("read above");
                    let room_id = input.room_id.expect("checked above");
                    let number = take_bed_in(&mut tx, room_id).await?;
                    c.site_id = Some(site_id);
                    c.room_id = Some(room_id);
                    detail = format!("{site_name} {number}");
                }
                OrderKind::Home => {
                    let address = short(
                        input.home_address.as_deref(),
                        200,
                        "quarantine.bad_address",
                        "home_address",
                    )?
                    .map(str::to_string)
                    .or(row.home_address.clone())
                    .ok_or_else(|| {
                        AppError::invalid("quarantine.address_required").on_field("home_address")
                    })?;
                    c.cadre_user_id = input.cadre_user_id;
                    detail = domain::mask::mask_address(&address);
                    c.home_address = Some(address);
                }
            }
            c.status = status::ACTIVE.into();
            let kp = ensure_key_person_in(
                &mut tx,
                db,
                &policy,
                row.person_id,
                &row.area_code,
                "close_contact",
                row.starts_on,
                by,
            )
            .await?;
            c.key_person_id = Some(kp.id);
            key_persons::set_status_in(
                &mut tx,
                kp.id,
                kp_status::QUARANTINED,
                None,
                Some(kp.ends_on.max(row.planned_end)),
                Some(&format!("quarantine:{}", row.id)),
                by,
            )
            .await?;
            let days = quarantine_test_days(&policy, row.starts_on, row.planned_end, today);
            schedule_tests_in(&mut tx, by, &row, reasons::QUARANTINE, days).await?;
        }
        "change_room" | "transfer" => {
            if row.status != status::ACTIVE || kind != OrderKind::Centralized {
                return Err(wrong_state());
            }
            let (site_id, site_name) = room_target.clone().expect("read above");
            let room_id = input.room_id.expect("checked above");
            if Some(room_id) == row.room_id {
                return Err(AppError::invalid("quarantine.same_room").on_field("room_id"));
            }
            let same_site = Some(site_id) == row.site_id;
            if action == "change_room" && !same_site {
                return Err(AppError::invalid("quarantine.other_site").on_field("room_id"));
            }
            if action == "transfer" && same_site {
                return Err(AppError::invalid("quarantine.same_site").on_field("room_id"));
            }
            let number = take_bed_in(&mut tx, room_id).await?;
            detail = format!(
                "{} {} → {site_name} {number}",
                row.site_name.clone().unwrap_or_default(),
                row.room_number.clone().unwrap_or_default()
            );
            c.site_id = Some(site_id);
            c.room_id = Some(room_id);
        }
        "extend" => {
            if !(row.status == status::ACTIVE || row.status == status::REFERRED) {
                return Err(wrong_state());
            }
            let new_end = text(input.new_end.as_deref())
                .ok_or_else(|| AppError::invalid("quarantine.bad_date").on_field("new_end"))
                .and_then(|t| {
                    domain::parse_date_lenient(t)
                        .map_err(|_| AppError::invalid("quarantine.bad_date").on_field("new_end"))
                })?;
            if new_end <= row.planned_end {
                return Err(AppError::invalid("quarantine.end_not_later").on_field("new_end"));
            }
            if new_end > add_days(row.planned_end, 60) {
                return Err(AppError::invalid("quarantine.bad_date").on_field("new_end"));
            }
            let reason = note.ok_or_else(|| {
                AppError::invalid("quarantine.reason_required").on_field("reason")
            })?;
            detail = format!("{} → {new_end}: {reason}", row.planned_end);
            c.planned_end = new_end;
            // The person stays managed at least as long, and is tested before the new end.
            if let Some(kp) = row.key_person_id {
                key_persons::extend_in(&mut tx, kp, new_end, Some(reason), by).await?;
            }
            if row.status == status::ACTIVE {
                let last_day = new_end.pred_opt().unwrap_or(new_end).max(today);
                schedule_tests_in(&mut tx, by, &row, reasons::QUARANTINE, vec![last_day]).await?;
            }
        }
        "end_early" => {
            if !(row.status == status::ACTIVE || row.status == status::REFERRED) {
                return Err(wrong_state());
            }
            let reason = note.ok_or_else(|| {
                AppError::invalid("quarantine.reason_required").on_field("reason")
            })?;
            c.status = status::ENDED_EARLY.into();
            c.ended_on = Some(today);
            c.end_reason = Some(reason.to_string());
            detail = reason.to_string();
            if let Some(kp) = row.key_person_id {
                let current = key_persons::get_in(&mut tx, kp).await?;
                if current.is_some_and(|k| k.status == kp_status::QUARANTINED) {
                    key_persons::set_status_in(
                        &mut tx,
                        kp,
                        kp_status::MANAGED,
                        None,
                        None,
                        Some(reason),
                        by,
                    )
                    .await?;
                }
            }
        }
        "release" => {
            if row.status != status::ACTIVE {
                return Err(wrong_state());
            }
            if today < row.planned_end {
                return Err(AppError::invalid("quarantine.release_before_end")
                    .on_field("action")
                    .with_arg("date", row.planned_end.to_string()));
            }
            let needed = i64::from(policy.quarantine.negative_tests_to_release);
            let found = repo::negatives_in(&mut tx, row.person_id, row.starts_on, today).await?;
            if found < needed {
                return Err(AppError::invalid("quarantine.not_enough_negatives")
                    .on_field("action")
                    .with_arg("needed", needed.to_string())
                    .with_arg("found", found.to_string()));
            }
            c.status = status::RELEASED.into();
            c.ended_on = Some(today);
            let home_days = policy.quarantine.home_after_centralized_days;
            if kind == OrderKind::Centralized && home_days > 0 {
                let end = add_days(today, home_days);
                detail = format!("→ home until {end}");
                follow_on = Some(end);
            } else {
                let until = add_days(today, policy.quarantine.followup_days);
                c.followup_until = Some(until);
                detail = format!("followup until {until}");
                if let Some(kp) = row.key_person_id {
                    key_persons::set_status_in(
                        &mut tx,
                        kp,
                        kp_status::FOLLOWUP,
                        Some("released"),
                        Some(until),
                        Some(&format!("quarantine:{}", row.id)),
                        by,
                    )
                    .await?;
                }
                let days: Vec<NaiveDate> = policy
                    .test_days_after_release
                    .iter()
                    .map(|d| add_days(today, *d))
                    .collect();
                schedule_tests_in(&mut tx, by, &row, reasons::RELEASED, days).await?;
            }
        }
        _ => return Err(AppError::invalid("quarantine.bad_action").on_field("action")),
    }
    if !repo::update(&mut tx, id, input.version, &c, now, by).await? {
        return Err(AppError::conflict("quarantine.stale_version").on_field("version"));
    }
    if let Some(end) = follow_on {
        follow_on_in(&mut tx, db, &policy, &row, today, end, by).await?;
    }
    let detail = match note {
        Some(n) if !matches!(action, "extend" | "end_early") => format!("{detail} ({n})"),
        _ => detail,
    };
    repo::add_event(&mut tx, id, action, Some(&detail), now, by).await?;
    let after = repo::get_in(&mut tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let before = OrderView::from_row(row);
    let after = OrderView::from_row(after);
    let mut event = Event::new(&format!("epidemic.quarantine.{action}"))
        .record(RECORD_KIND, id)
        .area(&after.area_code)
        .before(serde_json::to_value(&before).unwrap_or_default())
        .after(serde_json::to_value(&after).unwrap_or_default());
    if let Some(n) = note {
        event = event.reason(n);
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(after)
}

/// The home order that follows a released centralized one: active at once, at the person's
/// registered address (or the order's), with the person's grid worker as responsible cadre; the
/// key person stays in quarantine until it ends.
async fn follow_on_in(
    tx: &mut Tx,
    db: &Db,
    policy: &Policy,
    row: &OrderRow,
    today: NaiveDate,
    end: NaiveDate,
    by: &str,
) -> AppResult<i64> {
    let now = Utc::now();
    let cadre = platform::responsibility::default_owner(db, Subject::Person(row.person_id), today)
        .await?
        .and_then(|o| o.user_id);
    let address = row.home_address.clone().or(row.person_address.clone());
    let id = repo::insert_follow_on(
        tx,
        &FollowOn {
            person_id: row.person_id,
            key_person_id: row.key_person_id,
            area_code: &row.area_code,
            home_address: address.as_deref(),
            cadre_user_id: cadre,
            source_ref: format!("quarantine:{}", row.id),
            starts_on: today,
            planned_end: end,
        },
        now,
        by,
    )
    .await?;
    repo::add_event(
        tx,
        id,
        "follow_on",
        Some(&format!("quarantine:{}", row.id)),
        now,
        by,
    )
    .await?;
    if let Some(kp) = row.key_person_id {
        let current = key_persons::get_in(tx, kp).await?;
        if let Some(k) = current
            && k.ends_on < end
        {
            key_persons::set_status_in(
                tx,
                kp,
                kp_status::QUARANTINED,
                None,
                Some(end),
                Some(&format!("quarantine:{id}")),
                by,
            )
            .await?;
        }
    }
    let follow = repo::get_in(tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let days = quarantine_test_days(policy, today, end, today);
    schedule_tests_in(tx, by, &follow, reasons::QUARANTINE, days).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_days_fall_inside_the_order_and_not_in_the_past() {
        let p = Policy::default();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let days = quarantine_test_days(&p, d("2020-03-01"), d("2020-03-15"), d("2020-03-01"));
        assert_eq!(
            days,
            [
                d("2020-03-01"),
                d("2020-03-04"),
                d("2020-03-07"),
                d("2020-03-14")
            ]
        );
        // Checked in on day 5: days 1 and 4 fall on the check-in day.
        let days = quarantine_test_days(&p, d("2020-03-01"), d("2020-03-15"), d("2020-03-05"));
        assert_eq!(days, [d("2020-03-05"), d("2020-03-07"), d("2020-03-14")]);
        // A 7-day home order has days 1, 4 and 7.
        let days = quarantine_test_days(&p, d("2020-03-15"), d("2020-03-22"), d("2020-03-15"));
        assert_eq!(days, [d("2020-03-15"), d("2020-03-18"), d("2020-03-21")]);
    }
}
