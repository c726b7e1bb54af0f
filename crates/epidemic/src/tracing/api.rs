//! `/api/v1/epidemic/tracing`: run a trace (cases → close and secondary contacts with their
//! exposure), record a manual contact, record an exclusion.

use std::collections::HashMap;
use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use platform::AppState;
use platform::api::{ApiJson, ErrorBody};
use platform::audit::Actor;
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::contacts::{self, Created, ExclusionInput, ManualContactInput};
use super::engine::Query;
use super::live::{self, at_of};

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct TraceRequest {
    /// The cases' person ids (1–1,000).
    pub cases: Vec<i64>,
    /// Minutes around a case's stay (default: the policy's, 30).
    pub window_minutes: Option<u32>,
    /// Also secondary contacts (default true).
    pub second_hop: Option<bool>,
}

/// One person found and their earliest exposure.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub person_id: i64,
    /// 1 close contact (密接), 2 secondary contact (次密接).
    pub hop: u8,
    /// The case (hop 1) or close contact (hop 2) of the earliest exposure.
    pub via_person_id: i64,
    /// Where; absent for a manual contact.
    pub place_id: Option<i64>,
    /// The later of the two arrivals.
    pub first_at: Option<DateTime<Utc>>,
    /// The earlier of the two departures (= `first_at` when the stays only came within the window).
    pub last_at: Option<DateTime<Utc>>,
    pub duration_minutes: u32,
    /// Exposures found (stays of this person that met a case's — or, for hop 2, a close
    /// contact's — presence), and the minutes present together (two cases present at once
    /// count once).
    pub exposures: u32,
    pub exposure_minutes: u32,
    /// For a manual contact: the relationship the case named.
    pub relationship: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Excluded {
    pub person_id: i64,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TraceAnswer {
    pub cases: Vec<i64>,
    pub window_minutes: u32,
    pub close_contacts: usize,
    pub secondary_contacts: usize,
    /// Close contacts first, then secondary, each by person id.
    pub contacts: Vec<ContactView>,
    /// Exclusions that applied (recorded with their reason).
    pub excluded: Vec<Excluded>,
    /// Passages the index held, and the last passage id it had read.
    pub indexed_passages: u64,
    pub as_of_passage_id: i64,
    pub took_ms: f64,
}

fn person_ix(id: i64) -> Option<u32> {
    u32::try_from(id).ok()
}

/// Runs a trace with the policy's rules.
pub async fn trace(state: &AppState, req: &TraceRequest) -> AppResult<TraceAnswer> {
    let started = Instant::now();
    if req.cases.is_empty() || req.cases.len() > 1_000 {
        return Err(AppError::invalid("tracing.cases_count").on_field("cases"));
    }
    let policy = crate::policy::load(state.db()).await?.tracing;
    let window = req.window_minutes.unwrap_or(policy.contact_window_minutes);
    if window > 1440 {
        return Err(AppError::invalid("tracing.bad_window").on_field("window_minutes"));
    }
    let mut cases = req.cases.clone();
    cases.sort_unstable();
    cases.dedup();
    let known = crate::passages::repo::persons_by_id(state.db(), &cases).await?;
    if cases.iter().any(|c| !known.contains_key(c)) {
        return Err(AppError::invalid("tracing.unknown_person").on_field("cases"));
    }
    let manual = contacts::manual_of(state.db(), &cases).await?;
    let exclusions = contacts::exclusions_for(state.db(), &cases).await?;
    let relationship: HashMap<(i64, i64), String> = manual
        .iter()
        .map(|(contact, case, r)| ((*contact, *case), r.clone()))
        .collect();
    let query = Query {
        window,
        second_hop: req.second_hop.unwrap_or(true),
        excluded: exclusions
            .iter()
            .filter_map(|(p, _)| person_ix(*p))
            .collect(),
        manual: manual
            .iter()
            .filter_map(|(contact, case, _)| Some((person_ix(*contact)?, person_ix(*case)?)))
            .collect(),
    };
    let case_ix: Vec<u32> = cases.iter().filter_map(|c| person_ix(*c)).collect();
    let shared = live::of(state);
    let index = shared.fresh(&policy).await?;
    let found = index.engine.trace(&case_ix, &query);
    let (indexed_passages, as_of) = (index.engine.passages(), index.mark);
    drop(index);
    let contacts: Vec<ContactView> = found
        .into_iter()
        .map(|c| {
            let person = i64::from(c.person);
            let via = i64::from(c.via);
            ContactView {
                person_id: person,
                hop: c.hop,
                via_person_id: via,
                place_id: c.place.map(i64::from),
                first_at: c.place.map(|_| at_of(c.first)),
                last_at: c.place.map(|_| at_of(c.last)),
                duration_minutes: c.last - c.first,
                exposures: c.exposures,
                exposure_minutes: c.minutes,
                relationship: relationship.get(&(person, via)).cloned(),
            }
        })
        .collect();
    let excluded = exclusions
        .into_iter()
        .map(|(person_id, reason)| Excluded { person_id, reason })
        .collect();
    Ok(TraceAnswer {
        close_contacts: contacts.iter().filter(|c| c.hop == 1).count(),
        secondary_contacts: contacts.iter().filter(|c| c.hop == 2).count(),
        cases,
        window_minutes: window,
        contacts,
        excluded,
        indexed_passages,
        as_of_passage_id: as_of,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

#[utoipa::path(post, path = "/api/v1/epidemic/tracing/trace", tag = "epidemic", request_body = TraceRequest,
    responses(
        (status = 200, description = "Close and secondary contacts with their earliest exposure, from every passage committed before the request", body = TraceAnswer),
        (status = 422, description = "No cases, too many, an unknown person or a bad window", body = ErrorBody),
    ))]
pub async fn post_trace(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TraceRequest>,
) -> AppResult<Json<TraceAnswer>> {
    Ok(Json(trace(&state, &req).await?))
}

#[utoipa::path(post, path = "/api/v1/epidemic/tracing/manual-contacts", tag = "epidemic", request_body = ManualContactInput,
    responses(
        (status = 201, description = "Recorded; traces of the case return the contact", body = Created),
        (status = 409, description = "Already recorded for this case", body = ErrorBody),
        (status = 422, description = "Unknown person or relationship", body = ErrorBody),
    ))]
pub async fn post_manual_contact(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ManualContactInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = contacts::add_manual(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/v1/epidemic/tracing/exclusions", tag = "epidemic", request_body = ExclusionInput,
    responses(
        (status = 201, description = "Recorded; traces no longer return the person", body = Created),
        (status = 422, description = "Unknown person or reason", body = ErrorBody),
    ))]
pub async fn post_exclusion(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ExclusionInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = contacts::add_exclusion(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
