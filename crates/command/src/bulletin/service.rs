//! Bulletin templates (bundled and edited, validated and audited) and bulletins: composed for
//! preview, rendered to DOCX and XLSX, generated into the archive.

use chrono::{NaiveDate, Utc};
use domain::DivisionCode;
use platform::AppState;
use platform::audit::{self, Actor, Event};
use platform::auth::CurrentUser;
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::i18n::Tr;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::compose::{self, Bulletin};
use super::repo::{self, EditedTemplate, NewArchived};
use super::template::Template;

/// A template shipped with the platform; the command office may edit it (its row then wins) and
/// reset it.
pub struct Bundled {
    pub name: &'static str,
    pub title: &'static str,
    pub body: &'static str,
    pub daily_at: Option<&'static str>,
}

pub const BUNDLED: &[Bundled] = &[Bundled {
    name: "dual-campaign",
    title: "疫情防控和经济发展双统筹工作通报",
    body: include_str!("../../bulletins/dual-campaign.txt"),
    daily_at: Some("08:00"),
}];

/// A template as the office sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TemplateInfo {
    /// Stable, `[a-z0-9-]`: `dual-campaign`.
    pub name: String,
    pub title: String,
    pub body: String,
    /// Beijing time of the daily generation into the archive, `HH:MM`.
    pub daily_at: Option<String>,
    /// 0 for a bundled template as shipped; send it back when saving.
    pub version: i64,
    /// Shipped with the platform (resetting returns to the shipped text).
    pub bundled: bool,
    /// Changed by the office.
    pub edited: bool,
    pub updated_by: Option<String>,
}

impl TemplateInfo {
    fn of_bundled(b: &Bundled) -> TemplateInfo {
        TemplateInfo {
            name: b.name.into(),
            title: b.title.into(),
            body: b.body.into(),
            daily_at: b.daily_at.map(String::from),
            version: 0,
            bundled: true,
            edited: false,
            updated_by: None,
        }
    }

    fn of_edited(t: EditedTemplate) -> TemplateInfo {
        TemplateInfo {
            bundled: BUNDLED.iter().any(|b| b.name == t.name),
            edited: true,
            name: t.name,
            title: t.title,
            body: t.body,
            daily_at: t.daily_at,
            version: t.version,
            updated_by: Some(t.updated_by),
        }
    }

    pub fn parsed(&self) -> AppResult<Template> {
        Template::parse(&self.body).map_err(body_error)
    }
}

