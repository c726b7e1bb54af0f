//! The screening pages: the phone form a checkpoint uses (one column, big targets, the person
//! looked up as the document number is typed), what a screening set going, and the list.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::web::kit::{Badge, Cell, Column, Field, FieldKind, SelectOption, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{ScreeningQuery, known, page_of};
use super::model::{Decision, ORIGINS, ScreeningInput, ScreeningView, TRANSPORTS};
use super::service;
use crate::policy::SYMPTOMS;

/// Beijing time, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&domain::dates::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn form_key() -> String {
    use rand::Rng;
    format!("screen-{:032x}", rand::rng().random::<u128>())
}

/// The form as posted: every value text; symptoms may repeat.
#[derive(Default, Clone)]
pub struct ScreenForm {
    pub place_id: String,
    pub doc_number: String,
    pub name: String,
    pub phone: String,
    pub destination_area: String,
    pub destination: String,
    pub origin: String,
    pub origin_detail: String,
    pub transport: String,
    pub vehicle: String,
    pub temperature: String,
    pub symptoms: Vec<String>,
    pub decision: String,
    pub idempotency_key: String,
}

impl ScreenForm {
    fn parse(body: &[u8]) -> ScreenForm {
        let mut f = ScreenForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "place_id" => f.place_id = v,
                "doc_number" => f.doc_number = v,
                "name" => f.name = v,
                "phone" => f.phone = v,
                "destination_area" => f.destination_area = v,
                "destination" => f.destination = v,
                "origin" => f.origin = v,
                "origin_detail" => f.origin_detail = v,
                "transport" => f.transport = v,
                "vehicle" => f.vehicle = v,
                "temperature" => f.temperature = v,
                "symptoms" => f.symptoms.push(v),
                "decision" => f.decision = v,
                "idempotency_key" => f.idempotency_key = v,
                _ => {}
            }
        }
        f
    }

    fn input(&self) -> AppResult<ScreeningInput> {
        let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        let place_id =
            self.place_id.trim().parse().map_err(|_| {
                AppError::invalid("screening.unknown_checkpoint").on_field("place_id")
            })?;
        Ok(ScreeningInput {
            place_id,
            doc_type: None,
            doc_number: self.doc_number.clone(),
            name: some(&self.name),
            phone: some(&self.phone),
            destination_area: self.destination_area.clone(),
            destination: some(&self.destination),
            origin: self.origin.clone(),
            origin_detail: some(&self.origin_detail),
            transport: self.transport.clone(),
            vehicle: some(&self.vehicle),
            temperature: serde_json::Value::String(self.temperature.clone()),
            symptoms: self.symptoms.clone(),
            decision: some(&self.decision),
        })
    }
}

/// A choice among radios or checkboxes.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "epidemic/screen.html")]
struct FormPage {
    page: Page,
    error: Option<String>,
    error_field: String,
    checkpoint: Field,
    person: Vec<Field>,
    doc_number: String,
    destination: Vec<Field>,
    origins: Vec<Choice>,
    travel: Vec<Field>,
    temperature: String,
    symptoms: Vec<Choice>,
    decisions: Vec<Choice>,
    idempotency_key: String,
}

