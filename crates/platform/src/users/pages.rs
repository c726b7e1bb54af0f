//! User administration for admins (list, create with a one-time password, disable, reset), and
//! the page where anyone changes their own password.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::DivisionCode;
use serde::Deserialize;

use super::repo::{self, NewUser, UserRow};
use super::service;
use super::units::{self, Unit};
use crate::api::{ListParams, page_of};
use crate::audit::Actor;
use crate::auth::{self, CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::kit::{
    Badge, Cell, Column, Field, FieldKind, RowAction, SelectOption, Table, Tone,
};
use crate::web::{Page, render};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    page: Page,
    users: Vec<UserRow>,
    next_cursor: Option<String>,
    q: String,
    role: String,
    roles: Vec<(String, String)>,
}

fn role_options(page: &Page) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), page.t(&r.label_key()).to_string()))
        .collect()
}

impl ListPage {
    fn role_label(&self, role: &str) -> String {
        self.page.t(&format!("role.{role}")).to_string()
    }

    /// The users as a kit table, with the filters above it and the actions on each row.
    fn table(&self) -> Table {
        let tr = &self.page.tr;
        let mut table = Table::new("users-table", tr.t("users.title"), "/admin/users").labels(tr);
        table.columns = vec![
            Column::new("username", tr.t("users.username")),
            Column::new("display_name", tr.t("users.display_name")),
            Column::new("role", tr.t("users.role")),
            Column::new("area", tr.t("users.area")),
            Column::new("unit", tr.t("users.unit")),
            Column::new("status", tr.t("users.status")),
            Column::new("pii", tr.t("users.pii")),
            Column::new("actions", tr.t("users.actions")),
        ];
        table.rows = self
            .users
            .iter()
            .map(|u| {
                let status = if u.disabled {
                    Badge::new(Tone::Muted, tr.t("users.disabled"))
                } else {
                    Badge::new(Tone::Ok, tr.t("users.active"))
                };
                let pii = if u.can_reveal_pii {
                    Cell::Badge(Badge::new(Tone::Warn, tr.t("users.pii_allowed")))
                } else {
                    Cell::Empty
                };
                let mut actions = vec![if u.disabled {
                    RowAction::post(
                        tr.t("users.enable"),
                        format!("/admin/users/{}/enable", u.username),
                    )
                } else {
                    RowAction::post(
                        tr.t("users.disable"),
                        format!("/admin/users/{}/disable", u.username),
                    )
                    .confirm(tr.f("users.confirm_disable", &[("username", &u.username)]))
                }];
                if u.role != "auditor" {
                    actions.push(if u.can_reveal_pii {
                        RowAction::post(
                            tr.t("users.pii_revoke"),
                            format!("/admin/users/{}/revoke-pii", u.username),
                        )
                    } else {
                        RowAction::post(
                            tr.t("users.pii_grant"),
                            format!("/admin/users/{}/grant-pii", u.username),
                        )
                        .confirm(tr.f("users.confirm_pii", &[("username", &u.username)]))
                    });
                }
                vec![
                    Cell::Code(u.username.clone()),
                    Cell::text(u.display_name.clone()),
                    Cell::text(self.role_label(&u.role)),
                    Cell::text(u.area_name.clone()),
                    Cell::text(u.unit_name.clone().unwrap_or_default()),
                    Cell::Badge(status),
                    pii,
                    Cell::Actions(actions),
                ]
            })
            .collect();
        table.query = vec![
            ("q".into(), self.q.clone()),
            ("role".into(), self.role.clone()),
        ];
        table.next_cursor = self.next_cursor.clone();
        table.empty_text = tr.t("users.none").to_string();
        let mut roles = vec![SelectOption::new("", tr.t("users.all_roles"))];
        roles.extend(
            self.roles
                .iter()
                .map(|(v, l)| SelectOption::new(v.clone(), l.clone())),
        );
        table.filters = vec![
            Field::new("q", tr.t("users.search"), FieldKind::Search).value(self.q.clone()),
            Field::select("role", tr.t("users.role"), roles).value(self.role.clone()),
        ];
        table
    }
}

