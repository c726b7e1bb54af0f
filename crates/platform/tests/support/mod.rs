//! A test-only campaign module, `registry`, holding residents with personal data: how a module
//! guards its routes by module permission (`Access::Module`), keeps personal values as
//! `pii::Personal` (masked in every response) and reveals or exports them through the kernel's
//! audited `pii::reveal` / `pii::export`. Kept in memory: the mechanism is what is tested.

#![allow(dead_code)]

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use platform::api::{ApiJson, ApiQuery, ListPage};
use platform::audit::Actor;
use platform::auth::{Action, CurrentUser};
use platform::error::{AppError, AppResult};
use platform::pii::{self, Personal, RecordRef};
use platform::routes::{Access, Routes};
use platform::{AppState, Module};
use serde::{Deserialize, Serialize};

pub struct Registry;

#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct Resident {
    pub id: i64,
    pub name: String,
    pub id_number: Personal,
    pub phone: Personal,
    pub address: Personal,
    pub area_code: String,
}

/// Full ID numbers of every resident, for tests that look for leaks.
pub const FULL_ID_NUMBERS: &[&str] = &[
    "11010519491231002X",
    "230102198005151236",
    "510107199208084567",
];
pub const FULL_PHONES: &[&str] = &["13812345678", "13987654321", "15011112222"];

pub fn residents() -> Vec<Resident> {
    let areas = ["990102001001001", "990102001002", "990102201001"];
    let addresses = [
        "同心区东风街道幸福路12号3单元",
        "同心区东风街道和平巷8号",
        "同心区西山乡石桥村5组21号",
    ];
    (0..3)
        .map(|i| Resident {
            id: i as i64 + 1,
            name: ["张三", "李四", "王芳"][i].to_string(),
            id_number: Personal::id_number(FULL_ID_NUMBERS[i]),
            phone: Personal::phone(FULL_PHONES[i]),
            address: Personal::address(addresses[i]),
            area_code: areas[i].to_string(),
        })
        .collect()
}

/// The residents the caller's area covers.
fn visible(user: &CurrentUser) -> Vec<Resident> {
    residents()
        .into_iter()
        .filter(|r| user.require_record_area(&r.area_code).is_ok())
        .collect()
}

/// A record outside the caller's subtree does not exist for them: 404.
fn find(user: &CurrentUser, id: &str) -> AppResult<Resident> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let resident = residents()
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(AppError::not_found)?;
    user.require_record_area(&resident.area_code)?;
    Ok(resident)
}

#[utoipa::path(get, path = "/api/v1/registry/residents", tag = "residents",
    responses((status = 200, description = "Residents in the caller's area, personal data masked", body = ListPage<Resident>)))]
async fn list(user: CurrentUser) -> Json<ListPage<Resident>> {
    Json(ListPage {
        items: visible(&user),
        next_cursor: None,
    })
}

#[utoipa::path(get, path = "/api/v1/registry/residents/{id}", tag = "residents",
    params(("id" = String, Path, description = "Resident id")),
    responses((status = 200, description = "One resident, personal data masked", body = Resident)))]
async fn one(user: CurrentUser, Path(id): Path<String>) -> AppResult<Json<Resident>> {
    Ok(Json(find(&user, &id)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// `id_number`, `phone` or `address`.
    pub field: String,
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RevealedValue {
    pub field: String,
    pub value: String,
}

#[utoipa::path(post, path = "/api/v1/registry/residents/{id}/reveal", tag = "residents",
    params(("id" = String, Path, description = "Resident id")),
    request_body = RevealRequest,
    responses((status = 200, description = "The full value, once the reveal is audited", body = RevealedValue)))]
async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealRequest>,
) -> AppResult<Json<RevealedValue>> {
    let resident = find(&user, &id)?;
    let value = match body.field.as_str() {
        "id_number" => &resident.id_number,
        "phone" => &resident.phone,
        "address" => &resident.address,
        _ => return Err(AppError::invalid("error.validation").on_field("field")),
    };
    let record = RecordRef {
        kind: "registry.resident",
        id: resident.id.to_string(),
        area_code: &resident.area_code,
    };
    let proof = pii::reveal(
        state.db(),
        &actor,
        &user,
        &record,
        &body.field,
        &body.reason,
    )
    .await?;
    Ok(Json(RevealedValue {
        field: body.field.clone(),
        value: value.reveal(&proof).to_string(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `1` for full personal data (needs the `pii` permission and a reason).
    pub full: Option<String>,
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/registry/export", tag = "residents",
    params(ExportQuery),
    responses((status = 200, description = "CSV; personal data masked unless `full=1` with a reason", content_type = "text/csv")))]
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    actor: Actor,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    let rows = visible(&user);
    let grant = if q.full.as_deref() == Some("1") {
        Some(
            pii::export(
                state.db(),
                &actor,
                &user,
                &pii::ExportRequest {
                    kind: "registry.resident",
                    area_code: user.area.as_str(),
                    fields: &["id_number", "phone", "address"],
                    rows: rows.len(),
                    reason: q.reason.as_deref().unwrap_or(""),
                },
            )
            .await?,
        )
    } else {
        None
    };
    let mut csv = String::from("id,name,id_number,phone,address\n");
    for r in &rows {
        let (id, phone, address) = match &grant {
            Some(g) => (
                r.id_number.export(g).to_string(),
                r.phone.export(g).to_string(),
                r.address.export(g).to_string(),
            ),
            None => (r.id_number.masked(), r.phone.masked(), r.address.masked()),
        };
        csv.push_str(&format!("{},{},{id},{phone},{address}\n", r.id, r.name));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Visit {
    pub resident: i64,
    pub recorded: bool,
}

#[utoipa::path(post, path = "/api/v1/registry/residents/{id}/visits", tag = "residents",
    params(("id" = String, Path, description = "Resident id")),
    responses((status = 200, description = "A visit recorded (writing needs the module's write grant)", body = Visit)))]
async fn visit(user: CurrentUser, Path(id): Path<String>) -> AppResult<Json<Visit>> {
    let resident = find(&user, &id)?;
    Ok(Json(Visit {
        resident: resident.id,
        recorded: true,
    }))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[allow(dead_code)]
    q: Option<String>,
}

/// A page listing residents: `Personal` prints itself masked in HTML too.
async fn page(user: CurrentUser, Query(_q): Query<PageQuery>) -> Html<String> {
    let rows: String = visible(&user)
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                platform::web::escape_html(&r.name),
                r.id_number,
                r.phone,
                platform::web::escape_html(&r.address.to_string())
            )
        })
        .collect();
    Html(format!("<table>{rows}</table>"))
}

impl Module for Registry {
    fn name(&self) -> &'static str {
        "residents"
    }

    fn routes(&self, r: &mut Routes) {
        r.api(
            Access::Module("residents", Action::Read),
            utoipa_axum::routes!(list),
        );
        r.api(
            Access::Module("residents", Action::Read),
            utoipa_axum::routes!(one),
        );
        r.api(
            Access::Module("residents", Action::Read),
            utoipa_axum::routes!(reveal),
        );
        r.api(
            Access::Module("residents", Action::Read),
            utoipa_axum::routes!(export),
        );
        r.api(
            Access::Module("residents", Action::Write),
            utoipa_axum::routes!(visit),
        );
        r.page(
            Access::Module("residents", Action::Read),
            "/registry/residents",
            get(page),
        );
    }
}