/// Checkpoints in the user's area, for the form's select.
async fn checkpoints(state: &AppState, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    const SQL: &str = "SELECT id, name FROM places WHERE kind = 'checkpoint' \
         AND area_code >= $1 AND area_code < $2 ORDER BY name, id LIMIT 500";
    let (lo, hi) = user.area.subtree_range();
    Ok(platform::with_db!(state.db(), pool => sqlx::query_as(SQL)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?)
}

async fn form_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    form: &ScreenForm,
    err: Option<&AppError>,
) -> AppResult<FormPage> {
    let tr = page.tr.clone();
    let field = err.and_then(|e| e.field.as_deref());
    let message = err.map(|e| e.message(&tr)).unwrap_or_default();
    let mut options = vec![SelectOption::new("", tr.t("screening.choose_checkpoint"))];
    let places = checkpoints(state, user).await?;
    let only = (places.len() == 1).then(|| places[0].0.to_string());
    options.extend(
        places
            .into_iter()
            .map(|(id, name)| SelectOption::new(id.to_string(), name)),
    );
    let checkpoint = Field::select("place_id", tr.t("screening.checkpoint"), options)
        .value(if form.place_id.is_empty() {
            only.unwrap_or_default()
        } else {
            form.place_id.clone()
        })
        .required()
        .error_if(field, &message);
    let person = vec![
        Field::text("name", tr.t("screening.name"))
            .value(form.name.clone())
            .help(tr.t("screening.name_help"))
            .autocomplete("name")
            .error_if(field, &message),
        Field::new("phone", tr.t("screening.phone"), FieldKind::Text)
            .value(form.phone.clone())
            .autocomplete("tel")
            .validate("phone")
            .error_if(field, &message),
    ];
    let destination = vec![
        Field::area_picker("destination_area", tr.t("screening.destination_area"))
            .value(form.destination_area.clone())
            .required()
            .help(tr.t("screening.destination_area_help"))
            .error_if(field, &message),
        Field::text("destination", tr.t("screening.destination"))
            .value(form.destination.clone())
            .error_if(field, &message),
    ];
    let origins = ORIGINS
        .iter()
        .map(|o| Choice {
            value: o,
            label: tr.t(&format!("screening.origins.{o}")).to_string(),
            checked: form.origin == *o,
        })
        .collect();
    let mut transports = vec![SelectOption::new("", tr.t("screening.choose_transport"))];
    transports.extend(
        TRANSPORTS
            .iter()
            .map(|t| SelectOption::new(*t, tr.t(&format!("screening.transports.{t}")))),
    );
    let travel = vec![
        Field::text("origin_detail", tr.t("screening.origin_detail"))
            .value(form.origin_detail.clone())
            .placeholder(tr.t("screening.origin_detail_placeholder"))
            .error_if(field, &message),
        Field::select("transport", tr.t("screening.transport"), transports)
            .value(form.transport.clone())
            .required()
            .error_if(field, &message),
        Field::text("vehicle", tr.t("screening.vehicle"))
            .value(form.vehicle.clone())
            .placeholder(tr.t("screening.vehicle_placeholder"))
            .error_if(field, &message),
    ];
    let symptoms = SYMPTOMS
        .iter()
        .map(|s| Choice {
            value: s,
            label: tr.t(&format!("epidemic.symptom.{s}")).to_string(),
            checked: form.symptoms.iter().any(|c| c == s),
        })
        .collect();
    let mut decisions = vec![Choice {
        value: "",
        label: tr.t("screening.decision_auto").to_string(),
        checked: form.decision.is_empty(),
    }];
    decisions.extend(Decision::ALL.iter().map(|d| {
        Choice {
            value: d.as_str(),
            label: tr
                .t(&format!("screening.decisions.{}", d.as_str()))
                .to_string(),
            checked: form.decision == d.as_str(),
        }
    }));
    Ok(FormPage {
        page: page.titled("screening.form_title"),
        error: err.map(|_| message.clone()),
        error_field: field.unwrap_or_default().to_string(),
        checkpoint,
        person,
        doc_number: form.doc_number.clone(),
        destination,
        origins,
        travel,
        temperature: form.temperature.clone(),
        symptoms,
        decisions,
        idempotency_key: if form.idempotency_key.is_empty() {
            form_key()
        } else {
            form.idempotency_key.clone()
        },
    })
}

impl FormPage {
    fn field_error(&self, name: &str) -> bool {
        self.error_field == name
    }
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    /// The checkpoint to preselect: the one the previous screening was at.
    pub place_id: Option<i64>,
}

