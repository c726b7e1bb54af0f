//! `/admin/tokens`: admins list the API tokens of their area, create one (shown once) and revoke.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::DivisionCode;
use serde::Deserialize;

use super::tokens::{self, NewToken, TokenInfo};
use super::{CurrentUser, Role};
use crate::api::{ListParams, page_of};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::kit::{
    Badge, Cell, Column, Field, FieldKind, RowAction, SelectOption, Table, Tone,
};
use crate::web::{Page, render};

#[derive(Deserialize, Default, Clone)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub area_code: String,
    /// Module names separated by spaces or commas; `name:read` for read-only.
    #[serde(default)]
    pub modules: String,
    #[serde(default)]
    pub days: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens/list.html")]
struct TokensPage {
    page: Page,
    tokens: Vec<TokenInfo>,
    next_cursor: Option<String>,
    form: TokenForm,
    roles: Vec<(String, String)>,
    modules: Vec<&'static str>,
    error: Option<(String, String)>,
    /// Set once created: the token's name and secret, shown this once.
    created: Option<(String, String)>,
    now: DateTime<Utc>,
}

impl TokensPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn general_error(&self) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| {
                !["name", "role", "area_code", "modules", "days"].contains(&f.as_str())
            })
            .map(|(_, m)| m.as_str())
    }

    fn role_label(&self, role: &str) -> String {
        self.page.t(&format!("role.{role}")).to_string()
    }

    fn day(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&domain::china_offset())
            .format("%Y-%m-%d")
            .to_string()
    }

    fn live(&self, t: &TokenInfo) -> bool {
        t.is_live(self.now)
    }

    fn expired(&self, t: &TokenInfo) -> bool {
        t.revoked_at.is_none() && !t.is_live(self.now)
    }

    /// The new-token form's fields.
    fn fields(&self) -> Vec<Field> {
        let tr = &self.page.tr;
        let mut roles = vec![SelectOption::new("", tr.t("action.choose"))];
        roles.extend(
            self.roles
                .iter()
                .map(|(v, l)| SelectOption::new(v.clone(), l.clone())),
        );
        let modules_help = format!("{} {}", tr.t("tokens.modules_help"), self.modules.join(" "));
        [
            Field::text("name", tr.t("tokens.name"))
                .required()
                .value(self.form.name.clone())
                .help(tr.t("tokens.name_help")),
            Field::select("role", tr.t("users.role"), roles)
                .required()
                .value(self.form.role.clone()),
            Field::area_picker("area_code", tr.t("users.area_code"))
                .required()
                .value(self.form.area_code.clone()),
            Field::text("modules", tr.t("tokens.modules"))
                .value(self.form.modules.clone())
                .help(modules_help),
            Field::new("days", tr.t("tokens.days"), FieldKind::Number)
                .required()
                .value(self.form.days.clone()),
        ]
        .into_iter()
        .map(|field| match self.error_for(&field.name) {
            Some(message) => field.error(message),
            None => field,
        })
        .collect()
    }

    /// The tokens as a kit table.
    fn table(&self) -> Table {
        let tr = &self.page.tr;
        let mut table =
            Table::new("tokens-table", tr.t("tokens.list_title"), "/admin/tokens").labels(tr);
        table.columns = vec![
            Column::new("name", tr.t("tokens.name")),
            Column::new("role", tr.t("users.role")),
            Column::new("area", tr.t("users.area")),
            Column::new("modules", tr.t("tokens.modules")),
            Column::new("expires", tr.t("tokens.expires")),
            Column::new("last_used", tr.t("tokens.last_used")),
            Column::new("status", tr.t("users.status")),
            Column::new("actions", tr.t("users.actions")),
        ];
        table.rows = self
            .tokens
            .iter()
            .map(|t| {
                let status = if t.revoked_at.is_some() {
                    Badge::new(Tone::Muted, tr.t("tokens.revoked"))
                } else if self.expired(t) {
                    Badge::new(Tone::Warn, tr.t("tokens.expired"))
                } else {
                    Badge::new(Tone::Ok, tr.t("tokens.live"))
                };
                let actions = if self.live(t) {
                    vec![
                        RowAction::post(
                            tr.t("tokens.revoke"),
                            format!("/admin/tokens/{}/revoke", t.id),
                        )
                        .confirm(tr.f("tokens.confirm_revoke", &[("name", &t.name)])),
                    ]
                } else {
                    Vec::new()
                };
                vec![
                    Cell::text(t.name.clone()),
                    Cell::text(self.role_label(&t.role)),
                    Cell::text(t.area_name.clone()),
                    Cell::Code(t.modules.clone()),
                    Cell::text(self.day(&t.expires_at)),
                    Cell::text(
                        t.last_used_at
                            .as_ref()
                            .map(|at| self.day(at))
                            .unwrap_or_default(),
                    ),
                    Cell::Badge(status),
                    Cell::Actions(actions),
                ]
            })
            .collect();
        table.next_cursor = self.next_cursor.clone();
        table.empty_text = tr.t("tokens.none").to_string();
        table
    }
}

