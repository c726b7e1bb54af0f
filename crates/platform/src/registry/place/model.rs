//! A place as stored, as shown, and as submitted.

use chrono::{DateTime, Utc};
use domain::{AreaLevel, DivisionCode, PlaceKind};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;

/// A row of `places`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub area_code: String,
    pub capacity: Option<i32>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A place as every list, page and API response shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlaceView {
    pub id: i64,
    /// `checkpoint`, `quarantine_site`, `residential_compound`, `building`, `venue`, `school`,
    /// `care_home`, `hospital`, `construction_site`, `market` or `other`.
    pub kind: String,
    /// The kind's Chinese name, e.g. `隔离点`.
    pub kind_name: String,
    pub name: String,
    pub address: Option<String>,
    /// The township, village or grid the place lies in.
    pub area_code: String,
    /// How many people it holds (beds, rooms, households…), when known.
    pub capacity: Option<i32>,
    /// Latitude in degrees (WGS-84 or GCJ-02 as entered), with `lon` or not at all.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Send it back with an update: a stale version is refused.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl PlaceView {
    pub fn from_row(row: PlaceRow) -> Self {
        let kind_name = PlaceKind::parse(&row.kind)
            .map(|k| k.name_zh().to_string())
            .unwrap_or_default();
        PlaceView {
            id: row.id,
            kind: row.kind,
            kind_name,
            name: row.name,
            address: row.address,
            area_code: row.area_code,
            capacity: row.capacity,
            lat: row.lat,
            lon: row.lon,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

/// What a client submits to register a place.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PlaceInput {
    /// The kind's code (`care_home`) or Chinese name (`养老机构`, `养老院`).
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    /// Township, village or grid code.
    pub area_code: String,
    /// Not below 0.
    pub capacity: Option<i32>,
    /// −90 to 90; give `lon` too.
    pub lat: Option<f64>,
    /// −180 to 180; give `lat` too.
    pub lon: Option<f64>,
}

/// A place that passed every check.
#[derive(Clone, Debug)]
pub struct ValidPlace {
    pub kind: PlaceKind,
    pub name: String,
    pub address: Option<String>,
    pub area: DivisionCode,
    pub capacity: Option<i32>,
    pub coordinates: Option<(f64, f64)>,
}

pub fn valid_kind(kind: &str) -> Result<PlaceKind, AppError> {
    PlaceKind::parse(kind).map_err(|e| AppError::from(e).on_field("kind"))
}

pub fn valid_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("place.bad_name").on_field("name"));
    }
    Ok(name.to_string())
}

pub fn valid_address(address: Option<&str>) -> Result<Option<String>, AppError> {
    match address.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) if a.chars().count() > 200 => {
            Err(AppError::invalid("place.bad_address").on_field("address"))
        }
        other => Ok(other.map(str::to_string)),
    }
}

pub fn valid_capacity(capacity: Option<i32>) -> Result<Option<i32>, AppError> {
    match capacity {
        Some(n) if n < 0 => Err(AppError::invalid("place.bad_capacity").on_field("capacity")),
        other => Ok(other),
    }
}

/// Both coordinates or neither, each in its range.
pub fn valid_coordinates(
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<Option<(f64, f64)>, AppError> {
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(AppError::invalid("place.coordinates_pair").on_field("lon")),
        (None, Some(_)) => Err(AppError::invalid("place.coordinates_pair").on_field("lat")),
        (Some(lat), Some(lon)) => {
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                return Err(AppError::invalid("place.bad_lat").on_field("lat"));
            }
            if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
                return Err(AppError::invalid("place.bad_lon").on_field("lon"));
            }
            Ok(Some((lat, lon)))
        }
    }
}

/// A township, village or grid code.
pub fn valid_area(code: &str) -> Result<DivisionCode, AppError> {
    let area = DivisionCode::parse(code).map_err(|e| AppError::from(e).on_field("area_code"))?;
    if !matches!(
        area.level(),
        AreaLevel::Township | AreaLevel::Village | AreaLevel::Grid
    ) {
        return Err(AppError::invalid("place.area_not_township").on_field("area_code"));
    }
    Ok(area)
}

impl PlaceInput {
    /// Parses every field; the first problem answers with its field named.
    pub fn validate(&self) -> Result<ValidPlace, AppError> {
        Ok(ValidPlace {
            kind: valid_kind(&self.kind)?,
            name: valid_name(&self.name)?,
            address: valid_address(self.address.as_deref())?,
            area: valid_area(&self.area_code)?,
            capacity: valid_capacity(self.capacity)?,
            coordinates: valid_coordinates(self.lat, self.lon)?,
        })
    }
}

/// A field that may be absent (keep), `null` (clear) or a value (set).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Changes to a place; absent fields stay as they are, `null` (or `""`) clears an optional one.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PlacePatch {
    /// The `version` the client read; a newer one in the database refuses the change (409).
    pub version: i32,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub area_code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub capacity: Option<Option<i32>>,
    /// Set or clear together with `lon`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub lat: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub lon: Option<Option<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PlaceInput {
        PlaceInput {
            kind: "养老院".into(),
            name: " 幸福敬老院 ".into(),
            address: Some("".into()),
            area_code: "990102001001".into(),
            capacity: Some(80),
            lat: Some(30.5),
            lon: Some(114.3),
        }
    }

    #[test]
    fn a_good_place_validates() {
        let place = input().validate().unwrap();
        assert_eq!(place.kind, PlaceKind::CareHome);
        assert_eq!(place.name, "幸福敬老院");
        assert_eq!(place.address, None);
        assert_eq!(place.coordinates, Some((30.5, 114.3)));
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |p: PlaceInput| p.validate().unwrap_err().field.unwrap();
        let mut p = input();
        p.kind = "castle".into();
        assert_eq!(field(p), "kind");
        let mut p = input();
        p.name = "名".repeat(101);
        assert_eq!(field(p), "name");
        let mut p = input();
        p.capacity = Some(-1);
        assert_eq!(field(p), "capacity");
        let mut p = input();
        p.lon = None;
        assert_eq!(field(p), "lon");
        let mut p = input();
        p.lat = None;
        assert_eq!(field(p), "lat");
        let mut p = input();
        p.lat = Some(91.0);
        assert_eq!(field(p), "lat");
        let mut p = input();
        p.lon = Some(f64::NAN);
        assert_eq!(field(p), "lon");
        let mut p = input();
        p.area_code = "990102".into();
        assert_eq!(field(p), "area_code");
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let patch: PlacePatch =
            serde_json::from_str(r#"{"version": 3, "capacity": null, "lat": 1.5}"#).unwrap();
        assert_eq!(patch.capacity, Some(None));
        assert_eq!(patch.lat, Some(Some(1.5)));
        assert_eq!(patch.lon, None);
    }
}