/// `GET /epidemic/screen`
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let form = ScreenForm {
        place_id: q.place_id.map(|p| p.to_string()).unwrap_or_default(),
        transport: "car".into(),
        origin: "other".into(),
        ..Default::default()
    };
    Ok(render(&form_page(&state, page, &user, &form, None).await?)?.into_response())
}

/// `POST /epidemic/screen`
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let form = ScreenForm::parse(&body);
    let result = match form.input() {
        Ok(input) => {
            service::record(
                &state,
                &actor,
                &user,
                &input,
                Some(form.idempotency_key.as_str()).filter(|k| !k.is_empty()),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!(
            "/epidemic/screenings/{}?flash=flash.screening_recorded",
            r.screening.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let status = err.status;
            let page = form_page(&state, page, &user, &form, Some(&err)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    pub doc_number: String,
}

/// `GET /epidemic/screen/lookup?doc_number=`: a line under the document field saying whether
/// the person is registered (name, masked phone, an open key-person episode) — htmx swaps it in.
pub async fn lookup(
    State(state): State<AppState>,
    tr: Tr,
    Query(q): Query<LookupQuery>,
) -> AppResult<Html<String>> {
    let text = match known(&state, &q.doc_number, None).await {
        Err(e) => format!(
            r#"<p class="field-error" id="known" role="alert">{}</p>"#,
            platform::web::escape_html(&e.message(&tr))
        ),
        Ok(k) if !k.registered => format!(
            r#"<p class="help" id="known">{}</p>"#,
            platform::web::escape_html(tr.t("screening.not_registered"))
        ),
        Ok(k) => {
            let mut line = tr.f(
                "screening.registered_as",
                &[
                    ("name", k.name.as_deref().unwrap_or("")),
                    ("area", k.area_code.as_deref().unwrap_or("")),
                ],
            );
            if let Some((category, _)) = &k.key_person {
                line.push_str(" · ");
                line.push_str(&tr.f(
                    "screening.already_key_person",
                    &[(
                        "category",
                        tr.t(&format!("key_person.categories.{category}")),
                    )],
                ));
            }
            format!(
                r#"<p class="field-hint" id="known">{}</p>"#,
                platform::web::escape_html(&line)
            )
        }
    };
    Ok(Html(text))
}

#[derive(Template)]
#[template(path = "epidemic/screening.html")]
struct DetailPage {
    page: Page,
    s: ScreeningView,
    decision: Badge,
    facts: Vec<(String, String)>,
}

pub fn decision_badge(tr: &Tr, decision: &str) -> Badge {
    let tone = match decision {
        "pass" => Tone::Ok,
        "testing" => Tone::Info,
        "quarantine" => Tone::Warn,
        _ => Tone::Danger,
    };
    Badge::new(tone, tr.t(&format!("screening.decisions.{decision}")))
}

pub fn temperature_text(t: Option<f64>) -> String {
    t.map(|t| format!("{t:.1} ℃")).unwrap_or_default()
}

/// `GET /epidemic/screenings/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = service::get_scoped(&state, &user, id).await?;
    let tr = page.tr.clone();
    let symptoms: Vec<String> = s
        .symptoms
        .iter()
        .map(|c| tr.t(&format!("epidemic.symptom.{c}")).to_string())
        .collect();
    let facts = vec![
        (tr.t("screening.time").to_string(), when(s.screened_at)),
        (
            tr.t("screening.checkpoint").to_string(),
            s.place_name.clone(),
        ),
        (
            tr.t("screening.person").to_string(),
            format!("{} {}", s.person_name, s.doc_number.masked()),
        ),
        (
            tr.t("screening.origin").to_string(),
            format!(
                "{} {}",
                tr.t(&format!("screening.origins.{}", s.origin)),
                s.origin_detail.clone().unwrap_or_default()
            ),
        ),
        (
            tr.t("screening.transport").to_string(),
            format!(
                "{} {}",
                tr.t(&format!("screening.transports.{}", s.transport)),
                s.vehicle.clone().unwrap_or_default()
            ),
        ),
        (
            tr.t("screening.temperature").to_string(),
            temperature_text(s.temperature),
        ),
        (
            tr.t("screening.symptoms").to_string(),
            if symptoms.is_empty() {
                tr.t("screening.no_symptoms").to_string()
            } else {
                symptoms.join("、")
            },
        ),
        (
            tr.t("screening.destination_area").to_string(),
            format!(
                "{} {}",
                s.destination_area,
                s.destination.clone().unwrap_or_default()
            ),
        ),
    ];
    let decision = decision_badge(&tr, &s.decision);
    let page = page.titled("screening.detail_title");
    Ok(render(&DetailPage {
        page,
        s,
        decision,
        facts,
    })?
    .into_response())
}

/// The list's query as the filter form sends it.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub decision: String,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "epidemic/screenings.html")]
struct ListPage {
    page: Page,
    table: Table,
}

/// `GET /epidemic/screenings`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let today = crate::time::today().to_string();
    let from = if q.from.is_empty() && q.to.is_empty() && q.cursor.is_none() {
        today.clone()
    } else {
        q.from.clone()
    };
    let api = ScreeningQuery {
        area: some(&q.area),
        from: some(&from),
        to: some(&q.to),
        place_id: None,
        origin: some(&q.origin),
        decision: some(&q.decision),
        limit: None,
        cursor: q.cursor.clone(),
    };
    let found = page_of(&state, &user, &api, 50).await?;
    let mut table = Table::new(
        "screenings-table",
        tr.t("screening.list_title"),
        "/epidemic/screenings",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("time", tr.t("screening.time")),
        Column::new("checkpoint", tr.t("screening.checkpoint")),
        Column::new("person", tr.t("screening.person")),
        Column::new("origin", tr.t("screening.origin")),
        Column::new("temperature", tr.t("screening.temperature")).numeric(),
        Column::new("decision", tr.t("screening.decision")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|s| {
            vec![
                Cell::link(
                    format!("/epidemic/screenings/{}", s.id),
                    when(s.screened_at),
                ),
                Cell::text(s.place_name.clone()),
                Cell::text(format!("{} {}", s.person_name, s.doc_number.masked())),
                Cell::text(tr.t(&format!("screening.origins.{}", s.origin))),
                if s.symptoms.is_empty() {
                    Cell::Num(temperature_text(s.temperature))
                } else {
                    Cell::Badge(Badge::new(Tone::Danger, temperature_text(s.temperature)))
                },
                Cell::Badge(decision_badge(&tr, &s.decision)),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("area".into(), q.area.clone()),
        ("from".into(), from.clone()),
        ("to".into(), q.to.clone()),
        ("origin".into(), q.origin.clone()),
        ("decision".into(), q.decision.clone()),
    ];
    table.empty_text = tr.t("screening.none").to_string();
    let mut origins = vec![SelectOption::new("", tr.t("screening.all_origins"))];
    origins.extend(
        ORIGINS
            .iter()
            .map(|o| SelectOption::new(*o, tr.t(&format!("screening.origins.{o}")))),
    );
    let mut decisions = vec![SelectOption::new("", tr.t("screening.all_decisions"))];
    decisions.extend(Decision::ALL.iter().map(|d| {
        SelectOption::new(
            d.as_str(),
            tr.t(&format!("screening.decisions.{}", d.as_str())),
        )
    }));
    table.filters = vec![
        Field::date("from", tr.t("screening.from")).value(from),
        Field::date("to", tr.t("screening.to")).value(q.to.clone()),
        Field::select("origin", tr.t("screening.origin"), origins).value(q.origin.clone()),
        Field::select("decision", tr.t("screening.decision"), decisions).value(q.decision.clone()),
        Field::area_picker("area", tr.t("screening.area")).value(q.area.clone()),
    ];
    let page = page.titled("screening.list_title");
    Ok(render(&ListPage { page, table })?.into_response())
}
