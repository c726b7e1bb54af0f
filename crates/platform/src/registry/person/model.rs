//! A person as stored, as shown (masked), and as submitted.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{DivisionCode, Document, DocumentType, IdNumber, Phone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;

/// A row of `persons`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub doc_type: String,
    pub doc_number: String,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub area_code: String,
    pub household_id: Option<i64>,
    pub household_relation: Option<String>,
    pub merged_into: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A person as every list, page and API response shows it: personal fields masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    /// `resident_id`, `passport`, `hk_macao_taiwan_residence_permit`, …
    pub doc_type: String,
    /// Masked: `230102********123X`.
    pub doc_number: String,
    pub name: String,
    /// `male` or `female`.
    pub sex: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Masked: `138****5678`.
    pub phone: Option<String>,
    /// Masked after the township part.
    pub address: Option<String>,
    /// The village or grid the person belongs to.
    pub area_code: String,
    /// The household the person belongs to, if any.
    pub household_id: Option<i64>,
    /// Relation to the household's head: `head`, `spouse`, `child`, `parent`, `sibling`,
    /// `grandchild`, `other`.
    pub household_relation: Option<String>,
    pub tags: Vec<String>,
    /// Set when this record was merged into another, which then stands for the person.
    pub merged_into: Option<i64>,
    /// Send it back with an update: a stale version is refused.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// `mask_document` into `out` (cleared first), for exports.
pub fn mask_document_into(out: &mut String, doc_type: &str, number: &str) {
    match doc_type {
        "resident_id" => domain::mask::mask_id_number_into(out, number),
        _ => domain::mask::mask_middle_into(out, number, 2, 2),
    }
}

pub fn mask_document(doc_type: &str, number: &str) -> String {
    match doc_type {
        "resident_id" => domain::mask::mask_id_number(number),
        _ => domain::mask::mask_middle(number, 2, 2),
    }
}

impl PersonView {
    pub fn from_row(row: PersonRow, tags: Vec<String>) -> Self {
        PersonView {
            id: row.id,
            doc_number: mask_document(&row.doc_type, &row.doc_number),
            doc_type: row.doc_type,
            name: row.name,
            sex: row.sex,
            birth_date: row.birth_date,
            phone: row.phone.as_deref().map(domain::mask::mask_phone),
            address: row.address.as_deref().map(domain::mask::mask_address),
            area_code: row.area_code,
            household_id: row.household_id,
            household_relation: row.household_relation,
            tags,
            merged_into: row.merged_into,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

/// What a client submits to register a person.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PersonInput {
    /// Defaults to a guess from the number (18 or 15 digits: a resident ID).
    pub doc_type: Option<String>,
    pub doc_number: String,
    pub name: String,
    /// Only for documents that do not carry it (`male`/`female`/`男`/`女`).
    pub sex: Option<String>,
    /// Only for documents that do not carry it; `2020-03-10` or `2020年3月10日`.
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Village or grid code.
    pub area_code: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A person that passed every check.
#[derive(Clone, Debug)]
pub struct ValidPerson {
    pub doc: Document,
    pub name: String,
    pub sex: Option<&'static str>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub area: DivisionCode,
    pub tags: Vec<&'static str>,
}

/// The type of a document number given without one: its shape, and a resident ID for digits
/// only and no other shape (a resident ID typed wrong must say so rather than pass as a
/// passport).
pub fn guess_document_type(number: &str) -> DocumentType {
    let number = number.trim();
    let digits_only = number
        .chars()
        .all(|c| c.is_ascii_digit() || c == 'x' || c == 'X');
    match DocumentType::guess(number) {
        Some(DocumentType::Passport) | None if digits_only => DocumentType::ResidentId,
        Some(kind) => kind,
        None => DocumentType::Passport,
    }
}

/// A document number as a person's registration checks it: its type as given (a code or a
/// Chinese name) or guessed from the number; errors name `doc_type` or `doc_number`. Other modules
/// use it to look a person up by document.
pub fn parse_document(doc_type: Option<&str>, number: &str) -> Result<Document, AppError> {
    let number = number.trim();
    let kind = match doc_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse::<DocumentType>()
            .map_err(|e| field(e, "doc_type"))?,
        None => guess_document_type(number),
    };
    Document::parse(kind, number).map_err(|e| field(e, "doc_number"))
}

fn field(err: impl Into<AppError>, name: &str) -> AppError {
    err.into().on_field(name)
}

impl PersonInput {
    /// Parses every field; the first problem answers with its field named.
    pub fn validate(&self) -> Result<ValidPerson, AppError> {
        let tags: Vec<&str> = self.tags.iter().map(String::as_str).collect();
        PersonFields {
            doc_type: self.doc_type.as_deref(),
            doc_number: &self.doc_number,
            name: &self.name,
            sex: self.sex.as_deref(),
            birth_date: self.birth_date.as_deref(),
            phone: self.phone.as_deref(),
            address: self.address.as_deref(),
            area_code: &self.area_code,
            tags: &tags,
        }
        .validate()
    }
}

/// A registration's fields as text, borrowed: from a `PersonInput`, or from a sheet's row
/// without copying its cells.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonFields<'a> {
    pub doc_type: Option<&'a str>,
    pub doc_number: &'a str,
    pub name: &'a str,
    pub sex: Option<&'a str>,
    pub birth_date: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub area_code: &'a str,
    pub tags: &'a [&'a str],
}