/// `GET /admin/users`
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    axum::extract::Query(query): axum::extract::Query<ListQuery>,
) -> AppResult<Html<String>> {
    let paging = ListParams {
        limit: None,
        cursor: query.cursor.clone(),
    };
    let limit = paging.limit()?;
    let after = paging.after()?.unwrap_or_default();
    let role_text = query.role.clone().unwrap_or_default();
    let role = if role_text.is_empty() {
        None
    } else {
        Role::parse(&role_text)
    };
    let (lo, hi) = user.area.subtree_range();
    let rows = repo::list(
        state.db(),
        (&lo, &hi),
        query.q.as_deref(),
        role,
        &after,
        limit + 1,
    )
    .await?;
    let listed = page_of(rows, limit, |u| u.username.clone());
    let page = page.titled("users.title");
    let roles = role_options(&page);
    render(&ListPage {
        page,
        users: listed.items,
        next_cursor: listed.next_cursor,
        q: query.q.unwrap_or_default(),
        role: role_text,
        roles,
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub unit_id: String,
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    page: Page,
    form: NewUserForm,
    roles: Vec<(String, String)>,
    units: Vec<Unit>,
    error: Option<(String, String)>,
    /// Set once created: the user name and the one-time password to hand over.
    created: Option<(String, String)>,
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The form's fields, with the error on the field it names.
    fn fields(&self) -> Vec<Field> {
        let tr = &self.page.tr;
        let error = |name: &str| self.error_for(name).map(str::to_string);
        let mut roles = vec![SelectOption::new("", tr.t("action.choose"))];
        roles.extend(
            self.roles
                .iter()
                .map(|(v, l)| SelectOption::new(v.clone(), l.clone())),
        );
        let mut units = vec![SelectOption::new("", tr.t("users.no_unit"))];
        units.extend(
            self.units
                .iter()
                .map(|u| SelectOption::new(u.id.to_string(), u.name.clone())),
        );
        let with_error = |field: Field, name: &str| match error(name) {
            Some(message) => field.error(message),
            None => field,
        };
        vec![
            with_error(
                Field::text("username", tr.t("users.username"))
                    .required()
                    .value(self.form.username.clone())
                    .help(tr.t("users.username_help")),
                "username",
            ),
            with_error(
                Field::text("display_name", tr.t("users.display_name"))
                    .required()
                    .value(self.form.display_name.clone()),
                "display_name",
            ),
            with_error(
                Field::select("role", tr.t("users.role"), roles)
                    .required()
                    .value(self.form.role.clone()),
                "role",
            ),
            with_error(
                Field::area_picker("area_code", tr.t("users.area_code"))
                    .required()
                    .value(self.form.area_code.clone())
                    .help(tr.t("users.area_code_help")),
                "area_code",
            ),
            with_error(
                Field::select("unit_id", tr.t("users.unit"), units)
                    .value(self.form.unit_id.clone()),
                "unit_id",
            ),
        ]
    }

    fn general_error(&self) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| {
                !["username", "display_name", "role", "area_code", "unit_id"].contains(&f.as_str())
            })
            .map(|(_, m)| m.as_str())
    }
}

async fn new_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    form: NewUserForm,
) -> AppResult<NewPage> {
    let (lo, hi) = user.area.subtree_range();
    let units = units::in_subtree(state.db(), &lo, &hi).await?;
    let page = page.titled("users.new_title");
    let roles = role_options(&page);
    Ok(NewPage {
        page,
        form,
        roles,
        units,
        error: None,
        created: None,
    })
}

/// `GET /admin/users/new`
pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
) -> AppResult<Html<String>> {
    let form = NewUserForm {
        area_code: user.area.as_str().to_string(),
        ..Default::default()
    };
    render(&new_page(&state, page, &user, form).await?)
}

