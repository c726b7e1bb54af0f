//! `/economy/ppe/output`: the phone form a producer (or its 包保 cadre) reports a day's output on
//! — the enterprise (fixed for an enterprise account), the product as pills, the quantity and the
//! day — through the same service as `POST /api/v1/economy/ppe/output`. After saving, the form
//! comes back for the next product with what the producer has reported that day.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use platform::audit::Actor;
use platform::auth::CurrentUser;
use platform::error::{AppError, AppResult};
use platform::state::AppState;
use platform::web::kit::{Cell, Column, Field, Table};
use platform::web::{Page, render};
use serde::Deserialize;

use super::model::{OutputInput, PRODUCTS};
use crate::resumption::pages::Choice;

#[derive(Template)]
#[template(path = "economy/ppe_output.html")]
struct OutputPage {
    page: Page,
    enterprise: Option<Field>,
    enterprise_name: String,
    products: Vec<Choice>,
    fields: Vec<Field>,
    error: Option<String>,
    product_error: bool,
    table: Table,
}

#[derive(Deserialize, Default, Clone)]
pub struct OutputForm {
    #[serde(default)]
    pub enterprise_id: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub date: String,
}

#[derive(Deserialize, Default)]
pub struct OutputQuery {
    pub enterprise_id: Option<i64>,
}

async fn render_form(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    form: &OutputForm,
    error: Option<(String, String)>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let tr = page.tr.clone();
    let own = crate::scope::own_enterprise(user);
    let today = platform::responsibility::today();
    let chosen = own.or_else(|| form.enterprise_id.trim().parse().ok());
    let mut enterprise_name = String::new();
    let mut table = Table::new(
        "ppe-output-lines",
        tr.t("ppe.output_today"),
        "/economy/ppe/output",
    )
    .labels(&tr);
    table.columns = vec![
        Column::new("product", tr.t("ppe.product")),
        Column::new("capacity", tr.t("ppe.capacity")).numeric(),
        Column::new("output", tr.t("ppe.output")).numeric(),
    ];
    table.empty_text = tr.t("ppe.output_no_lines").to_string();
    if let Some(id) = chosen
        && let Ok(e) = crate::resumption::service::reportable(state.db(), user, id, today).await
    {
        enterprise_name = e.name.clone();
        let (lo, hi) = ("", "~");
        let lines = super::repo::lines(state.db(), (lo, hi), today, Some(id)).await?;
        table.rows = lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(tr.t(&format!("ppe.product.{}", l.product))),
                    Cell::Num(l.daily_capacity.to_string()),
                    l.output
                        .map(|o| Cell::Num(o.to_string()))
                        .unwrap_or_else(|| Cell::text(tr.t("ppe.not_reported"))),
                ]
            })
            .collect();
    }
    let (bad, message) = error.clone().unwrap_or_default();
    let enterprise = own.is_none().then(|| {
        Field::picker("enterprise_id", tr.t("ppe.enterprise"), "enterprises")
            .required()
            .value(form.enterprise_id.clone())
            .chosen(enterprise_name.clone())
            .error_if(Some(&bad), &message)
    });
    let products = PRODUCTS
        .iter()
        .map(|p| Choice {
            value: p,
            label: format!(
                "{}（{}）",
                tr.t(&format!("ppe.product.{p}")),
                tr.t(&format!("ppe.unit.{p}"))
            ),
            checked: form.product == *p,
        })
        .collect();
    let fields: Vec<Field> = vec![
        Field::new(
            "quantity",
            tr.t("ppe.output_quantity"),
            platform::web::kit::FieldKind::Number,
        )
        .required()
        .value(form.quantity.clone())
        .autocomplete("off"),
        Field::date("date", tr.t("ppe.output_date"))
            .value(if form.date.is_empty() {
                today.to_string()
            } else {
                form.date.clone()
            })
            .help(tr.t("ppe.output_date_help")),
    ]
    .into_iter()
    .map(|f| f.error_if(Some(&bad), &message))
    .collect();
    let shown = fields.iter().any(|f| f.error.is_some())
        || enterprise.as_ref().is_some_and(|f| f.error.is_some());
    let product_error = bad == "product";
    let general = error.filter(|_| !shown).map(|(_, m)| m);
    Ok((
        status,
        render(&OutputPage {
            page: page.titled("ppe.output_title"),
            enterprise,
            enterprise_name,
            products,
            fields,
            error: general,
            product_error,
            table,
        })?,
    )
        .into_response())
}

/// `GET /economy/ppe/output?enterprise_id=`
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    Query(q): Query<OutputQuery>,
) -> AppResult<Response> {
    let form = OutputForm {
        enterprise_id: q.enterprise_id.map(|i| i.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    render_form(&state, page, &user, &form, None, axum::http::StatusCode::OK).await
}

/// `POST /economy/ppe/output`: records the output, then the form again for the next product.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    actor: Actor,
    Form(mut form): Form<OutputForm>,
) -> AppResult<Response> {
    if let Some(own) = crate::scope::own_enterprise(&user) {
        form.enterprise_id = own.to_string();
    }
    let input = (|| {
        let enterprise_id =
            form.enterprise_id.trim().parse().map_err(|_| {
                AppError::invalid("ppe.choose_enterprise").on_field("enterprise_id")
            })?;
        let quantity = form
            .quantity
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("ppe.bad_quantity").on_field("quantity"))?;
        Ok::<_, AppError>(OutputInput {
            enterprise_id,
            product: form.product.clone(),
            date: Some(form.date.clone()),
            quantity,
        })
    })();
    let result = match input {
        Ok(input) => super::service::report_output(state.db(), &actor, &user, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/economy/ppe/output?enterprise_id={}&flash=flash.ppe_output_saved",
            form.enterprise_id.trim()
        ))
        .into_response()),
        Err(err) if err.status.is_client_error() => {
            let message = err.message(&page.tr);
            let field = err.field.clone().unwrap_or_default();
            let status = err.status;
            render_form(&state, page, &user, &form, Some((field, message)), status).await
        }
        Err(err) => Err(err),
    }
}