async fn view(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    cursor: Option<String>,
    form: TokenForm,
) -> AppResult<TokensPage> {
    let paging = ListParams {
        limit: None,
        cursor,
    };
    let limit = paging.limit()?;
    let before = paging
        .after()?
        .map(|c| c.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::invalid("api.bad_cursor").on_field("cursor"))?;
    let (lo, hi) = user.area.subtree_range();
    let rows = tokens::list(state.db(), (&lo, &hi), before, limit + 1).await?;
    let listed = page_of(rows, limit, |t| t.id.to_string());
    let page = page.titled("tokens.title");
    let roles = Role::ALL
        .iter()
        .filter(|r| **r != Role::Admin)
        .map(|r| (r.as_str().to_string(), page.t(&r.label_key()).to_string()))
        .collect();
    Ok(TokensPage {
        page,
        tokens: listed.items,
        next_cursor: listed.next_cursor,
        form,
        roles,
        modules: state.module_names(),
        error: None,
        created: None,
        now: Utc::now(),
    })
}

fn empty_form(user: &CurrentUser) -> TokenForm {
    TokenForm {
        area_code: user.area.as_str().to_string(),
        days: "90".into(),
        ..TokenForm::default()
    }
}

/// `GET /admin/tokens`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let form = empty_form(&user);
    Ok(render(&view(&state, page, &user, q.cursor, form).await?)?.into_response())
}

/// `POST /admin/tokens`: creates a token and shows its secret once.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let result: AppResult<(String, String)> = async {
        let role = Role::parse(&form.role)
            .ok_or_else(|| AppError::invalid("user.bad_role").on_field("role"))?;
        let area = DivisionCode::parse(&form.area_code)
            .map_err(|e| AppError::from(e).on_field("area_code"))?;
        let days = form
            .days
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("token.bad_days").on_field("days"))?;
        let new = NewToken {
            name: form.name.clone(),
            role,
            area,
            modules: form
                .modules
                .split([' ', ',', '，'])
                .map(str::to_string)
                .collect(),
            days,
        };
        let (_, secret) = tokens::create(&state, &actor, &user, &new).await?;
        Ok((new.name.trim().to_string(), secret))
    }
    .await;
    match result {
        Ok(created) => {
            let mut view = view(&state, page, &user, None, empty_form(&user)).await?;
            view.created = Some(created);
            Ok(render(&view)?.into_response())
        }
        Err(err) if err.status.is_client_error() => {
            let mut view = view(&state, page, &user, None, form).await?;
            view.error = Some((err.field.clone().unwrap_or_default(), err.message(&tr)));
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

/// `POST /admin/tokens/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    match tokens::revoke(&state, &actor, &user, id).await {
        Ok(()) => {}
        // Revoking twice (a double click) changes nothing.
        Err(err) if err.code == "conflict" => {}
        Err(err) => return Err(err),
    }
    Ok(Redirect::to("/admin/tokens").into_response())
}
