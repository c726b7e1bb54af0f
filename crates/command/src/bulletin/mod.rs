//! Bulletins (通报): templates in a small text language (`template`), filled in for an area and a
//! day from the figure registry (`compose`), rendered to an HTML preview (`pages`), a Word
//! document in the official layout (`docx`) and a workbook of its tables (`xlsx`); templates
//! bundled and edited, the archive and its audit (`service`, `repo`); daily generation
//! (`schedule`); the API (`api`).

pub mod api;
pub mod compose;
pub mod docx;
pub mod pages;
pub mod repo;
pub mod schedule;
pub mod service;
pub mod template;
pub mod xlsx;

use axum::routing::{get, post};
use platform::auth::Role;
use platform::routes::{Access, Routes};
use utoipa_axum::routes;

/// Who edits templates: the command office (and admins).
pub const EDITORS: &[Role] = &[Role::Admin, Role::Commander];
const EDIT: Access = Access::Roles(EDITORS);

pub fn routes(r: &mut Routes) {
    use crate::{READ, WRITE};
    r.api(READ, routes!(api::list_templates));
    r.api(READ, routes!(api::get_template));
    r.api(EDIT, routes!(api::put_template));
    r.api(EDIT, routes!(api::delete_template));
    r.api(READ, routes!(api::compose));
    r.api(READ, routes!(api::list_archive));
    r.api(WRITE, routes!(api::generate));
    r.page(READ, "/command/bulletins", get(pages::index));
    r.page(READ, "/command/bulletins/preview", get(pages::preview));
    r.page(READ, "/command/bulletins/docx", get(pages::docx));
    r.page(READ, "/command/bulletins/xlsx", get(pages::xlsx));
    r.page(WRITE, "/command/bulletins/archive", post(pages::archive));
    r.page(
        READ,
        "/command/bulletins/archive/{id}",
        get(pages::archived),
    );
    r.page(
        READ,
        "/command/bulletins/archive/{id}/docx",
        get(pages::archived_docx),
    );
    r.page(
        READ,
        "/command/bulletins/archive/{id}/xlsx",
        get(pages::archived_xlsx),
    );
    r.page(
        EDIT,
        "/command/bulletins/templates/new",
        get(pages::new_form).post(pages::create),
    );
    r.page(
        EDIT,
        "/command/bulletins/templates/{name}/edit",
        get(pages::edit_form).post(pages::update),
    );
    r.page(
        EDIT,
        "/command/bulletins/templates/{name}/reset",
        post(pages::reset),
    );
}
