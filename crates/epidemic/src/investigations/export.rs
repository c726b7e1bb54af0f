//! The contact list of an investigation as xlsx or CSV, personal data masked.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use platform::auth::CurrentUser;
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::state::AppState;
use platform::tabular::{Cell, describe_filter};
use platform::web::download::ExportSink;

use super::api::{DetailQuery, filter_of};
use super::service;

const HEADERS: &[&str] = &[
    "investigation.name",
    "investigation.doc_number",
    "investigation.phone",
    "investigation.hop",
    "investigation.via",
    "investigation.place",
    "investigation.first_at",
    "investigation.minutes",
    "investigation.relationship",
    "investigation.state",
    "investigation.area_code",
];

/// `GET /epidemic/investigations/{id}/export/{xlsx|csv}?hop=&state=`
pub async fn export(
    State(state): State<AppState>,
    tr: Tr,
    user: CurrentUser,
    Path((id, format)): Path<(i64, String)>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let (hop, wanted) = filter_of(&q)?;
    let d = service::detail(&state, &user, id, (hop, wanted), None).await?;
    let hop_text = hop.map(|h| h.to_string()).unwrap_or_default();
    let described = describe_filter(
        &tr,
        &[
            (tr.t("investigation.hop"), hop_text.as_str()),
            (tr.t("investigation.state"), wanted.unwrap_or("")),
        ],
    );
    let headers: Vec<&str> = HEADERS.iter().map(|k| tr.t(k)).collect();
    let mut sink = ExportSink::new(&format, &d.investigation.title, &described, &headers)?;
    for c in &d.contacts {
        let doc = c.doc_number.masked();
        let phone = c.phone.as_ref().map(|p| p.masked()).unwrap_or_default();
        let when = c.when();
        let relationship = c
            .relationship
            .as_ref()
            .map(|r| {
                tr.t(&format!("investigation.relationships.{r}"))
                    .to_string()
            })
            .unwrap_or_default();
        sink.push(&[
            Cell::Text(&c.name),
            Cell::Id(&doc),
            Cell::Id(&phone),
            Cell::Text(tr.t(&format!("investigation.hops.{}", c.hop))),
            Cell::Text(&c.via_name),
            Cell::Text(c.place_name.as_deref().unwrap_or("")),
            Cell::Text(&when),
            Cell::Int(i64::from(c.minutes)),
            Cell::Text(&relationship),
            Cell::Text(tr.t(&format!("investigation.states.{}", c.state))),
            Cell::Id(&c.area_code),
        ])?;
    }
    sink.finish().await
}
