//! The gatekeeper's phone form (a document number, in or out, one tap; the place remembered
//! between passages) and the list of passages per place or person.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use platform::AppState;
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::web::kit::{Cell, Column, Field, SelectOption, Table};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{PassageQuery, page_of, record_one};
use super::model::{DIRECTIONS, PassageItem};
use crate::screening::pages::Choice;

fn form_key() -> String {
    use rand::Rng;
    format!("pass-{:032x}", rand::rng().random::<u128>())
}

#[derive(Default, Clone)]
struct PassForm {
    place_id: String,
    doc_number: String,
    name: String,
    phone: String,
    direction: String,
    event_key: String,
}

impl PassForm {
    fn parse(body: &[u8]) -> PassForm {
        let mut f = PassForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "place_id" => f.place_id = v,
                "doc_number" => f.doc_number = v,
                "name" => f.name = v,
                "phone" => f.phone = v,
                "direction" => f.direction = v,
                "event_key" => f.event_key = v,
                _ => {}
            }
        }
        f
    }

    fn item(&self) -> AppResult<PassageItem> {
        let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        let place_id = self
            .place_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("passages.place_required").on_field("place_id"))?;
        Ok(PassageItem {
            event_key: self.event_key.clone(),
            person_id: None,
            doc_type: None,
            doc_number: some(&self.doc_number),
            name: some(&self.name),
            phone: some(&self.phone),
            place_id: Some(place_id),
            at: Utc::now(),
            direction: self.direction.clone(),
            method: Some("manual".into()),
        })
    }
}

#[derive(Template)]
#[template(path = "epidemic/passages/record.html")]
struct FormPage {
    page: Page,
    error: Option<String>,
    error_field: String,
    place: Field,
    doc_number: String,
    person: Vec<Field>,
    directions: Vec<Choice>,
    event_key: String,
}

impl FormPage {
    fn field_error(&self, name: &str) -> bool {
        self.error_field == name
    }
}

/// Places in the user's area, for the form's select.
async fn places(state: &AppState, user: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    const SQL: &str = "SELECT id, name FROM places WHERE area_code >= $1 AND area_code < $2 \
         ORDER BY name, id LIMIT 1000";
    let (lo, hi) = user.area.subtree_range();
    Ok(platform::with_db!(state.db(), pool => sqlx::query_as(SQL)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?)
}

async fn form_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    form: &PassForm,
    err: Option<&AppError>,
) -> AppResult<FormPage> {
    let tr = page.tr.clone();
    let field = err.and_then(|e| e.field.as_deref());
    let message = err.map(|e| e.message(&tr)).unwrap_or_default();
    let mut options = vec![SelectOption::new("", tr.t("passages.choose_place"))];
    options.extend(
        places(state, user)
            .await?
            .into_iter()
            .map(|(id, name)| SelectOption::new(id.to_string(), name)),
    );
    let place = Field::select("place_id", tr.t("passages.place"), options)
        .value(form.place_id.clone())
        .required()
        .error_if(field, &message);
    let person = vec![
        Field::text("name", tr.t("passages.name"))
            .value(form.name.clone())
            .help(tr.t("passages.name_help"))
            .autocomplete("name")
            .error_if(field, &message),
        Field::text("phone", tr.t("passages.phone"))
            .value(form.phone.clone())
            .autocomplete("tel")
            .validate("phone")
            .error_if(field, &message),
    ];
    let directions = DIRECTIONS
        .iter()
        .map(|d| Choice {
            value: d,
            label: tr.t(&format!("passages.directions.{d}")).to_string(),
            checked: form.direction == *d || (form.direction.is_empty() && *d == "in"),
        })
        .collect();
    Ok(FormPage {
        page: page.titled("passages.form_title"),
        error: err.map(|_| message.clone()),
        error_field: field.unwrap_or_default().to_string(),
        place,
        doc_number: form.doc_number.clone(),
        person,
        directions,
        event_key: if form.event_key.is_empty() {
            form_key()
        } else {
            form.event_key.clone()
        },
    })
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    /// The place of the previous passage, remembered.
    pub place_id: Option<i64>,
    pub direction: Option<String>,
}

/// `GET /epidemic/passages/record`
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let form = PassForm {
        place_id: q.place_id.map(|p| p.to_string()).unwrap_or_default(),
        direction: q
            .direction
            .filter(|d| DIRECTIONS.contains(&d.as_str()))
            .unwrap_or_default(),
        ..Default::default()
    };
    Ok(render(&form_page(&state, page, &user, &form, None).await?)?.into_response())
}

/// `POST /epidemic/passages/record`: back to the form, same place and direction, for the next.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let form = PassForm::parse(&body);
    let result = match form.item() {
        Ok(item) => record_one(&state, &actor, &user, item).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/epidemic/passages/record?place_id={}&direction={}&flash=flash.passage_recorded",
            form.place_id.trim(),
            if form.direction == "out" { "out" } else { "in" }
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let status = err.status;
            let form = PassForm {
                event_key: String::new(),
                ..form
            };
            let page = form_page(&state, page, &user, &form, Some(&err)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    pub place_id: Option<i64>,
    pub person_id: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "epidemic/passages/list.html")]
struct ListPage {
    page: Page,
    table: Table,
}

/// `GET /epidemic/passages`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let api = PassageQuery {
        area: Some(q.area.trim().to_string()).filter(|a| !a.is_empty()),
        place_id: q.place_id,
        person_id: q.person_id,
        limit: None,
        cursor: q.cursor.clone(),
    };
    let found = page_of(&state, &user, &api, 50).await?;
    let mut table = Table::new(
        "passages-table",
        tr.t("passages.list_title"),
        "/epidemic/passages",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("time", tr.t("passages.time")),
        Column::new("place", tr.t("passages.place")),
        Column::new("person", tr.t("passages.person")),
        Column::new("direction", tr.t("passages.direction")),
        Column::new("method", tr.t("passages.method")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|p| {
            vec![
                Cell::text(p.when()),
                Cell::link(
                    format!("/epidemic/passages?place_id={}", p.place_id),
                    p.place_name.clone(),
                ),
                Cell::link(
                    format!("/epidemic/passages?person_id={}", p.person_id),
                    format!("{} {}", p.name, p.masked_doc()),
                ),
                Cell::text(tr.t(&format!("passages.directions.{}", p.direction))),
                Cell::text(tr.t(&format!("passages.methods.{}", p.method))),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    table.query = vec![
        ("area".into(), q.area.clone()),
        ("place_id".into(), id(q.place_id)),
        ("person_id".into(), id(q.person_id)),
    ];
    table.empty_text = tr.t("passages.none").to_string();
    table.filters = vec![Field::area_picker("area", tr.t("passages.area")).value(q.area.clone())];
    let page = page.titled("passages.list_title");
    Ok(render(&ListPage { page, table })?.into_response())
}