/// `POST /admin/users/new`: creates the account with a one-time password the admin hands over;
/// the user must change it at first sign-in.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(form): Form<NewUserForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let mut view = new_page(&state, page, &user, form.clone()).await?;
    match create_account(&state, &actor, &user, &form).await {
        Ok((username, password)) => {
            view.created = Some((username, password));
            view.form = NewUserForm {
                area_code: user.area.as_str().to_string(),
                ..Default::default()
            };
            Ok(render(&view)?.into_response())
        }
        Err(err) if err.status.is_client_error() => {
            view.error = Some((err.field.clone().unwrap_or_default(), err.message(&tr)));
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

async fn create_account(
    state: &AppState,
    actor: &Actor,
    admin: &CurrentUser,
    form: &NewUserForm,
) -> AppResult<(String, String)> {
    let username = repo::normalize_username(&form.username)?;
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 50 {
        return Err(AppError::invalid("user.bad_display_name").on_field("display_name"));
    }
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::invalid("user.bad_role").on_field("role"))?;
    let area = DivisionCode::parse(&form.area_code)
        .map_err(|e| AppError::from(e).on_field("area_code"))?;
    if !admin.covers(&area) {
        return Err(AppError::invalid("user.area_outside_scope").on_field("area_code"));
    }
    if crate::areas::repo::get(state.db(), area.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    let unit_id = match form.unit_id.trim() {
        "" => None,
        text => {
            let id: i64 = text
                .parse()
                .map_err(|_| AppError::invalid("user.unknown_unit").on_field("unit_id"))?;
            let unit = units::get(state.db(), id)
                .await?
                .ok_or_else(|| AppError::invalid("user.unknown_unit").on_field("unit_id"))?;
            let unit_area = DivisionCode::parse(&unit.area_code).map_err(AppError::internal)?;
            if !admin.covers(&unit_area) {
                return Err(AppError::invalid("user.unknown_unit").on_field("unit_id"));
            }
            Some(id)
        }
    };
    let password = one_time_password();
    let password_hash = auth::hash_password(&password).await?;
    service::create(
        state.db(),
        actor,
        &NewUser {
            username: username.clone(),
            display_name,
            password_hash,
            role,
            area_code: area.as_str().to_string(),
            unit_id,
            must_change_password: true,
            enterprise_id: None,
        },
    )
    .await?;
    Ok((username, password))
}

/// 12 characters from an alphabet without look-alikes (0/O, 1/l/I), easy to read out by phone.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..12)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `POST /admin/users/{username}/disable`, `/enable`, `/grant-pii` and `/revoke-pii`
pub async fn set_disabled(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path((username, action)): Path<(String, String)>,
) -> AppResult<Response> {
    let target = repo::get_by_username(state.db(), &username)
        .await?
        .ok_or_else(AppError::not_found)?;
    let target_area = DivisionCode::parse(&target.area_code).map_err(AppError::internal)?;
    if !user.covers(&target_area) {
        return Err(AppError::not_found());
    }
    let flash = match action.as_str() {
        "disable" | "enable" => {
            let disable = action == "disable";
            if disable && target.id == user.id {
                return Err(AppError::invalid("user.cannot_disable_self"));
            }
            service::set_disabled(state.db(), &actor, &target, disable).await?;
            if disable {
                "flash.user_disabled"
            } else {
                "flash.user_enabled"
            }
        }
        "grant-pii" | "revoke-pii" => {
            let allowed = action == "grant-pii";
            service::set_can_reveal_pii(state.db(), &actor, &target, allowed).await?;
            if allowed {
                "flash.pii_granted"
            } else {
                "flash.pii_revoked"
            }
        }
        _ => return Err(AppError::not_found()),
    };
    Ok(Redirect::to(&format!("/admin/users?flash={flash}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new: String,
    #[serde(default)]
    pub confirm: String,
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: Page,
    error: Option<(String, String)>,
    done: bool,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn fields(&self) -> Vec<Field> {
        let tr = &self.page.tr;
        [
            (
                "current",
                "account.current_password",
                "current-password",
                None,
            ),
            (
                "new",
                "account.new_password",
                "new-password",
                Some(tr.t("account.password_rules")),
            ),
            ("confirm", "account.confirm_password", "new-password", None),
        ]
        .into_iter()
        .map(|(name, label, autocomplete, help)| {
            let mut field = Field::new(name, tr.t(label), FieldKind::Password)
                .required()
                .autocomplete(autocomplete);
            if let Some(help) = help {
                field = field.help(help);
            }
            match self.error_for(name) {
                Some(message) => field.error(message),
                None => field,
            }
        })
        .collect()
    }
}

/// `GET /account/password`
pub async fn password_form(page: Page) -> AppResult<Html<String>> {
    render(&PasswordPage {
        page: page.titled("account.password_title"),
        error: None,
        done: false,
    })
}

/// `POST /account/password`: other sessions of the user end; this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    headers: axum::http::HeaderMap,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let mut view = PasswordPage {
        page: page.titled("account.password_title"),
        error: None,
        done: false,
    };
    let result: AppResult<()> = async {
        if form.new != form.confirm {
            return Err(AppError::invalid("account.passwords_differ").on_field("confirm"));
        }
        let token = crate::web::cookies::get(&headers, auth::SESSION_COOKIE).unwrap_or_default();
        auth::api::change_own_password(&state, &actor, &user, &form.current, &form.new, token).await
    }
    .await;
    match result {
        Ok(()) => {
            view.done = true;
            Ok(render(&view)?.into_response())
        }
        Err(err) if err.status.is_client_error() => {
            view.error = Some((
                err.field.clone().unwrap_or_default(),
                tr.t(&err.key).to_string(),
            ));
            Ok((err.status, render(&view)?).into_response())
        }
        Err(err) => Err(err),
    }
}
