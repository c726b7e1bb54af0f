//! `/epidemic/testing`: today's samples and results with the import button; and the phone page
//! that records a pooled tube quickly (scan or type the barcode, add members by ID number).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use platform::state::AppState;
use platform::web::download::{XLSX, attachment};
use platform::web::kit::{
    Badge, Cell, Column, Field, FieldKind, FigureCard, SelectOption, Table, Tone,
};
use platform::web::{Page, render};
use serde::Deserialize;

use super::api::{SampleQuery, page_of};
use super::model::{MemberRef, SampleInput};

#[derive(Template)]
#[template(path = "epidemic/testing/overview.html")]
struct Overview {
    page: Page,
    cards: Vec<FigureCard>,
    table: Table,
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    #[serde(default)]
    pub result: String,
    pub cursor: Option<String>,
}

fn result_badge(tr: &Tr, result: Option<&str>) -> Badge {
    match result {
        Some("positive") => Badge::new(Tone::Danger, tr.t("testing.result.positive")),
        Some("negative") => Badge::new(Tone::Ok, tr.t("testing.result.negative")),
        Some("invalid") => Badge::new(Tone::Warn, tr.t("testing.result.invalid")),
        _ => Badge::new(Tone::Info, tr.t("testing.result.pending")),
    }
}

/// `GET /epidemic/testing`
pub async fn overview(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let today = platform::responsibility::today();
    let mut cards = Vec::new();
    for def in super::figures::all() {
        let value = (def.compute)(&state, &user.area, today)
            .await
            .map_err(AppError::internal)?;
        cards.push(FigureCard::new(
            tr.t(def.label_key),
            value,
            tr.t(def.unit_key),
        ));
    }
    let api_query = SampleQuery {
        date: Some(today.to_string()),
        result: Some(q.result.clone()).filter(|r| !r.is_empty()),
        cursor: q.cursor.clone(),
        ..Default::default()
    };
    let found = page_of(&state, &user, &api_query, 50).await?;
    let mut table = Table::new(
        "samples-table",
        tr.t("testing.samples_today"),
        "/epidemic/testing",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("barcode", tr.t("testing.barcode")),
        Column::new("pool", tr.t("testing.pool_size")).numeric(),
        Column::new("sampled_at", tr.t("testing.sampled_at")),
        Column::new("result", tr.t("testing.result")),
        Column::new("area", tr.t("testing.area")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|s| {
            vec![
                Cell::Code(s.barcode.clone()),
                Cell::Num(s.pool_size.to_string()),
                Cell::text(
                    s.sampled_at
                        .with_timezone(&domain::china_offset())
                        .format("%H:%M")
                        .to_string(),
                ),
                Cell::Badge(result_badge(&tr, s.result.as_deref())),
                Cell::Code(s.area_code.clone()),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![("result".into(), q.result.clone())];
    table.empty_text = tr.t("testing.none_today").to_string();
    let mut options = vec![SelectOption::new("", tr.t("testing.all_results"))];
    for r in ["pending", "negative", "positive", "invalid"] {
        options.push(SelectOption::new(r, tr.t(&format!("testing.result.{r}"))));
    }
    table.filters =
        vec![Field::select("result", tr.t("testing.result"), options).value(q.result.clone())];
    Ok(render(&Overview {
        page: page.titled("nav.epidemic.testing"),
        cards,
        table,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "epidemic/testing/sample.html")]
struct SamplePage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

/// The phone form as it posts: every value text; members one ID number a line.
#[derive(Deserialize, Default, Clone)]
pub struct SampleForm {
    #[serde(default)]
    pub barcode: String,
    #[serde(default)]
    pub point_id: String,
    #[serde(default)]
    pub members: String,
}

fn sample_fields(tr: &Tr, form: &SampleForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad, message) = error.unwrap_or(("", ""));
    vec![
        Field::text("barcode", tr.t("testing.barcode"))
            .required()
            .value(form.barcode.clone())
            .autocomplete("off")
            .help(tr.t("testing.barcode_help")),
        Field::picker("point_id", tr.t("testing.point"), "places").value(form.point_id.clone()),
        Field::new("members", tr.t("testing.members"), FieldKind::Textarea)
            .required()
            .value(form.members.clone())
            .help(tr.t("testing.members_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad), message))
    .collect()
}

/// `GET /epidemic/testing/sample`
pub async fn sample_form(page: Page) -> AppResult<Response> {
    let fields = sample_fields(&page.tr, &SampleForm::default(), None);
    Ok(render(&SamplePage {
        page: page.titled("testing.sample_title"),
        fields,
        error: None,
    })?
    .into_response())
}

/// `POST /epidemic/testing/sample`: records the tube, then the form again for the next one.
pub async fn sample_submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<SampleForm>,
) -> AppResult<Response> {
    let point_id = match form.point_id.trim() {
        "" => Ok(None),
        p => p
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid("testing.unknown_point").on_field("point_id")),
    };
    let input = point_id.map(|point_id| SampleInput {
        barcode: form.barcode.clone(),
        point_id,
        sampled_at: None,
        members: form
            .members
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|t| !t.is_empty())
            .map(|doc| MemberRef {
                person_id: None,
                doc_number: Some(doc.to_string()),
            })
            .collect(),
    });
    let result = match input {
        Ok(input) => super::samples::create(state.db(), &actor, &user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to("/epidemic/testing/sample?flash=flash.testing_sample_saved")
                .into_response(),
        ),
        Err(err) if err.status.is_client_error() => {
            let tr = page.tr.clone();
            let message = err.message(&tr);
            // `members.3` is the members box.
            let field = err.field.clone().unwrap_or_default();
            let field = field.split('.').next().unwrap_or("").to_string();
            let fields = sample_fields(&tr, &form, Some((&field, &message)));
            let general = (!fields.iter().any(|f| f.error.is_some())).then_some(message);
            Ok((
                err.status,
                render(&SamplePage {
                    page: page.titled("testing.sample_title"),
                    fields,
                    error: general,
                })?,
            )
                .into_response())
        }
        Err(err) => Err(err),
    }
}

/// `GET /epidemic/testing/template`: the blank lab sheet.
pub async fn template(tr: Tr) -> AppResult<Response> {
    let title = tr.t("testing.template_title").to_string();
    let bytes = platform::tabular::write_template(&tr, &super::import::SPEC, &title)
        .map_err(AppError::internal)?;
    Ok(attachment(&format!("{title}.xlsx"), XLSX, bytes))
}
