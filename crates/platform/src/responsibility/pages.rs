//! The responsibility pages: the assignment list with filters and the two coverage figures, the
//! assignment form (subject by picker, unit as a select, person by picker), an assignment's
//! page with its end form, the coverage lists, and the user picker.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::ResponsibilityRole;
use serde::Deserialize;

use super::api::{AssignmentQuery, CoverageQuery, enterprises_page, grids_page, page_of};
use super::model::{AssignInput, Assignment, EndInput, SubjectKind};
use super::{repo, service, today};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::state::AppState;
use crate::web::kit::{
    Badge, Cell, Column, Field, FieldKind, FigureCard, RowAction, SelectOption, Table, Tone,
};
use crate::web::ui::{PickOption, pick_options};
use crate::web::{Page, render};

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

async fn can_write(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    crate::auth::permission::allows(
        state,
        user,
        crate::registry::MODULE,
        crate::auth::Action::Write,
    )
    .await
}

fn role_label(tr: &Tr, role: &str) -> String {
    tr.t(&format!("responsibility.roles.{role}")).to_string()
}

fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(&format!("responsibility.kinds.{kind}")).to_string()
}

fn role_options(tr: &Tr, first: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", first)];
    options.extend(
        ResponsibilityRole::ALL
            .iter()
            .map(|r| SelectOption::new(r.as_str(), role_label(tr, r.as_str()))),
    );
    options
}

fn kind_options(tr: &Tr, first: &str) -> Vec<SelectOption> {
    let mut options = vec![SelectOption::new("", first)];
    options.extend(
        SubjectKind::ALL
            .iter()
            .map(|k| SelectOption::new(k.as_str(), kind_label(tr, k.as_str()))),
    );
    options
}

/// Where a subject's own page is.
fn subject_href(a: &Assignment) -> Option<String> {
    match (a.subject_kind.as_str(), a.subject_id, &a.subject_area) {
        ("enterprise", Some(id), _) => Some(format!("/registry/enterprises/{id}")),
        ("place", Some(id), _) => Some(format!("/registry/places/{id}")),
        ("person", Some(id), _) => Some(format!("/registry/persons/{id}")),
        ("area", _, Some(code)) => Some(format!("/areas/{code}")),
        _ => None,
    }
}

fn subject_text(a: &Assignment) -> String {
    a.subject_name.clone().unwrap_or_else(|| {
        a.subject_area
            .clone()
            .or_else(|| a.subject_id.map(|id| format!("#{id}")))
            .unwrap_or_default()
    })
}

fn status_badge(tr: &Tr, a: &Assignment) -> Badge {
    if a.active {
        Badge::new(Tone::Ok, tr.t("responsibility.active"))
    } else if a.starts_on > today() {
        Badge::new(Tone::Info, tr.t("responsibility.upcoming"))
    } else {
        Badge::new(Tone::Muted, tr.t("responsibility.ended"))
    }
}

/// The list's query as a form sends it: every value text, empty for "any".
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub subject_kind: String,
    #[serde(default)]
    pub subject_id: String,
    #[serde(default)]
    pub role: String,
    /// `active`, `inactive` or empty.
    #[serde(default)]
    pub status: String,
    pub cursor: Option<String>,
}

impl ListQuery {
    fn to_api(&self) -> AppResult<AssignmentQuery> {
        let subject_id = match self.subject_id.trim() {
            "" => None,
            n => Some(n.parse::<i64>().map_err(|_| {
                AppError::invalid("responsibility.unknown_subject").on_field("subject_id")
            })?),
        };
        Ok(AssignmentQuery {
            subject_kind: some(&self.subject_kind),
            subject_id,
            area: some(&self.area),
            role: some(&self.role),
            active: match self.status.as_str() {
                "active" => Some(true),
                "inactive" => Some(false),
                _ => None,
            },
            cursor: self.cursor.clone(),
            ..Default::default()
        })
    }
}

