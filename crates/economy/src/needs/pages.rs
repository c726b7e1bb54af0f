//! `/economy/needs`: the needs list (an enterprise account sees its own); `/economy/need`: the
//! form to file one; `/economy/needs/{id}`: one need with the department's answer, its
//! timeline and, once answered, the rating form.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::kit::{Badge, Cell, Column, Field, FieldKind, SelectOption, Table, Tone};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{NeedQuery, page_of};
use super::model::{CATEGORIES, NeedInput, RatingInput};
use super::service;

fn state_badge(tr: &Tr, state: &str, overdue: bool) -> Badge {
    let text = tr.t(&format!("ticket.state.{state}")).to_string();
    match state {
        _ if overdue => Badge::new(Tone::Danger, text),
        "closed" | "verified" | "handled" => Badge::new(Tone::Ok, text),
        "cancelled" => Badge::new(Tone::Muted, text),
        _ => Badge::new(Tone::Info, text),
    }
}

fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&domain::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Template)]
#[template(path = "economy/needs.html")]
struct ListPage {
    page: Page,
    table: Table,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub open: String,
    pub cursor: Option<String>,
}

/// `GET /economy/needs?open=`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let nq = NeedQuery {
        open: Some(q.open == "1"),
        cursor: q.cursor.clone(),
        ..Default::default()
    };
    let found = page_of(&state, &user, &nq, 50).await?;
    let mut table =
        Table::new("needs-table", tr.t("needs.list_caption"), "/economy/needs").labels(&tr);
    table.columns = vec![
        Column::new("title", tr.t("needs.title")),
        Column::new("enterprise", tr.t("resumption.enterprise")),
        Column::new("category", tr.t("needs.category")),
        Column::new("state", tr.t("needs.state")),
        Column::new("department", tr.t("needs.department")),
        Column::new("due", tr.t("needs.due")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|n| {
            vec![
                Cell::link(format!("/economy/needs/{}", n.id), n.title.clone()),
                Cell::text(n.enterprise_name.clone()),
                Cell::text(tr.t(&format!("needs.category.{}", n.category))),
                Cell::Badge(state_badge(&tr, &n.state, n.overdue_at.is_some())),
                Cell::text(n.owner_unit_name.clone().unwrap_or_default()),
                n.due_at
                    .map(|d| Cell::text(beijing(d)))
                    .unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![("open".into(), q.open.clone())];
    table.empty_text = tr.t("needs.none").to_string();
    table.filters = vec![
        Field::select(
            "open",
            tr.t("needs.state"),
            vec![
                SelectOption::new("", tr.t("inspections.all")),
                SelectOption::new("1", tr.t("needs.open_only")),
            ],
        )
        .value(q.open.clone()),
    ];
    Ok(render(&ListPage {
        page: page.titled("nav.economy.needs"),
        table,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "economy/need.html")]
struct DetailPage {
    page: Page,
    id: i64,
    summary: Vec<(String, String)>,
    status: Badge,
    answer: Option<String>,
    timeline: Table,
    rating: Option<Field>,
    comment: Field,
}

/// `GET /economy/needs/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let need = service::get_scoped(state.db(), &user, id).await?;
    let view = service::view(state.db(), need).await?;
    let n = &view.need;
    let summary = vec![
        (
            tr.t("resumption.enterprise").to_string(),
            n.enterprise_name.clone(),
        ),
        (
            tr.t("needs.category").to_string(),
            tr.t(&format!("needs.category.{}", n.category)).to_string(),
        ),
        (
            tr.t("needs.description").to_string(),
            n.description.clone().unwrap_or_default(),
        ),
        (
            tr.t("needs.department").to_string(),
            n.owner_unit_name.clone().unwrap_or_default(),
        ),
        (
            tr.t("needs.due").to_string(),
            n.due_at.map(beijing).unwrap_or_default(),
        ),
        (
            tr.t("needs.rating").to_string(),
            n.rating
                .as_deref()
                .map(|r| tr.t(&format!("needs.rating.{r}")).to_string())
                .unwrap_or_default(),
        ),
    ];
    let mut timeline =
        Table::new("timeline-table", tr.t("needs.timeline"), "/economy/needs").labels(&tr);
    timeline.columns = vec![
        Column::new("at", tr.t("needs.at")),
        Column::new("actor", tr.t("needs.actor")),
        Column::new("action", tr.t("needs.action")),
        Column::new("detail", tr.t("needs.detail")),
    ];
    timeline.rows = view
        .timeline
        .iter()
        .map(|e| {
            vec![
                Cell::text(beijing(e.at)),
                Cell::text(e.actor.clone()),
                Cell::text(e.action.clone()),
                Cell::text(
                    [e.reason.clone(), e.detail.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ]
        })
        .collect();
    let answered = matches!(n.state.as_str(), "handled" | "verified" | "closed");
    let rating = (answered && n.rating.is_none()).then(|| {
        Field::select(
            "rating",
            tr.t("needs.rating"),
            platform::tickets::service::RATINGS
                .iter()
                .map(|r| SelectOption::new(*r, tr.t(&format!("needs.rating.{r}"))))
                .collect(),
        )
        .required()
    });
    Ok(render(&DetailPage {
        page: page.titled("needs.detail_title"),
        id,
        summary,
        status: state_badge(&tr, &n.state, n.overdue_at.is_some()),
        answer: view.answer.clone(),
        timeline,
        rating,
        comment: Field::text("comment", tr.t("needs.comment")),
    })?
    .into_response())
}

/// `POST /economy/needs/{id}/rating`
pub async fn rate(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let mut input = RatingInput::default();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "rating" => input.rating = v.into_owned(),
            "comment" => input.comment = Some(v.into_owned()),
            _ => {}
        }
    }
    service::rate(&state, &actor, &user, &page.tr, id, &input).await?;
    Ok(Redirect::to(&format!("/economy/needs/{id}?flash=flash.need_rated")).into_response())
}

#[derive(Template)]
#[template(path = "economy/need_form.html")]
struct FormPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    pub enterprise_id: Option<i64>,
}

fn form_fields(
    tr: &Tr,
    own: bool,
    values: &[(String, String)],
    bad: &str,
    message: &str,
) -> Vec<Field> {
    let value = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut fields = Vec::new();
    if !own {
        fields.push(
            Field::picker(
                "enterprise_id",
                tr.t("resumption.enterprise"),
                "enterprises",
            )
            .required()
            .value(value("enterprise_id")),
        );
    }
    fields.push(
        Field::select(
            "category",
            tr.t("needs.category"),
            CATEGORIES
                .iter()
                .map(|c| SelectOption::new(*c, tr.t(&format!("needs.category.{c}"))))
                .collect(),
        )
        .required()
        .value(value("category")),
    );
    fields.push(
        Field::text("title", tr.t("needs.title"))
            .required()
            .value(value("title")),
    );
    fields.push(
        Field::new(
            "description",
            tr.t("needs.description"),
            FieldKind::Textarea,
        )
        .value(value("description")),
    );
    fields
        .into_iter()
        .map(|f| f.error_if(Some(bad), message))
        .collect()
}

/// `GET /economy/need?enterprise_id=`
pub async fn form(
    page: Page,
    user: CurrentUser,
    Query(q): Query<FormQuery>,
) -> AppResult<Response> {
    let own = crate::scope::own_enterprise(&user).is_some();
    let values = vec![(
        "enterprise_id".to_string(),
        q.enterprise_id.map(|i| i.to_string()).unwrap_or_default(),
    )];
    let fields = form_fields(&page.tr, own, &values, "", "");
    Ok(render(&FormPage {
        page: page.titled("needs.form_title"),
        fields,
        error: None,
    })?
    .into_response())
}

/// `POST /economy/need`: files the need, then shows it.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    body: Bytes,
) -> AppResult<Response> {
    let values: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let own = crate::scope::own_enterprise(&user);
    let enterprise_id = match own {
        Some(id) => Ok(id),
        None => get("enterprise_id").trim().parse().map_err(|_| {
            AppError::invalid("resumption.choose_enterprise").on_field("enterprise_id")
        }),
    };
    let result = match enterprise_id {
        Ok(enterprise_id) => {
            let input = NeedInput {
                enterprise_id,
                category: get("category"),
                title: get("title"),
                description: Some(get("description")).filter(|d| !d.trim().is_empty()),
                priority: None,
            };
            service::file(&state, &actor, &user, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => Ok(Redirect::to(&format!(
            "/economy/needs/{}?flash=flash.need_filed",
            view.need.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            let fields = form_fields(&page.tr, own.is_some(), &values, &field, &message);
            let shown = fields.iter().any(|f| f.error.is_some());
            Ok((
                err.status,
                render(&FormPage {
                    page: page.titled("needs.form_title"),
                    fields,
                    error: (!shown).then_some(message),
                })?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}
