//! Assignments as stored, as shown and as submitted, and the subjects they are about.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DivisionCode, ResponsibilityRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;

/// What kind of thing an assignment is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Area,
    Person,
    Household,
    Enterprise,
    Place,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 5] = [
        SubjectKind::Area,
        SubjectKind::Person,
        SubjectKind::Household,
        SubjectKind::Enterprise,
        SubjectKind::Place,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Area => "area",
            SubjectKind::Person => "person",
            SubjectKind::Household => "household",
            SubjectKind::Enterprise => "enterprise",
            SubjectKind::Place => "place",
        }
    }

    pub fn parse(text: &str) -> Option<SubjectKind> {
        let text = text.trim().to_ascii_lowercase();
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The area or registry record an assignment is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Area(DivisionCode),
    Person(i64),
    Household(i64),
    Enterprise(i64),
    Place(i64),
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Area(_) => SubjectKind::Area,
            Subject::Person(_) => SubjectKind::Person,
            Subject::Household(_) => SubjectKind::Household,
            Subject::Enterprise(_) => SubjectKind::Enterprise,
            Subject::Place(_) => SubjectKind::Place,
        }
    }

    /// The record's id (0 for an area).
    pub fn record_id(&self) -> i64 {
        match self {
            Subject::Area(_) => 0,
            Subject::Person(id)
            | Subject::Household(id)
            | Subject::Enterprise(id)
            | Subject::Place(id) => *id,
        }
    }

    /// The area's code ("" for a record).
    pub fn area_code(&self) -> &str {
        match self {
            Subject::Area(code) => code.as_str(),
            _ => "",
        }
    }

    /// Builds a subject from its kind and either a record id or an area code.
    pub fn of(kind: SubjectKind, id: Option<i64>, area: Option<&str>) -> Result<Subject, AppError> {
        let area = area.map(str::trim).filter(|a| !a.is_empty());
        let id = id.filter(|id| *id != 0);
        if kind == SubjectKind::Area {
            if id.is_some() {
                return Err(
                    AppError::invalid("responsibility.subject_one_of").on_field("subject_id")
                );
            }
            let text = area.ok_or_else(|| {
                AppError::invalid("responsibility.subject_missing").on_field("subject_area")
            })?;
            let code = DivisionCode::parse(text)
                .map_err(|e| AppError::from(e).on_field("subject_area"))?;
            return Ok(Subject::Area(code));
        }
        if area.is_some() {
            return Err(AppError::invalid("responsibility.subject_one_of").on_field("subject_area"));
        }
        let id = id.filter(|id| *id > 0).ok_or_else(|| {
            AppError::invalid("responsibility.subject_missing").on_field("subject_id")
        })?;
        Ok(match kind {
            SubjectKind::Person => Subject::Person(id),
            SubjectKind::Household => Subject::Household(id),
            SubjectKind::Enterprise => Subject::Enterprise(id),
            SubjectKind::Place => Subject::Place(id),
            SubjectKind::Area => unreachable!("handled above"),
        })
    }
}

/// Whom a ticket about a subject goes to by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Owner {
    pub unit_id: Option<i64>,
    pub user_id: Option<i64>,
}

/// A row of `responsibilities` with the names of its subject, unit and user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub subject_area: Option<String>,
    pub role: String,
    pub unit_id: Option<i64>,
    pub user_id: Option<i64>,
    pub area_code: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub enterprise_name: Option<String>,
    pub place_name: Option<String>,
    pub person_name: Option<String>,
    pub area_name: Option<String>,
    pub unit_name: Option<String>,
    pub user_name: Option<String>,
}

impl AssignmentRow {
    /// Whether it holds on `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| end > day)
    }

    pub fn subject(&self) -> Option<Subject> {
        let kind = SubjectKind::parse(&self.subject_kind)?;
        Subject::of(kind, self.subject_id, self.subject_area.as_deref()).ok()
    }
}

/// An assignment as every list, page and API response shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Assignment {
    pub id: i64,
    /// `area`, `person`, `household`, `enterprise` or `place`.
    pub subject_kind: String,
    /// The record's id, for every kind but `area`.
    pub subject_id: Option<i64>,
    /// The area's code, for kind `area`.
    pub subject_area: Option<String>,
    /// The subject's name (enterprise, place, person or area), when known.
    pub subject_name: Option<String>,
    /// `leader`, `department`, `grid_worker`, `cadre` or `doctor`.
    pub role: String,
    /// The role's Chinese name, e.g. `包保领导`.
    pub role_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// The subject's area when assigned: who may see and change the assignment.
    pub area_code: String,
    /// The first day it holds.
    pub starts_on: NaiveDate,
    /// The day it no longer holds; null while it lasts.
    pub ends_on: Option<NaiveDate>,
    /// Whether it holds today (Beijing time).
    pub active: bool,
    pub note: Option<String>,
    /// Why it was ended.
    pub end_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl Assignment {
    pub fn from_row(row: AssignmentRow, today: NaiveDate) -> Self {
        let active = row.active_on(today);
        let role_name = ResponsibilityRole::parse(&row.role)
            .map(|r| r.name_zh().to_string())
            .unwrap_or_default();
        let subject_name = match row.subject_kind.as_str() {
            "enterprise" => row.enterprise_name,
            "place" => row.place_name,
            "person" => row.person_name,
            "area" => row.area_name,
            _ => None,
        };
        Assignment {
            id: row.id,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            subject_area: row.subject_area,
            subject_name,
            role: row.role,
            role_name,
            unit_id: row.unit_id,
            unit_name: row.unit_name,
            user_id: row.user_id,
            user_name: row.user_name,
            area_code: row.area_code,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            active,
            note: row.note,
            end_reason: row.end_reason,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

/// What a client submits to assign.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AssignInput {
    /// `area`, `person`, `household`, `enterprise` or `place`.
    pub subject_kind: String,
    /// The record's id, for every kind but `area`.
    pub subject_id: Option<i64>,
    /// The area's code, for kind `area`.
    pub subject_area: Option<String>,
    /// The role's code (`leader`) or Chinese name (`包保领导`).
    pub role: String,
    /// The responsible unit; give it, the user, or both.
    pub unit_id: Option<i64>,
    /// The responsible person's account.
    pub user_id: Option<i64>,
    /// First day (`2020-03-10`); today if absent.
    pub starts_on: Option<String>,
    /// The day it no longer holds, not before `starts_on`; open if absent.
    pub ends_on: Option<String>,
    /// Up to 200 characters.
    pub note: Option<String>,
}

/// An assignment that passed every check that needs no database.
#[derive(Clone, Debug)]
pub struct ValidAssignment {
    pub subject: Subject,
    pub role: ResponsibilityRole,
    pub unit_id: Option<i64>,
    pub user_id: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// A date field, or `default` when empty.
pub fn valid_date(
    text: Option<&str>,
    field: &str,
    default: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => domain::parse_date_lenient(t)
            .map(Some)
            .map_err(|e| AppError::from(e).on_field(field)),
    }
}

pub fn valid_note(note: Option<&str>) -> Result<Option<String>, AppError> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 200 => {
            Err(AppError::invalid("responsibility.bad_note").on_field("note"))
        }
        other => Ok(other.map(str::to_string)),
    }
}

