//! Ingesting passages: each item checked on its own (a bad item is answered with its error and
//! never stops the others), persons found by id or document for the whole batch at once (through
//! `lookup`'s short caches) — a document the registry does not know is registered when the item carries a name
//! (`person::service::create_in`, audited), else refused — and places checked against the
//! caller's area. The good items go to the group-commit writer.

use chrono::{Duration, Utc};
use platform::AppState;
use platform::api::ErrorBody;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::registry::person;

use super::model::{
    Batch, BatchAnswer, DIRECTIONS, ItemResult, MAX_BATCH, METHODS, NewPassage, PassageItem,
};
use super::{lookup, writer};

/// How far back a device may send passages (late uploads after an outage).
const OLDEST_DAYS: i64 = 30;

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

/// A device name: 1–100 characters.
pub fn valid_device(device: &str) -> AppResult<&str> {
    let d = device.trim();
    if d.is_empty() || d.chars().count() > 100 {
        return Err(AppError::invalid("passages.bad_device").on_field("device"));
    }
    Ok(d)
}

enum Who {
    Id(i64),
    Document(String, String),
}

struct Checked<'a> {
    item: &'a PassageItem,
    place_id: i64,
    who: Who,
    direction: &'static str,
    method: &'static str,
}

fn check<'a>(item: &'a PassageItem, place: Option<i64>) -> AppResult<Checked<'a>> {
    platform::api::idempotency_key(Some(&item.event_key), "passages.bad_event_key")
        .map_err(|e| e.on_field("event_key"))?;
    let direction = DIRECTIONS
        .iter()
        .find(|d| **d == item.direction.trim())
        .ok_or_else(|| AppError::invalid("passages.bad_direction").on_field("direction"))?;
    let method = match text(item.method.as_deref()) {
        None => "id_reader",
        Some(m) => METHODS
            .iter()
            .find(|x| **x == m)
            .ok_or_else(|| AppError::invalid("passages.bad_method").on_field("method"))?,
    };
    let now = Utc::now();
    if item.at > now + Duration::minutes(5) || item.at < now - Duration::days(OLDEST_DAYS) {
        return Err(AppError::invalid("passages.bad_time").on_field("at"));
    }
    let place_id = item
        .place_id
        .or(place)
        .ok_or_else(|| AppError::invalid("passages.place_required").on_field("place_id"))?;
    let who = match (item.person_id, text(item.doc_number.as_deref())) {
        (Some(id), _) => Who::Id(id),
        (None, Some(number)) => {
            let doc = person::model::parse_document(item.doc_type.as_deref(), number)?;
            Who::Document(doc.kind().as_str().to_string(), doc.number().to_string())
        }
        (None, None) => {
            return Err(AppError::invalid("passages.person_required").on_field("doc_number"));
        }
    };
    Ok(Checked {
        item,
        place_id,
        who,
        direction,
        method,
    })
}

/// Registers a person a device met first: in the place's area, with its audit entry.
async fn register(
    state: &AppState,
    actor: &Actor,
    item: &PassageItem,
    doc: &(String, String),
    area: &str,
) -> AppResult<i64> {
    let Some(name) = text(item.name.as_deref()) else {
        return Err(AppError::invalid("passages.unknown_person").on_field("doc_number"));
    };
    let input = person::model::PersonInput {
        doc_type: Some(doc.0.clone()),
        doc_number: doc.1.clone(),
        name: name.to_string(),
        phone: item.phone.clone(),
        area_code: area.to_string(),
        ..Default::default()
    };
    let mut tx = state.db().begin().await?;
    let (row, _) = person::service::create_in(state.db(), &mut tx, actor, &input).await?;
    tx.commit().await?;
    Ok(row.id)
}

/// What became of one item: (passage id, created by this request, person id), or its error.
pub type Outcome = AppResult<(i64, bool, i64)>;