impl PersonFields<'_> {
    /// Parses every field; the first problem answers with its field named.
    pub fn validate(&self) -> Result<ValidPerson, AppError> {
        let doc = parse_document(self.doc_type, self.doc_number)?;
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(AppError::invalid("person.bad_name").on_field("name"));
        }
        let (sex, birth_date) = match doc.id_number() {
            Some(id) => (Some(id.sex().as_str()), Some(id.birth_date())),
            None => {
                let sex = match self.sex.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => Some(
                        s.parse::<domain::Sex>()
                            .map_err(|e| field(e, "sex"))?
                            .as_str(),
                    ),
                    None => None,
                };
                let birth = match self.birth_date.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(d) => {
                        Some(domain::parse_date_lenient(d).map_err(|e| field(e, "birth_date"))?)
                    }
                    None => None,
                };
                (sex, birth)
            }
        };
        let phone = match self.phone.map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(Phone::parse(p).map_err(|e| field(e, "phone"))?),
            None => None,
        };
        let address = self
            .address
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if address.as_ref().is_some_and(|a| a.chars().count() > 200) {
            return Err(AppError::invalid("person.bad_address").on_field("address"));
        }
        let area = DivisionCode::parse(self.area_code).map_err(|e| field(e, "area_code"))?;
        if !matches!(
            area.level(),
            domain::AreaLevel::Village | domain::AreaLevel::Grid
        ) {
            return Err(AppError::invalid("person.area_not_village").on_field("area_code"));
        }
        let mut tags = Vec::new();
        for t in self.tags {
            let tag = super::super::tags::PERSON_TAGS
                .iter()
                .copied()
                .find(|known| *known == t.trim())
                .ok_or_else(|| {
                    AppError::invalid("person.unknown_tag")
                        .on_field("tags")
                        .with_arg("tag", t.to_string())
                })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(ValidPerson {
            doc,
            name,
            sex,
            birth_date,
            phone,
            address,
            area,
            tags,
        })
    }
}

/// Changes to a person; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PersonPatch {
    /// The `version` the client read; a newer one in the database refuses the change (409).
    pub version: i32,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub area_code: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// The resident ID's own facts, for showing.
pub fn id_facts(number: &str) -> Option<(String, NaiveDate)> {
    IdNumber::parse(number)
        .ok()
        .map(|id| (id.sex().as_str().to_string(), id.birth_date()))
}