impl AssignInput {
    /// Parses every field; the first problem answers with its field named.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidAssignment, AppError> {
        let kind = SubjectKind::parse(&self.subject_kind).ok_or_else(|| {
            AppError::invalid("responsibility.bad_subject_kind").on_field("subject_kind")
        })?;
        let subject = Subject::of(kind, self.subject_id, self.subject_area.as_deref())?;
        let role = ResponsibilityRole::parse(&self.role)
            .map_err(|e| AppError::from(e).on_field("role"))?;
        let unit_id = self.unit_id.filter(|id| *id != 0);
        let user_id = self.user_id.filter(|id| *id != 0);
        if unit_id.is_none() && user_id.is_none() {
            return Err(AppError::invalid("responsibility.no_one").on_field("unit_id"));
        }
        let starts_on =
            valid_date(self.starts_on.as_deref(), "starts_on", Some(today))?.unwrap_or(today);
        let ends_on = valid_date(self.ends_on.as_deref(), "ends_on", None)?;
        if ends_on.is_some_and(|end| end < starts_on) {
            return Err(AppError::invalid("responsibility.ends_before_start").on_field("ends_on"));
        }
        Ok(ValidAssignment {
            subject,
            role,
            unit_id,
            user_id,
            starts_on,
            ends_on,
            note: valid_note(self.note.as_deref())?,
        })
    }
}

/// What a client submits to end an assignment.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EndInput {
    /// The day it no longer holds (`2020-03-10`), not before its start; today if absent.
    pub ends_on: Option<String>,
    /// Why it ends (1–200 characters): handed over, transferred, the enterprise closed…
    pub reason: String,
    /// The `version` the client read; a newer one refuses the change (409).
    pub version: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn input() -> AssignInput {
        AssignInput {
            subject_kind: "enterprise".into(),
            subject_id: Some(7),
            role: "包保领导".into(),
            unit_id: Some(3),
            starts_on: Some("2020/3/10".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_assignment_validates_with_today_as_default_start() {
        let today = day("2020-03-12");
        let a = input().validate(today).unwrap();
        assert_eq!(a.subject, Subject::Enterprise(7));
        assert_eq!(a.role, ResponsibilityRole::Leader);
        assert_eq!(a.starts_on, day("2020-03-10"));
        let mut i = input();
        i.starts_on = None;
        assert_eq!(i.validate(today).unwrap().starts_on, today);
    }

    #[test]
    fn each_bad_field_is_named() {
        let today = day("2020-03-12");
        let field = |i: AssignInput| i.validate(today).unwrap_err().field.unwrap();
        let mut i = input();
        i.subject_kind = "castle".into();
        assert_eq!(field(i), "subject_kind");
        let mut i = input();
        i.subject_id = None;
        assert_eq!(field(i), "subject_id");
        let mut i = input();
        i.subject_area = Some("990102001".into());
        assert_eq!(field(i), "subject_area");
        let mut i = input();
        i.subject_kind = "area".into();
        i.subject_id = None;
        i.subject_area = Some("12".into());
        assert_eq!(field(i), "subject_area");
        let mut i = input();
        i.role = "boss".into();
        assert_eq!(field(i), "role");
        let mut i = input();
        i.unit_id = None;
        assert_eq!(field(i), "unit_id");
        let mut i = input();
        i.ends_on = Some("2020-03-09".into());
        assert_eq!(field(i), "ends_on");
        let mut i = input();
        i.starts_on = Some("2020-02-30".into());
        assert_eq!(field(i), "starts_on");
        let mut i = input();
        i.note = Some("字".repeat(201));
        assert_eq!(field(i), "note");
    }

    #[test]
    fn an_assignment_holds_from_its_start_until_the_day_it_ends() {
        let mut i = input();
        i.ends_on = Some("2020-03-10".into());
        // Ending on the start day is allowed: an assignment made by mistake never held.
        assert!(i.validate(day("2020-03-12")).is_ok());
    }
}