/// Records a batch: one result per item, in order.
pub async fn ingest(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    tr: &Tr,
    batch: &Batch,
) -> AppResult<BatchAnswer> {
    let outcomes = ingest_items(state, actor, user, batch).await?;
    let mut answer = BatchAnswer {
        created: 0,
        duplicates: 0,
        rejected: 0,
        items: Vec::with_capacity(batch.items.len()),
    };
    for (item, outcome) in batch.items.iter().zip(outcomes) {
        answer.items.push(match outcome {
            Err(e) => {
                answer.rejected += 1;
                ItemResult {
                    event_key: item.event_key.clone(),
                    status: "rejected",
                    id: None,
                    person_id: None,
                    error: Some(ErrorBody::of(&e, tr)),
                }
            }
            Ok((id, created, person)) => {
                if created {
                    answer.created += 1;
                } else {
                    answer.duplicates += 1;
                }
                ItemResult {
                    event_key: item.event_key.clone(),
                    status: if created { "created" } else { "duplicate" },
                    id: Some(id),
                    person_id: Some(person),
                    error: None,
                }
            }
        });
    }
    Ok(answer)
}

/// Checks, resolves and writes a batch's items; the batch itself must be well formed.
pub async fn ingest_items(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    batch: &Batch,
) -> AppResult<Vec<Outcome>> {
    let device = valid_device(&batch.device)?.to_string();
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH {
        return Err(AppError::invalid("passages.batch_size").on_field("items"));
    }
    let mut outcome: Vec<Result<Checked, AppError>> = batch
        .items
        .iter()
        .map(|i| check(i, batch.place_id))
        .collect();

    // Places: known and in the caller's area.
    let mut place_ids: Vec<i64> = outcome
        .iter()
        .filter_map(|c| c.as_ref().ok().map(|c| c.place_id))
        .collect();
    place_ids.sort_unstable();
    place_ids.dedup();
    let url = &state.config().db_url;
    let places = lookup::places(state.db(), url, &place_ids).await?;
    for c in outcome.iter_mut() {
        if let Ok(ch) = c {
            let ok = places
                .get(&ch.place_id)
                .is_some_and(|(area, _)| user.require_record_area(area).is_ok());
            if !ok {
                *c = Err(AppError::invalid("passages.unknown_place").on_field("place_id"));
            }
        }
    }

    // Persons: by id, or by document (registering the unknown when a name is given).
    let mut by_id: Vec<i64> = Vec::new();
    let mut by_doc: Vec<(String, String)> = Vec::new();
    for c in outcome.iter().flatten() {
        match &c.who {
            Who::Id(id) => by_id.push(*id),
            Who::Document(t, n) => by_doc.push((t.clone(), n.clone())),
        }
    }
    by_id.sort_unstable();
    by_id.dedup();
    by_doc.sort_unstable();
    by_doc.dedup();
    let ids = lookup::persons_by_id(state.db(), url, &by_id).await?;
    let mut docs = lookup::persons_by_document(state.db(), url, &by_doc).await?;
    let mut resolved: Vec<AppResult<i64>> = Vec::with_capacity(outcome.len());
    for c in &outcome {
        let Ok(ch) = c else {
            resolved.push(Err(AppError::invalid("-")));
            continue;
        };
        let person = match &ch.who {
            Who::Id(id) => ids
                .get(id)
                .copied()
                .ok_or_else(|| AppError::invalid("passages.unknown_person").on_field("person_id")),
            Who::Document(t, n) => match docs.get(&(t.clone(), n.clone())) {
                Some(id) => Ok(*id),
                None => {
                    let area = &places[&ch.place_id].0;
                    let doc = (t.clone(), n.clone());
                    match register(state, actor, ch.item, &doc, area).await {
                        Ok(id) => {
                            docs.insert(doc, id);
                            Ok(id)
                        }
                        Err(e) => Err(e),
                    }
                }
            },
        };
        resolved.push(person);
    }

    let mut rows = Vec::new();
    for (p, ch) in resolved
        .iter()
        .zip(&outcome)
        .filter_map(|(p, c)| Some((p.as_ref().ok()?, c.as_ref().ok()?)))
    {
        rows.push(NewPassage {
            person_id: *p,
            place_id: ch.place_id,
            area_code: places[&ch.place_id].0.clone(),
            at: ch.item.at,
            direction: ch.direction,
            method: ch.method,
            device: device.clone(),
            event_key: ch.item.event_key.trim().to_string(),
            recorded_by: actor.name.clone(),
        });
    }
    let stored = writer::write(state, actor, rows).await?;
    let mut stored = stored.into_iter();
    let mut outcomes = Vec::with_capacity(batch.items.len());
    for (checked, person) in outcome.into_iter().zip(resolved) {
        outcomes.push(match (checked, person) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(_), Ok(person)) => {
                let (id, created) = stored.next().unwrap_or_default();
                Ok((id, created, person))
            }
        });
    }
    Ok(outcomes)
}