/// Every template: the edited ones and the bundled ones not edited, by name.
pub async fn templates(db: &Db) -> AppResult<Vec<TemplateInfo>> {
    let mut out: Vec<TemplateInfo> = repo::edited(db)
        .await?
        .into_iter()
        .map(TemplateInfo::of_edited)
        .collect();
    for b in BUNDLED {
        if !out.iter().any(|t| t.name == b.name) {
            out.push(TemplateInfo::of_bundled(b));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub async fn template(db: &Db, name: &str) -> AppResult<Option<TemplateInfo>> {
    if let Some(t) = repo::edited_one(db, name).await? {
        return Ok(Some(TemplateInfo::of_edited(t)));
    }
    Ok(BUNDLED
        .iter()
        .find(|b| b.name == name)
        .map(TemplateInfo::of_bundled))
}

/// The template `name`, or 404.
pub async fn template_or_404(db: &Db, name: &str) -> AppResult<TemplateInfo> {
    template(db, name).await?.ok_or_else(AppError::not_found)
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct TemplateInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub daily_at: Option<String>,
    /// The version read (0 for a new template or a bundled one as shipped).
    #[serde(default)]
    pub version: i64,
}

fn body_error(e: super::template::TemplateError) -> AppError {
    AppError::invalid(e.key)
        .on_field("body")
        .with_arg("line", e.line.to_string())
        .with_arg("text", e.text)
}

/// Whether `name` is a template name: 1–40 of `a-z`, `0-9`, `-`, starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `HH:MM`, normalised.
fn daily_at(text: &str) -> Option<String> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// Creates or changes the template `name`: checked whole (the body's first mistake named with
/// its line), at the version read, audited.
pub async fn save(
    db: &Db,
    actor: &Actor,
    name: &str,
    input: TemplateInput,
) -> AppResult<TemplateInfo> {
    if !valid_name(name) {
        return Err(AppError::invalid("bulletin.error.name").on_field("name"));
    }
    let title = input.title.trim();
    if title.is_empty() {
        return Err(AppError::invalid("bulletin.error.title_required").on_field("title"));
    }
    if title.chars().count() > 100 {
        return Err(AppError::invalid("bulletin.error.title_too_long").on_field("title"));
    }
    Template::parse(&input.body).map_err(body_error)?;
    let daily = match input.daily_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            daily_at(t)
                .ok_or_else(|| AppError::invalid("bulletin.error.daily_at").on_field("daily_at"))?,
        ),
    };
    let before = template(db, name).await?;
    let current = before.as_ref().map_or(0, |t| t.version);
    if input.version != current {
        return Err(AppError::conflict("bulletin.error.version"));
    }
    let row = EditedTemplate {
        name: name.to_string(),
        title: title.to_string(),
        body: input.body.replace("\r\n", "\n"),
        daily_at: daily,
        version: current + 1,
        updated_at: Utc::now(),
        updated_by: actor.name.clone(),
    };
    let mut tx = db.begin().await?;
    if !repo::save_in(&mut tx, &row, current).await? {
        return Err(AppError::conflict("bulletin.error.version"));
    }
    let summary = |t: &TemplateInfo| serde_json::json!({ "title": t.title, "daily_at": t.daily_at, "body": t.body });
    let saved = TemplateInfo::of_edited(row);
    let mut event = Event::new("command.bulletin_template.save")
        .record("bulletin_template", name)
        .after(summary(&saved));
    if let Some(b) = &before {
        event = event.before(summary(b));
    }
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Drops the office's edit of `name` (a bundled template returns to the shipped text; an office
/// template is removed), at the version read, audited.
pub async fn reset(db: &Db, actor: &Actor, name: &str, version: i64) -> AppResult<()> {
    let Some(edited) = repo::edited_one(db, name).await? else {
        return Err(AppError::not_found());
    };
    let mut tx = db.begin().await?;
    if edited.version != version || !repo::reset_in(&mut tx, name, version).await? {
        return Err(AppError::conflict("bulletin.error.version"));
    }
    let event = Event::new("command.bulletin_template.reset")
        .record("bulletin_template", name)
        .before(serde_json::json!({ "title": edited.title, "body": edited.body }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The bulletin of template `name` for `area` on `date`, as `user` may read it.
pub async fn compose(
    state: &AppState,
    user: &CurrentUser,
    tr: &Tr,
    name: &str,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Bulletin> {
    let t = template_or_404(state.db(), name).await?;
    let parsed = t.parsed()?;
    let named = compose::Named {
        name: &t.name,
        title: &t.title,
        template: &parsed,
    };
    compose::compose(state, user, tr, &named, area, date).await
}

pub fn docx(bulletin: &Bulletin) -> AppResult<Vec<u8>> {
    super::docx::render(bulletin, &super::docx::Fonts::from_env()).map_err(AppError::internal)
}

pub fn xlsx(tr: &Tr, bulletin: &Bulletin) -> AppResult<Vec<u8>> {
    super::xlsx::render(bulletin, tr.t("bulletin.sheet")).map_err(AppError::internal)
}

/// A file name for a bulletin: `疫情防控…通报-同心区-2026-11-27.docx`.
pub fn file_name(bulletin: &Bulletin, extension: &str) -> String {
    format!(
        "{}-{}-{}.{extension}",
        bulletin.title, bulletin.area_name, bulletin.date
    )
}

/// Composes the bulletin, renders its DOCX and keeps both in the archive (replacing one of the
/// same template, area and day); answers the archive id and the document.
pub async fn generate(
    state: &AppState,
    actor: &Actor,
    user: &CurrentUser,
    tr: &Tr,
    name: &str,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<(i64, Bulletin, Vec<u8>)> {
    let bulletin = compose(state, user, tr, name, area, date).await?;
    let document = docx(&bulletin)?;
    let content = serde_json::to_string(&bulletin).map_err(AppError::internal)?;
    let mut tx = state.db().begin().await?;
    let id = repo::archive_in(
        &mut tx,
        &NewArchived {
            template_name: name,
            area_code: area.as_str(),
            bulletin_on: date,
            title: &bulletin.title,
            content: &content,
            docx: &document,
            generated_at: Utc::now(),
            generated_by: &actor.name,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Event::new("command.bulletin.generate")
            .record("bulletin", id)
            .area(area.as_str())
            .after(serde_json::json!({ "template": name, "date": date })),
    )
    .await?;
    tx.commit().await?;
    Ok((id, bulletin, document))
}

/// An archived bulletin with its content, if `user` covers its area (404 otherwise).
pub async fn archived(
    db: &Db,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(repo::Archived, Bulletin, Vec<u8>)> {
    let row = repo::archived_one(db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let area = DivisionCode::parse(&row.area_code)?;
    if !user.covers(&area) {
        return Err(AppError::not_found());
    }
    let (content, document) = repo::archived_files(db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let bulletin: Bulletin = serde_json::from_str(&content).map_err(AppError::internal)?;
    Ok((row, bulletin, document))
}
