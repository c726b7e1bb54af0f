//! Recording an inspection, in one transaction: the inspection and its items; on failure the
//! rectification ticket (kernel kind `rectification`, opened with `tickets::service::open_in`,
//! owned by the enterprise's 包保 cadre or department by the kernel's routing, verified by the
//! inspection team); a stop-work finding's suspension and its line on the ticket's timeline; a
//! re-inspection's result on the same timeline, lifting the suspension when it passes; the
//! audit entry last.
//!
//! Inspectors are the module's writers over the enterprise's area (or its 包保 cadres); an
//! enterprise account does not inspect itself (403).

use chrono::Utc;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::tickets::model::NewTicket;
use platform::tickets::repo::{Event as TicketEvent, append_event};
use serde_json::json;

use super::model::{ChecklistInput, InspectionInput, InspectionRow, InspectionView};
use super::repo;

pub const RECORD_KIND: &str = "economy.inspection";
pub const CHECKLIST_KIND: &str = "economy.checklist";

fn no_enterprise_accounts(user: &CurrentUser) -> AppResult<()> {
    if crate::scope::own_enterprise(user).is_some() {
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// Stores a checklist template (new, or replacing `id`), audited.
pub async fn save_checklist(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: Option<i64>,
    input: &ChecklistInput,
) -> AppResult<super::model::Checklist> {
    no_enterprise_accounts(user)?;
    let (name, items) = input.validate()?;
    let before = match id {
        Some(id) => Some(
            repo::checklist(db, Some(id))
                .await?
                .filter(|c| c.id == id)
                .ok_or_else(AppError::not_found)?,
        ),
        None => None,
    };
    let mut tx = db.begin().await?;
    let saved = repo::save_checklist_in(
        &mut tx,
        id,
        &name,
        &items,
        input.is_default,
        Utc::now(),
        &actor.name,
    )
    .await?
    .ok_or_else(AppError::not_found)?;
    let mut event = Event::new(if id.is_some() {
        "economy.checklist.update"
    } else {
        "economy.checklist.create"
    })
    .record(CHECKLIST_KIND, saved)
    .after(json!({"name": name, "items": items, "is_default": input.is_default}));
    if let Some(b) = &before {
        event = event.before(serde_json::to_value(b).unwrap_or_default());
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    repo::checklist(db, Some(saved))
        .await?
        .ok_or_else(AppError::not_found)
}

/// The inspection `id` if the user may see it (its area, or the enterprise's own account).
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<InspectionRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    let visible = match crate::scope::own_enterprise(user) {
        Some(own) => own == row.enterprise_id,
        None => user.require_record_area(&row.area_code).is_ok(),
    };
    if !visible {
        return Err(AppError::not_found());
    }
    Ok(row)
}

pub async fn view(db: &Db, row: InspectionRow) -> AppResult<InspectionView> {
    let items = repo::items(db, row.id).await?;
    let photos = repo::photos(db, row.id).await?;
    let enterprise_suspended =
        repo::suspended_on(db, row.enterprise_id, platform::responsibility::today()).await?;
    Ok(InspectionView {
        row,
        items,
        photos,
        enterprise_suspended,
    })
}

/// Records an inspection and what it causes; see the module's comment.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    tr: &Tr,
    input: &InspectionInput,
) -> AppResult<InspectionView> {
    let db = state.db();
    no_enterprise_accounts(user)?;
    let today = platform::responsibility::today();
    let checklist = repo::checklist(db, input.checklist_id)
        .await?
        .filter(|c| input.checklist_id.is_none_or(|id| id == c.id))
        .ok_or_else(|| {
            AppError::invalid("inspections.unknown_checklist").on_field("checklist_id")
        })?;
    let valid = input.validate(checklist.items.len(), today)?;
    let enterprise =
        crate::resumption::service::reportable(db, user, valid.enterprise_id, today).await?;
    let team = input.team_unit_id.or(user.unit_id);
    if let Some(unit) = input.team_unit_id
        && platform::users::units::get(db, unit).await?.is_none()
    {
        return Err(AppError::invalid("inspections.unknown_team").on_field("team_unit_id"));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let open = repo::open_suspension_in(&mut tx, enterprise.id).await?;
    // A suspension is lifted from the day of a passed inspection, never before it began.
    if let Some((_, _, _, since)) = open
        && valid.passed
        && valid.inspected_on < since
    {
        return Err(AppError::invalid("inspections.before_suspension").on_field("date"));
    }
    let open = open.map(|(id, by, ticket, _)| (id, by, ticket));
    let reinspection_of = match input.reinspection_of {
        Some(of) => {
            let earlier = repo::get_in(&mut tx, of)
                .await?
                .filter(|e| e.enterprise_id == enterprise.id)
                .ok_or_else(|| {
                    AppError::invalid("inspections.bad_reinspection").on_field("reinspection_of")
                })?;
            Some(earlier)
        }
        None => match open {
            Some((_, ordered_by, _)) => repo::get_in(&mut tx, ordered_by).await?,
            None => None,
        },
    };
    let id = repo::insert_in(
        &mut tx,
        &valid,
        &enterprise.area_code,
        &checklist,
        team,
        reinspection_of.as_ref().map(|r| r.id),
        now,
        &actor.name,
    )
    .await?;

    // The ticket the earlier inspection opened hears how the re-inspection went.
    let earlier_ticket = match (&reinspection_of, open) {
        (_, Some((_, _, Some(ticket)))) => Some(ticket),
        (Some(earlier), _) => earlier.ticket_id,
        _ => None,
    };
    let failed_labels: Vec<&str> = checklist
        .items
        .iter()
        .zip(&valid.items)
        .filter(|(_, r)| !r.passed)
        .map(|(label, _)| label.as_str())
        .collect();
    let mut ticket_id = None;
    if !valid.passed {
        let mut description = tr.f(
            "inspections.ticket_description",
            &[
                ("date", &valid.inspected_on.to_string()),
                ("items", &failed_labels.join("；")),
            ],
        );
        if let Some(note) = &valid.note {
            description.push('\n');
            description.push_str(note);
        }
        let new = NewTicket {
            kind: "rectification".into(),
            title: tr.f("inspections.ticket_title", &[("name", &enterprise.name)]),
            description: Some(description),
            subject_kind: Some("enterprise".into()),
            subject_id: Some(enterprise.id),
            area_code: enterprise.area_code.clone(),
            source: Some("inspection".into()),
            priority: Some(if valid.stop_work { "high" } else { "normal" }.into()),
            verifier_unit_id: team,
            time_limit: valid.rectify_within.clone(),
            ..Default::default()
        };
        let opened = platform::tickets::service::open_in(state, &mut tx, actor, user, &new).await?;
        repo::set_ticket_in(&mut tx, id, opened).await?;
        ticket_id = Some(opened);
    }
    if valid.stop_work {
        match open {
            // Already stopped: the new finding joins the open suspension's ticket.
            Some((_, _, Some(t))) => {
                stop_work_line(&mut tx, t, tr, &valid, &failed_labels, now, actor).await?
            }
            _ => {
                repo::suspend_in(
                    &mut tx,
                    enterprise.id,
                    &enterprise.area_code,
                    id,
                    ticket_id,
                    valid.inspected_on,
                )
                .await?;
            }
        }
        if let Some(t) = ticket_id {
            stop_work_line(&mut tx, t, tr, &valid, &failed_labels, now, actor).await?;
        }
    }
    if reinspection_of.is_some()
        && let Some(t) = earlier_ticket
    {
        let detail = if valid.passed {
            tr.f(
                "inspections.reinspection_passed",
                &[("date", &valid.inspected_on.to_string())],
            )
        } else {
            tr.f(
                "inspections.reinspection_failed",
                &[
                    ("date", &valid.inspected_on.to_string()),
                    ("items", &failed_labels.join("；")),
                ],
            )
        };
        append_event(
            &mut tx,
            t,
            &TicketEvent {
                action: "reinspection",
                from_state: None,
                to_state: None,
                reason: Some(if valid.passed { "passed" } else { "failed" }),
                detail: Some(&detail),
            },
            now,
            &actor.name,
        )
        .await?;
    }
    let mut lifted = false;
    if valid.passed
        && let Some((suspension, _, _)) = open
    {
        repo::lift_in(&mut tx, suspension, id, valid.inspected_on).await?;
        lifted = true;
    }
    let event = Event::new("economy.inspection.record")
        .record(RECORD_KIND, id)
        .area(&enterprise.area_code)
        .after(json!({
            "enterprise_id": enterprise.id, "kind": valid.kind, "passed": valid.passed,
            "stop_work": valid.stop_work, "failed_items": failed_labels,
            "ticket_id": ticket_id, "reinspection_of": reinspection_of.as_ref().map(|r| r.id),
            "suspension_lifted": lifted,
        }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    view(db, row).await
}

async fn stop_work_line(
    tx: &mut platform::db::Tx,
    ticket: i64,
    tr: &Tr,
    valid: &super::model::ValidInspection,
    failed: &[&str],
    now: chrono::DateTime<Utc>,
    actor: &Actor,
) -> AppResult<()> {
    let detail = tr.f(
        "inspections.stop_work_line",
        &[
            ("date", &valid.inspected_on.to_string()),
            ("items", &failed.join("；")),
        ],
    );
    append_event(
        tx,
        ticket,
        &TicketEvent {
            action: "stop_work",
            from_state: None,
            to_state: None,
            reason: None,
            detail: Some(&detail),
        },
        now,
        &actor.name,
    )
    .await?;
    Ok(())
}

/// Attaches a photo (evidence) to an inspection the user may see: JPEG, PNG, HEIC or PDF up to
/// the kernel's attachment limit, recognised by content (`tickets::attachments::sniff`).
pub async fn attach_photo(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<super::model::PhotoView> {
    no_enterprise_accounts(user)?;
    let row = get_scoped(db, user, id).await?;
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    if bytes.is_empty() || name.trim().is_empty() {
        return Err(AppError::invalid("tickets.no_file").on_field("file"));
    }
    if bytes.len() > platform::tickets::attachments::MAX_BYTES {
        return Err(AppError::invalid("tickets.file_too_large").on_field("file"));
    }
    let content_type = platform::tickets::attachments::sniff(bytes, &name)
        .filter(|t| t.starts_with("image/") || *t == "application/pdf")
        .ok_or_else(|| AppError::invalid("inspections.photo_type").on_field("file"))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let photo =
        repo::insert_photo_in(&mut tx, id, &name, content_type, bytes, now, &actor.name).await?;
    let event = Event::new("economy.inspection.photo")
        .record(RECORD_KIND, id)
        .area(&row.area_code)
        .after(json!({"file": name, "size": bytes.len(), "photo_id": photo}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(super::model::PhotoView {
        id: photo,
        file_name: name,
        content_type: content_type.to_string(),
        size: bytes.len() as i64,
        created_at: now,
    })
}