#[derive(Template)]
#[template(path = "responsibility/list.html")]
struct ListPage {
    page: Page,
    figures: Vec<FigureCard>,
    table: Table,
    can_write: bool,
}

/// `GET /responsibility`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let found = page_of(&state, &user, &query.to_api()?, 50).await?;
    let scope = crate::areas::api::scope_range(&user, Some(&query.area), "area")?;
    let on = today();
    let no_leader = repo::count_enterprises_without_leader(state.db(), &scope, on).await?;
    let no_worker = repo::count_grids_without_worker(state.db(), &scope, on).await?;
    let area_query = if query.area.trim().is_empty() {
        String::new()
    } else {
        format!("?area={}", query.area.trim())
    };
    let figures = vec![
        FigureCard::new(
            tr.t("responsibility.figure_no_leader"),
            no_leader as f64,
            tr.t("responsibility.unit_enterprises"),
        )
        .linked(format!("/responsibility/coverage/enterprises{area_query}")),
        FigureCard::new(
            tr.t("responsibility.figure_no_worker"),
            no_worker as f64,
            tr.t("responsibility.unit_grids"),
        )
        .linked(format!("/responsibility/coverage/grids{area_query}")),
    ];
    let mut table = Table::new(
        "responsibility-table",
        tr.t("responsibility.list_title"),
        "/responsibility",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("subject", tr.t("responsibility.subject")),
        Column::new("kind", tr.t("responsibility.subject_kind")),
        Column::new("role", tr.t("responsibility.role")),
        Column::new("unit", tr.t("responsibility.unit")),
        Column::new("user", tr.t("responsibility.user")),
        Column::new("starts_on", tr.t("responsibility.starts_on")),
        Column::new("ends_on", tr.t("responsibility.ends_on")),
        Column::new("status", tr.t("responsibility.status")),
        Column::new("actions", tr.t("responsibility.actions")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|a| {
            let subject = match subject_href(a) {
                Some(href) => Cell::link(href, subject_text(a)),
                None => Cell::text(subject_text(a)),
            };
            vec![
                subject,
                Cell::text(kind_label(&tr, &a.subject_kind)),
                Cell::text(role_label(&tr, &a.role)),
                Cell::text(a.unit_name.clone().unwrap_or_default()),
                Cell::text(a.user_name.clone().unwrap_or_default()),
                Cell::text(a.starts_on.to_string()),
                Cell::text(a.ends_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Badge(status_badge(&tr, a)),
                Cell::Actions(vec![RowAction::link(
                    tr.t("responsibility.open"),
                    format!("/responsibility/{}", a.id),
                )]),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.query = vec![
        ("subject_kind".into(), query.subject_kind.clone()),
        ("subject_id".into(), query.subject_id.clone()),
        ("role".into(), query.role.clone()),
        ("status".into(), query.status.clone()),
        ("area".into(), query.area.clone()),
    ];
    table.empty_text = tr.t("responsibility.none").to_string();
    table.filters = vec![
        Field::select(
            "subject_kind",
            tr.t("responsibility.subject_kind"),
            kind_options(&tr, tr.t("responsibility.all_kinds")),
        )
        .value(query.subject_kind.clone()),
        Field::select(
            "role",
            tr.t("responsibility.role"),
            role_options(&tr, tr.t("responsibility.all_roles")),
        )
        .value(query.role.clone()),
        Field::select(
            "status",
            tr.t("responsibility.status"),
            vec![
                SelectOption::new("", tr.t("responsibility.all_statuses")),
                SelectOption::new("active", tr.t("responsibility.active")),
                SelectOption::new("inactive", tr.t("responsibility.inactive")),
            ],
        )
        .value(query.status.clone()),
        Field::area_picker("area", tr.t("responsibility.area")).value(query.area.clone()),
    ];
    let can_write = can_write(&state, &user).await?;
    Ok(render(&ListPage {
        page: page.titled("responsibility.list_title"),
        figures,
        table,
        can_write,
    })?
    .into_response())
}

/// The assignment form as it is sent: every value text. The subject comes from the picker of
/// its kind.
#[derive(Deserialize, Default, Clone)]
pub struct AssignForm {
    #[serde(default)]
    pub subject_kind: String,
    #[serde(default)]
    pub subject_area: String,
    #[serde(default)]
    pub enterprise_id: String,
    #[serde(default)]
    pub place_id: String,
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub household_id: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub note: String,
}

/// The form field that carries the subject of each kind.
fn subject_field(kind: &str) -> &'static str {
    match kind {
        "enterprise" => "enterprise_id",
        "place" => "place_id",
        "person" => "person_id",
        "household" => "household_id",
        _ => "subject_area",
    }
}

fn id_field(text: &str, field: &str, key: &str) -> AppResult<Option<i64>> {
    match text.trim() {
        "" => Ok(None),
        n => n
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(key).on_field(field)),
    }
}

impl AssignForm {
    fn input(&self) -> AppResult<AssignInput> {
        let kind = self.subject_kind.trim();
        let subject_id = match kind {
            "enterprise" => &self.enterprise_id,
            "place" => &self.place_id,
            "person" => &self.person_id,
            "household" => &self.household_id,
            _ => "",
        };
        let subject_id = id_field(
            subject_id,
            subject_field(kind),
            "responsibility.unknown_subject",
        )?;
        Ok(AssignInput {
            subject_kind: kind.to_string(),
            subject_id,
            subject_area: (kind == "area").then(|| self.subject_area.clone()),
            role: self.role.clone(),
            unit_id: id_field(&self.unit_id, "unit_id", "responsibility.unknown_unit")?,
            user_id: id_field(&self.user_id, "user_id", "responsibility.unknown_user")?,
            starts_on: some(&self.starts_on),
            ends_on: some(&self.ends_on),
            note: some(&self.note),
        })
    }
}

/// The areas above the user's, nearest first: a township assigns the district's departments.
fn ancestors(user: &CurrentUser) -> Vec<String> {
    user.area
        .ancestors()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

async fn unit_options(
    state: &AppState,
    user: &CurrentUser,
    tr: &Tr,
) -> AppResult<Vec<SelectOption>> {
    let units = crate::users::units::reachable_from(state.db(), &user.area).await?;
    let mut options = vec![SelectOption::new("", tr.t("responsibility.choose_unit"))];
    options.extend(
        units
            .into_iter()
            .map(|u| SelectOption::new(u.id.to_string(), u.name)),
    );
    Ok(options)
}

/// The form's fields, with the error (field, message) shown on its field.
fn form_fields(
    tr: &Tr,
    form: &AssignForm,
    units: Vec<SelectOption>,
    error: Option<(&str, &str)>,
) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    // A subject's error belongs on the picker of its kind.
    let bad_field = match bad_field {
        "subject_id" | "subject_area" => subject_field(form.subject_kind.trim()),
        other => other,
    };
    vec![
        Field::select(
            "subject_kind",
            tr.t("responsibility.subject_kind"),
            kind_options(tr, tr.t("responsibility.choose_kind")),
        )
        .required()
        .value(form.subject_kind.clone())
        .help(tr.t("responsibility.subject_kind_help")),
        Field::area_picker("subject_area", tr.t("responsibility.kinds.area"))
            .value(form.subject_area.clone()),
        Field::picker(
            "enterprise_id",
            tr.t("responsibility.kinds.enterprise"),
            "enterprises",
        )
        .value(form.enterprise_id.clone()),
        Field::picker("place_id", tr.t("responsibility.kinds.place"), "places")
            .value(form.place_id.clone()),
        Field::picker("person_id", tr.t("responsibility.kinds.person"), "persons")
            .value(form.person_id.clone()),
        Field::new(
            "household_id",
            tr.t("responsibility.kinds.household"),
            FieldKind::Number,
        )
        .value(form.household_id.clone()),
        Field::select(
            "role",
            tr.t("responsibility.role"),
            role_options(tr, tr.t("responsibility.choose_role")),
        )
        .required()
        .value(form.role.clone()),
        Field::select("unit_id", tr.t("responsibility.unit"), units)
            .value(form.unit_id.clone())
            .help(tr.t("responsibility.unit_help")),
        Field::picker("user_id", tr.t("responsibility.user"), "users")
            .value(form.user_id.clone())
            .help(tr.t("responsibility.user_help")),
        Field::date("starts_on", tr.t("responsibility.starts_on"))
            .value(form.starts_on.clone())
            .help(tr.t("responsibility.starts_on_help")),
        Field::date("ends_on", tr.t("responsibility.ends_on"))
            .value(form.ends_on.clone())
            .help(tr.t("responsibility.ends_on_help")),
        Field::text("note", tr.t("responsibility.note")).value(form.note.clone()),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

#[derive(Template)]
#[template(path = "responsibility/new.html")]
struct NewPage {
    page: Page,
    fields: Vec<Field>,
    error: Option<String>,
}

/// `GET /responsibility/new?subject_kind=&subject_id=&subject_area=&role=`: prefilled from a
/// coverage list's link.
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    pub subject_kind: String,
    #[serde(default)]
    pub subject_id: String,
    #[serde(default)]
    pub subject_area: String,
    #[serde(default)]
    pub role: String,
}

/// `GET /responsibility/new`
pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(query): Query<NewQuery>,
) -> AppResult<Html<String>> {
    let mut form = AssignForm {
        subject_kind: query.subject_kind.clone(),
        subject_area: query.subject_area.clone(),
        role: query.role.clone(),
        ..Default::default()
    };
    match query.subject_kind.as_str() {
        "enterprise" => form.enterprise_id = query.subject_id.clone(),
        "place" => form.place_id = query.subject_id.clone(),
        "person" => form.person_id = query.subject_id.clone(),
        "household" => form.household_id = query.subject_id.clone(),
        _ => {}
    }
    let units = unit_options(&state, &user, &page.tr).await?;
    let fields = form_fields(&page.tr, &form, units, None);
    render(&NewPage {
        page: page.titled("responsibility.new_title"),
        fields,
        error: None,
    })
}

/// `POST /responsibility/new`
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => service::assign(state.db(), &actor, &user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "/responsibility/{}?flash=flash.responsibility_assigned",
            a.id
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let tr = page.tr.clone();
            let message = err.message(&tr);
            let field = err.field.clone().unwrap_or_default();
            let units = unit_options(&state, &user, &tr).await?;
            let fields = form_fields(&tr, &form, units, Some((&field, &message)));
            let error = if fields.iter().any(|f| f.error.is_some()) {
                None
            } else {
                Some(message)
            };
            let view = NewPage {
                page: page.titled("responsibility.new_title"),
                fields,
                error,
            };
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "responsibility/detail.html")]
struct DetailPage {
    page: Page,
    a: Assignment,
    subject: String,
    subject_href: String,
    kind: String,
    role: String,
    badge: Badge,
    /// Whether the end form shows.
    can_end: bool,
    fields: Vec<Field>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct EndForm {
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: String,
}

fn end_fields(tr: &Tr, form: &EndForm, error: Option<(&str, &str)>) -> Vec<Field> {
    let (bad_field, message) = error.unwrap_or(("", ""));
    vec![
        Field::date("ends_on", tr.t("responsibility.ends_on"))
            .value(form.ends_on.clone())
            .help(tr.t("responsibility.end_on_help")),
        Field::new(
            "reason",
            tr.t("responsibility.end_reason"),
            FieldKind::Textarea,
        )
        .required()
        .value(form.reason.clone()),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(bad_field), message))
    .collect()
}

async fn detail_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    id: i64,
) -> AppResult<DetailPage> {
    let row = service::get_scoped(state.db(), user, id).await?;
    let a = Assignment::from_row(row, today());
    let tr = page.tr.clone();
    let can_end = a.ends_on.is_none_or(|end| end > today()) && can_write(state, user).await?;
    let title = format!("{} · {}", subject_text(&a), role_label(&tr, &a.role));
    Ok(DetailPage {
        subject: subject_text(&a),
        subject_href: subject_href(&a).unwrap_or_default(),
        kind: kind_label(&tr, &a.subject_kind),
        role: role_label(&tr, &a.role),
        badge: status_badge(&tr, &a),
        can_end,
        fields: end_fields(&tr, &EndForm::default(), None),
        error: None,
        page: page.titled_text(title),
        a,
    })
}

