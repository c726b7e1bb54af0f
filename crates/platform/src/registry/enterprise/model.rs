//! An enterprise as stored, as shown (contact phone masked), and as submitted.

use chrono::{DateTime, Utc};
use domain::{AreaLevel, DivisionCode, IndustrySection, Phone, Uscc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;

/// A row of `enterprises`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnterpriseRow {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub industry: String,
    pub above_size: bool,
    pub employees: Option<i32>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub area_code: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// An enterprise as every list, page and API response shows it: the contact phone masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: i64,
    /// The unified social credit code, 18 characters.
    pub uscc: String,
    pub name: String,
    /// GB/T 4754 section letter, `A` to `T`.
    pub industry: String,
    /// The section's Chinese name, e.g. `制造业`.
    pub industry_name: String,
    /// Above designated size (规模以上).
    pub above_size: bool,
    pub employees: Option<i32>,
    /// The legal representative.
    pub legal_rep: Option<String>,
    /// Masked: `138****5678`.
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    /// The township, village or grid the enterprise lies in.
    pub area_code: String,
    /// Send it back with an update: a stale version is refused.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl EnterpriseView {
    pub fn from_row(row: EnterpriseRow) -> Self {
        let industry_name = IndustrySection::parse(&row.industry)
            .map(|s| s.name_zh().to_string())
            .unwrap_or_default();
        EnterpriseView {
            id: row.id,
            uscc: row.uscc,
            name: row.name,
            industry: row.industry,
            industry_name,
            above_size: row.above_size,
            employees: row.employees,
            legal_rep: row.legal_rep,
            contact_phone: row.contact_phone.as_deref().map(domain::mask::mask_phone),
            address: row.address,
            area_code: row.area_code,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

/// What a client submits to register an enterprise.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EnterpriseInput {
    /// The unified social credit code; spaces and case do not matter.
    pub uscc: String,
    pub name: String,
    /// The section letter (`C`) or its Chinese name (`制造业`).
    pub industry: String,
    #[serde(default)]
    pub above_size: bool,
    pub employees: Option<i32>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    /// Township, village or grid code.
    pub area_code: String,
}

/// An enterprise that passed every check.
#[derive(Clone, Debug)]
pub struct ValidEnterprise {
    pub uscc: Uscc,
    pub name: String,
    pub industry: IndustrySection,
    pub above_size: bool,
    pub employees: Option<i32>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<Phone>,
    pub address: Option<String>,
    pub area: DivisionCode,
}

fn field(err: impl Into<AppError>, name: &str) -> AppError {
    err.into().on_field(name)
}

fn optional(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|s| !s.is_empty())
}

pub fn valid_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("enterprise.bad_name").on_field("name"));
    }
    Ok(name.to_string())
}

pub fn valid_employees(employees: Option<i32>) -> Result<Option<i32>, AppError> {
    match employees {
        Some(n) if n < 0 => {
            Err(AppError::invalid("enterprise.bad_employees").on_field("employees"))
        }
        other => Ok(other),
    }
}

pub fn valid_phone(phone: Option<&str>) -> Result<Option<Phone>, AppError> {
    optional(phone)
        .map(|p| Phone::parse(p).map_err(|e| field(e, "contact_phone")))
        .transpose()
}

pub fn valid_text(
    text: Option<&str>,
    max: usize,
    key: &str,
    name: &str,
) -> Result<Option<String>, AppError> {
    match optional(text) {
        Some(t) if t.chars().count() > max => Err(AppError::invalid(key).on_field(name)),
        other => Ok(other.map(str::to_string)),
    }
}

/// A township, village or grid code.
pub fn valid_area(code: &str) -> Result<DivisionCode, AppError> {
    let area = DivisionCode::parse(code).map_err(|e| field(e, "area_code"))?;
    if !matches!(
        area.level(),
        AreaLevel::Township | AreaLevel::Village | AreaLevel::Grid
    ) {
        return Err(AppError::invalid("enterprise.area_not_township").on_field("area_code"));
    }
    Ok(area)
}

impl EnterpriseInput {
    /// Parses every field; the first problem answers with its field named.
    pub fn validate(&self) -> Result<ValidEnterprise, AppError> {
        let uscc = Uscc::parse(&self.uscc).map_err(|e| field(e, "uscc"))?;
        let name = valid_name(&self.name)?;
        let industry = IndustrySection::parse(&self.industry).map_err(|e| field(e, "industry"))?;
        let employees = valid_employees(self.employees)?;
        let legal_rep = valid_text(
            self.legal_rep.as_deref(),
            50,
            "enterprise.bad_legal_rep",
            "legal_rep",
        )?;
        let contact_phone = valid_phone(self.contact_phone.as_deref())?;
        let address = valid_text(
            self.address.as_deref(),
            200,
            "enterprise.bad_address",
            "address",
        )?;
        let area = valid_area(&self.area_code)?;
        Ok(ValidEnterprise {
            uscc,
            name,
            industry,
            above_size: self.above_size,
            employees,
            legal_rep,
            contact_phone,
            address,
            area,
        })
    }
}

/// Changes to an enterprise; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct EnterprisePatch {
    /// The `version` the client read; a newer one in the database refuses the change (409).
    pub version: i32,
    pub name: Option<String>,
    pub industry: Option<String>,
    pub above_size: Option<bool>,
    pub employees: Option<i32>,
    pub legal_rep: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub area_code: Option<String>,
}
