//! The living style page (`/ui`, admins only): every component of the UI kit in every state, so
//! people see them and the browser tests check them. Also the kit's small endpoints that any
//! form uses: inline validation (`/ui/validate/{kind}`) and the area picker (`/ui/pick/areas`).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use domain::DivisionCode;
use serde::Deserialize;

use super::kit::{
    Badge, Cell, Column, Field, FieldKind, FigureCard, RowAction, SelectOption, Table, Tone, Trend,
};
use crate::areas::repo;
use crate::auth::CurrentUser;
use crate::auth::{Action, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::module::NavItem;
use crate::routes::{Access, Routes};
use crate::state::AppState;
use crate::web::{Page, escape_html, render};

const ADMINS: &[Role] = &[Role::Admin];

/// The kit's routes: the style pages for admins, the validation and picker endpoints for all.
pub fn register(r: &mut Routes) {
    use axum::routing::{get, post};
    r.page(Access::Roles(ADMINS), "/ui", get(style_page));
    r.page(Access::Roles(ADMINS), "/ui/screen", get(screen));
    r.page(Access::Roles(ADMINS), "/ui/export.csv", get(export_csv));
    r.page(Access::Roles(ADMINS), "/ui/echo", post(echo));
    r.page(Access::SignedIn, "/ui/validate/{kind}", get(validate));
    // The area tree is not the auditor's (see the kernel's module roles).
    r.page(
        Access::Module("kernel", Action::Read),
        "/ui/pick/areas",
        get(pick_areas),
    );
}

pub fn nav_item() -> NavItem {
    NavItem {
        label_key: "ui.title",
        href: "/ui",
        roles: ADMINS,
        order: 1100,
        on_phone_bar: false,
    }
}

#[derive(Template)]
#[template(path = "ui/style.html")]
struct StylePage {
    page: Page,
    badges: Vec<Badge>,
    risks: Vec<Badge>,
    figures: Vec<FigureCard>,
    fields: Vec<Field>,
    upload: Field,
    table: Table,
    empty: Table,
}

#[derive(Deserialize, Default)]
pub struct StyleQuery {
    pub q: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
}

/// Sample rows for the table example: (name, kind, count).
fn samples(tr: &Tr) -> Vec<(String, Tone, &'static str, i64)> {
    let states = [
        (Tone::Info, "ui.sample.reported"),
        (Tone::Info, "ui.sample.in_progress"),
        (Tone::Ok, "ui.sample.closed"),
        (Tone::Danger, "ui.sample.overdue"),
        (Tone::Muted, "ui.sample.cancelled"),
    ];
    (1..=23)
        .map(|n| {
            let (tone, key) = states[n % states.len()];
            (
                tr.f("ui.sample.row", &[("n", &format!("{n:02}"))]),
                tone,
                key,
                (n as i64 * 37) % 101,
            )
        })
        .collect()
}

/// `GET /ui`
pub async fn style_page(
    page: Page,
    user: CurrentUser,
    State(state): State<AppState>,
    Query(query): Query<StyleQuery>,
) -> AppResult<Html<String>> {
    let tr = page.tr.clone();
    let path = repo::path_to(state.db(), &user.area).await?;
    let page = page
        .titled("ui.title")
        .with_area_crumbs(&path, &[("/ui".into(), tr.t("ui.title").to_string())]);
    let badges = vec![
        Badge::new(Tone::Info, tr.t("ui.sample.reported")),
        Badge::new(Tone::Info, tr.t("ui.sample.in_progress")),
        Badge::new(Tone::Warn, tr.t("ui.sample.due_soon")),
        Badge::new(Tone::Danger, tr.t("ui.sample.overdue")),
        Badge::new(Tone::Ok, tr.t("ui.sample.closed")),
        Badge::new(Tone::Muted, tr.t("ui.sample.cancelled")),
    ];
    let risks = vec![
        Badge::new(Tone::Ok, tr.t("ui.sample.risk_low")),
        Badge::new(Tone::Warn, tr.t("ui.sample.risk_medium")),
        Badge::new(Tone::Danger, tr.t("ui.sample.risk_high")),
    ];
    let day = tr.t("ui.sample.vs_yesterday");
    let figures = vec![
        FigureCard::new(tr.t("ui.sample.figure_resumed"), 1280.0, tr.t("unit.hu"))
            .with_trend(Trend::between(1280.0, 1236.0, day))
            .linked("/areas"),
        FigureCard::new(tr.t("ui.sample.figure_rate"), 87.5, "%")
            .with_trend(Trend::between(87.5, 88.0, day)),
        FigureCard::new(tr.t("ui.sample.figure_overdue"), 0.0, tr.t("unit.jian"))
            .with_trend(Trend::between(0.0, 0.0, day)),
    ];
    let kinds = vec![
        SelectOption::new("", tr.t("action.choose")),
        SelectOption::new("checkpoint", tr.t("ui.sample.kind_checkpoint")),
        SelectOption::new("site", tr.t("ui.sample.kind_site")),
    ];
    let fields = vec![
        Field::text("name", tr.t("ui.field.name"))
            .required()
            .help(tr.t("ui.field.name_help"))
            .autocomplete("name"),
        Field::text("id_number", tr.t("ui.field.id_number"))
            .validate("id_number")
            .help(tr.t("ui.field.id_number_help")),
        Field::text("phone", tr.t("ui.field.phone"))
            .validate("phone")
            .value("1381234567")
            .error(tr.t("invalid.phone.length"))
            .autocomplete("tel"),
        Field::date("day", tr.t("ui.field.day"))
            .value("2020年3月10日")
            .help(tr.t("ui.field.day_help")),
        Field::datetime("at", tr.t("ui.field.at")),
        Field::select("kind", tr.t("ui.field.kind"), kinds).required(),
        Field::area_picker("area_code", tr.t("ui.field.area"))
            .value(user.area.as_str())
            .chosen(user.area_name.clone())
            .help(tr.t("ui.field.area_help")),
        Field::new("note", tr.t("ui.field.note"), FieldKind::Textarea),
        Field::new("secret", tr.t("login.password"), FieldKind::Password)
            .autocomplete("new-password"),
    ];
    let upload = Field::file("file", tr.t("ui.field.file"), ".xlsx,.xls,.csv")
        .help(tr.t("ui.field.file_help"));

    // The table example: sortable, filterable, paged five rows at a time.
    let mut rows = samples(&tr);
    let q = query.q.clone().unwrap_or_default();
    if !q.is_empty() {
        rows.retain(|r| r.0.contains(q.trim()));
    }
    let sort = super::kit::parse_sort(query.sort.as_deref(), &["name", "count"]);
    match &sort {
        Some((key, desc)) if key == "count" => {
            rows.sort_by_key(|r| r.3);
            if *desc {
                rows.reverse();
            }
        }
        Some((_, true)) => rows.reverse(),
        _ => {}
    }
    let start: usize = query
        .cursor
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let page_rows: Vec<_> = rows.iter().skip(start).take(5).cloned().collect();
    let mut table = Table::new("ui-table", tr.t("ui.table_caption"), "/ui").labels(&tr);
    table.columns = vec![
        Column::new("name", tr.t("ui.col.name")).sortable(),
        Column::new("state", tr.t("ui.col.state")),
        Column::new("count", tr.t("ui.col.count"))
            .sortable()
            .numeric(),
        Column::new("actions", tr.t("users.actions")),
    ];
    table.rows = page_rows
        .into_iter()
        .map(|(name, tone, key, count)| {
            vec![
                Cell::link("/ui", name.clone()),
                Cell::Badge(Badge::new(tone, tr.t(key))),
                Cell::Num(count.to_string()),
                Cell::Actions(vec![
                    RowAction::link(tr.t("action.view"), "/ui"),
                    RowAction::post(tr.t("action.delete"), "/ui/echo")
                        .confirm(tr.f("ui.confirm_delete", &[("name", &name)])),
                ]),
            ]
        })
        .collect();
    table.query = vec![("q".into(), q.clone())];
    table.sort = sort;
    table.next_cursor = (start + 5 < rows.len()).then(|| (start + 5).to_string());
    table.exports = vec![(
        tr.t("action.export_csv").to_string(),
        "/ui/export.csv".to_string(),
    )];
    table.filters = vec![Field::new("q", tr.t("ui.filter"), FieldKind::Search).value(q)];
    let mut empty = Table::new("ui-empty", tr.t("ui.empty_caption"), "/ui").labels(&tr);
    empty.columns = vec![Column::new("name", tr.t("ui.col.name"))];
    render(&StylePage {
        page,
        badges,
        risks,
        figures,
        fields,
        upload,
        table,
        empty,
    })
}

/// `GET /ui/export.csv`: the table example as CSV (UTF-8 with BOM, as Excel expects).
pub async fn export_csv(tr: Tr) -> Response {
    let mut out = String::from("\u{feff}");
    out.push_str(&format!(
        "{},{},{}\r\n",
        tr.t("ui.col.name"),
        tr.t("ui.col.state"),
        tr.t("ui.col.count")
    ));
    for (name, _, key, count) in samples(&tr) {
        out.push_str(&format!("{name},{},{count}\r\n", tr.t(key)));
    }
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"ui-example.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

/// `POST /ui/echo`: answers what it received, for the upload and confirm examples.
pub async fn echo(tr: Tr, mut form: Multipart) -> AppResult<Html<String>> {
    let mut parts = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| AppError::bad_request("error.bad_request"))?
    {
        let Some(file) = field.file_name().map(str::to_string) else {
            continue;
        };
        let bytes = field
            .bytes()
            .await
            .map_err(|_| AppError::bad_request("error.bad_request"))?;
        parts.push(tr.f(
            "ui.received_part",
            &[("name", &file), ("bytes", &bytes.len().to_string())],
        ));
    }
    let text = if parts.is_empty() {
        tr.t("ui.received").to_string()
    } else {
        parts.join("；")
    };
    Ok(Html(format!(
        "<p class=\"alert alert-ok\" role=\"status\">{}</p>",
        escape_html(&text)
    )))
}

#[derive(Deserialize)]
pub struct FieldQuery {
    /// The name of the query parameter holding the value (the field's name).
    pub field: String,
}

/// `GET /ui/validate/{kind}?field=NAME&NAME=VALUE`: the field's error (or a confirming hint)
/// as the fragment that replaces the field's error element.
pub async fn validate(
    tr: Tr,
    Path(kind): Path<String>,
    Query(field): Query<FieldQuery>,
    Query(all): Query<std::collections::HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let value = all
        .get(&field.field)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let id = format!("f-{}-error", escape_html(&field.field));
    if value.is_empty() {
        return Ok(Html(format!(
            "<p class=\"field-error\" id=\"{id}\" hidden></p>"
        )));
    }
    let outcome: Result<Option<String>, domain::Invalid> = match kind.as_str() {
        "id_number" => domain::IdNumber::parse(&value).map(|id| {
            Some(tr.f(
                "ui.hint.id_number",
                &[
                    ("sex", tr.t(&format!("sex.{}", id.sex().as_str()))),
                    ("birth", &domain::official_date(id.birth_date())),
                ],
            ))
        }),
        "phone" => domain::Phone::parse(&value).map(|_| None),
        "uscc" => {
            domain::Uscc::parse(&value).map(|u| u.warning().map(|w| tr.t(w.key()).to_string()))
        }
        "division_code" => DivisionCode::parse(&value).map(|_| None),
        "date" => domain::parse_date_lenient(&value).map(|d| Some(domain::official_date(d))),
        "datetime" => domain::parse_datetime_lenient(&value).map(|_| None),
        _ => return Err(AppError::not_found()),
    };
    Ok(Html(match outcome {
        Ok(None) => format!("<p class=\"field-error\" id=\"{id}\" hidden></p>"),
        Ok(Some(hint)) => format!(
            "<p class=\"field-hint\" id=\"{id}\" role=\"status\">{}</p>",
            escape_html(&hint)
        ),
        Err(e) => format!(
            "<p class=\"field-error\" id=\"{id}\" role=\"alert\">{}</p>",
            escape_html(tr.t(e.key()))
        ),
    }))
}

/// `GET /ui/pick/areas?field=NAME&NAME=TEXT`: areas of the user's subtree matching a name or
/// code, as options of the picker; with no text, the user's area and its children.
pub async fn pick_areas(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Query(field): Query<FieldQuery>,
    Query(all): Query<std::collections::HashMap<String, String>>,
) -> AppResult<Html<String>> {
    let text = all
        .get(&field.field)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let areas = if text.is_empty() || DivisionCode::parse(&text).is_ok_and(|c| c == user.area) {
        let mut list: Vec<_> = repo::get(state.db(), user.area.as_str())
            .await?
            .into_iter()
            .collect();
        list.extend(repo::children(state.db(), user.area.as_str(), "", 20).await?);
        list
    } else {
        repo::search(state.db(), &user.area, &text, "", 20).await?
    };
    let options = areas.into_iter().map(|area| PickOption {
        muted: Some(tr.t(&format!("area.level.{}", area.level)).to_string()),
        code: Some(area.code.clone()),
        value: area.code,
        label: area.name,
        ..PickOption::default()
    });
    Ok(pick_options(options, tr.t("area.no_match")))
}

/// One option a picker offers: the value it fills in, the label shown (and kept in the field),
/// then an optional muted note, identifier and trailing text.
#[derive(Default)]
pub struct PickOption {
    pub value: String,
    pub label: String,
    pub muted: Option<String>,
    pub code: Option<String>,
    pub text: Option<String>,
    /// What the field shows once chosen, when it should say more than the label.
    pub chosen: Option<String>,
}

/// A picker's answer (`/ui/pick/{kind}`): the options as buttons, or `empty` when there are none.
pub fn pick_options(options: impl IntoIterator<Item = PickOption>, empty: &str) -> Html<String> {
    let mut out = String::new();
    for o in options {
        let label = escape_html(&o.label);
        let chosen = o
            .chosen
            .as_deref()
            .map(escape_html)
            .unwrap_or_else(|| label.clone());
        out.push_str(&format!(
            "<button type=\"button\" class=\"pick-option\" role=\"option\" data-pick-value=\"{}\" data-pick-label=\"{chosen}\">{label}",
            escape_html(&o.value)
        ));
        if let Some(muted) = o.muted {
            out.push_str(&format!(
                " <span class=\"muted\">{}</span>",
                escape_html(&muted)
            ));
        }
        if let Some(code) = o.code {
            out.push_str(&format!(" <code>{}</code>", escape_html(&code)));
        }
        if let Some(text) = o.text {
            out.push_str(&format!(" {}", escape_html(&text)));
        }
        out.push_str("</button>");
    }
    if out.is_empty() {
        out = format!("<p class=\"picker-empty\">{}</p>", escape_html(empty));
    }
    Html(out)
}

#[derive(Template)]
#[template(path = "ui/screen.html")]
struct ScreenPage {
    page: Page,
    figures: Vec<FigureCard>,
    risks: Vec<Badge>,
}

/// `GET /ui/screen`: the command-screen layout (dark, 1920×1080, no scrolling) with sample panels.
pub async fn screen(page: Page) -> AppResult<Html<String>> {
    let tr = page.tr.clone();
    let day = tr.t("ui.sample.vs_yesterday");
    let figures = vec![
        FigureCard::new(tr.t("ui.sample.figure_resumed"), 1280.0, tr.t("unit.hu"))
            .with_trend(Trend::between(1280.0, 1236.0, day)),
        FigureCard::new(tr.t("ui.sample.figure_rate"), 87.5, "%")
            .with_trend(Trend::between(87.5, 88.0, day)),
        FigureCard::new(tr.t("ui.sample.figure_overdue"), 0.0, tr.t("unit.jian")),
        FigureCard::new(tr.t("figure.areas.grids"), 800.0, tr.t("unit.ge")),
    ];
    let risks = vec![
        Badge::new(Tone::Ok, tr.t("ui.sample.risk_low")),
        Badge::new(Tone::Warn, tr.t("ui.sample.risk_medium")),
        Badge::new(Tone::Danger, tr.t("ui.sample.risk_high")),
    ];
    render(&ScreenPage {
        page: page.titled("ui.screen_title"),
        figures,
        risks,
    })
}