/// `GET /responsibility/{id}`
pub async fn detail(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    render(&detail_page(&state, page, &user, id).await?)
}

/// `POST /responsibility/{id}/end`
pub async fn end(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<i64>,
    Form(form): Form<EndForm>,
) -> AppResult<Response> {
    let input = EndInput {
        ends_on: some(&form.ends_on),
        reason: form.reason.clone(),
        version: form.version.trim().parse().ok(),
    };
    match service::end(state.db(), &actor, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/responsibility/{id}?flash=flash.responsibility_ended"
        ))
        .into_response()),
        Err(err)
            if err.status.is_client_error() && err.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let tr = page.tr.clone();
            let message = err.message(&tr);
            let field = err.field.clone().unwrap_or_default();
            let mut view = detail_page(&state, page, &user, id).await?;
            view.fields = end_fields(&tr, &form, Some((&field, &message)));
            if !view.fields.iter().any(|f| f.error.is_some()) {
                view.error = Some(message);
            }
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize, Default)]
pub struct CoverageForm {
    #[serde(default)]
    pub area: String,
    pub cursor: Option<String>,
}

impl CoverageForm {
    fn to_api(&self) -> CoverageQuery {
        CoverageQuery {
            area: some(&self.area),
            limit: None,
            cursor: self.cursor.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "responsibility/coverage.html")]
struct CoveragePage {
    page: Page,
    summary: String,
    table: Table,
}

fn coverage_table(tr: &Tr, id: &str, caption: &str, base: &str, form: &CoverageForm) -> Table {
    let mut table = Table::new(id, caption, base).labels(tr);
    table.query = vec![("area".into(), form.area.clone())];
    table.filters =
        vec![Field::area_picker("area", tr.t("responsibility.area")).value(form.area.clone())];
    table
}

/// `GET /responsibility/coverage/enterprises`
pub async fn enterprises_without_leader(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(form): Query<CoverageForm>,
) -> AppResult<Html<String>> {
    let tr = page.tr.clone();
    let found = enterprises_page(&state, &user, &form.to_api(), 50).await?;
    let writes = can_write(&state, &user).await?;
    let mut table = coverage_table(
        &tr,
        "no-leader-table",
        tr.t("responsibility.no_leader_title"),
        "/responsibility/coverage/enterprises",
        &form,
    );
    table.columns = vec![
        Column::new("name", tr.t("responsibility.enterprise_name")),
        Column::new("uscc", tr.t("responsibility.uscc")),
        Column::new("area", tr.t("responsibility.area")),
        Column::new("actions", tr.t("responsibility.actions")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|e| {
            let actions = if writes {
                vec![RowAction::link(
                    tr.t("responsibility.assign_leader"),
                    format!(
                        "/responsibility/new?subject_kind=enterprise&subject_id={}&role=leader",
                        e.id
                    ),
                )]
            } else {
                Vec::new()
            };
            vec![
                Cell::link(format!("/registry/enterprises/{}", e.id), e.name.clone()),
                Cell::Code(e.uscc.clone()),
                Cell::Code(e.area_code.clone()),
                Cell::Actions(actions),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.empty_text = tr.t("responsibility.all_enterprises_covered").to_string();
    let total = found.total.to_string();
    let summary = tr.f("responsibility.no_leader_count", &[("n", &total)]);
    render(&CoveragePage {
        page: page.titled("responsibility.no_leader_title"),
        summary,
        table,
    })
}

/// `GET /responsibility/coverage/grids`
pub async fn grids_without_worker(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(form): Query<CoverageForm>,
) -> AppResult<Html<String>> {
    let tr = page.tr.clone();
    let found = grids_page(&state, &user, &form.to_api(), 50).await?;
    let writes = can_write(&state, &user).await?;
    let mut table = coverage_table(
        &tr,
        "no-worker-table",
        tr.t("responsibility.no_worker_title"),
        "/responsibility/coverage/grids",
        &form,
    );
    table.columns = vec![
        Column::new("name", tr.t("responsibility.grid_name")),
        Column::new("code", tr.t("responsibility.grid_code")),
        Column::new("actions", tr.t("responsibility.actions")),
    ];
    table.rows = found
        .items
        .iter()
        .map(|g| {
            let actions = if writes {
                vec![RowAction::link(
                    tr.t("responsibility.assign_worker"),
                    format!(
                        "/responsibility/new?subject_kind=area&subject_area={}&role=grid_worker",
                        g.code
                    ),
                )]
            } else {
                Vec::new()
            };
            vec![
                Cell::link(format!("/areas/{}", g.code), g.name.clone()),
                Cell::Code(g.code.clone()),
                Cell::Actions(actions),
            ]
        })
        .collect();
    table.next_cursor = found.next_cursor;
    table.empty_text = tr.t("responsibility.all_grids_covered").to_string();
    let total = found.total.to_string();
    let summary = tr.f("responsibility.no_worker_count", &[("n", &total)]);
    render(&CoveragePage {
        page: page.titled("responsibility.no_worker_title"),
        summary,
        table,
    })
}

/// `GET /ui/pick/users?field=NAME&NAME=TEXT`: enabled accounts of the caller's area and the
/// areas above it whose user name or name contains the text, as picker options.
pub async fn pick_users(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(field): Query<crate::web::ui::FieldQuery>,
    Query(all): Query<std::collections::HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let text = all
        .get(&field.field)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Html(String::new()));
    }
    let pattern = crate::registry::contains_pattern(&text);
    let rows = repo::users_matching(
        state.db(),
        &user.area.subtree_range(),
        &ancestors(&user),
        &pattern,
        20,
    )
    .await?;
    let options = rows.into_iter().map(|(id, name, area)| PickOption {
        value: id.to_string(),
        label: name,
        muted: Some(area),
        ..PickOption::default()
    });
    Ok(pick_options(options, page.t("responsibility.no_users")))
}

/// One active assignment as a registry record's page lists it.
#[derive(Clone, Debug)]
pub struct SubjectLine {
    pub href: String,
    pub role: String,
    pub who: String,
    pub starts_on: String,
}

/// What a registry record's page shows of its 包保 responsibility: the assignments that hold
/// today, and where to assign another (empty without `registry` write).
pub struct OnSubject {
    pub lines: Vec<SubjectLine>,
    pub assign_href: String,
}

pub async fn on_subject(
    state: &AppState,
    user: &CurrentUser,
    tr: &Tr,
    subject: super::Subject,
) -> AppResult<OnSubject> {
    let kind = subject.kind().as_str();
    let id = subject.record_id();
    let assigned = service::responsible(state.db(), subject, today()).await?;
    let lines = assigned
        .iter()
        .map(|a| SubjectLine {
            href: format!("/responsibility/{}", a.id),
            role: role_label(tr, &a.role),
            who: [a.unit_name.clone(), a.user_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            starts_on: a.starts_on.to_string(),
        })
        .collect();
    let assign_href = if can_write(state, user).await? {
        format!("/responsibility/new?subject_kind={kind}&subject_id={id}")
    } else {
        String::new()
    };
    Ok(OnSubject { lines, assign_href })
}
