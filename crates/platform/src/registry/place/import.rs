//! The place sheet for the import framework (`crate::imports`). Places have no national
//! identifier: a place is the same place when its area, kind and name are, so a row updates the
//! place so named (when anything differs) or registers a new one, and re-importing the same file
//! changes nothing.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::RECORD_KIND;
use super::model::{PlaceInput, ValidPlace};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::imports::cells::{decimal, whole_number};
use crate::imports::pages::ImportPage;
use crate::imports::{CheckContext, Checked, Importer, Stored, cell_problem, problem_at};
use crate::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

/// The columns of a place sheet, with the names officials use for them.
pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("name", "场所名称")
        .aliases(&["名称", "单位名称", "小区名称", "卡口名称", "隔离点名称"])
        .required()
        .identifier(),
    FieldSpec::new("kind", "场所类型")
        .aliases(&["类型", "类别", "场所类别"])
        .required(),
    FieldSpec::new("address", "地址").aliases(&["详细地址", "场所地址", "位置"]),
    FieldSpec::new("capacity", "容量").aliases(&["可容纳人数", "床位数", "房间数", "规模"]),
    FieldSpec::new("lat", "纬度"),
    FieldSpec::new("lon", "经度"),
    FieldSpec::new("area_code", "区划代码").aliases(&["所属区划代码", "村社区代码"]),
]);

/// The place importer: `tongxin import places FILE`, `POST /api/v1/imports/places`.
pub struct PlaceImporter;

pub static PLACES: PlaceImporter = PlaceImporter;

/// The upload page, `/registry/places/import`.
pub static PAGE: ImportPage = ImportPage {
    importer: &PLACES,
    title_key: "import.title_places",
    action: "/registry/places/import",
    template: "/registry/places/template",
    list: "/registry/places",
    list_key: "nav.places",
};

impl Importer for PlaceImporter {
    type Item = ValidPlace;

    fn kind(&self) -> &'static str {
        "places"
    }

    fn record_kind(&self) -> &'static str {
        RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "place.duplicate_in_file"
    }

    fn check(
        &self,
        record: &Record,
        ctx: &CheckContext<'_>,
    ) -> Result<Checked<ValidPlace>, Vec<CellProblem>> {
        let mut problems = Vec::new();
        let mut read = |key: &str, value: Result<Option<f64>, Problem>| {
            value.unwrap_or_else(|p| {
                problems.push(problem_at(record, key, p));
                None
            })
        };
        let lat = read("lat", decimal(record.get("lat")));
        let lon = read("lon", decimal(record.get("lon")));
        let capacity = whole_number(record.get("capacity")).unwrap_or_else(|p| {
            problems.push(problem_at(record, "capacity", p));
            None
        });
        let input = PlaceInput {
            kind: record.get("kind").to_string(),
            name: record.get("name").to_string(),
            address: Some(record.get("address").to_string()),
            area_code: ctx.area_text(record, "area_code"),
            capacity,
            lat,
            lon,
        };
        match input.validate() {
            Ok(place) => {
                if let Some(p) = ctx.area_problem(&place.area) {
                    problems.push(problem_at(record, "area_code", p));
                }
                if problems.is_empty() {
                    return Ok(Checked {
                        key: format!(
                            "{}|{}|{}",
                            place.area.as_str(),
                            place.kind.as_str(),
                            place.name
                        ),
                        key_field: "name",
                        item: place,
                    });
                }
            }
            Err(err) => problems.push(cell_problem(record, err, "name")),
        }
        Err(problems)
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [ValidPlace],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(upsert(tx, items, at, by))
    }
}

/// Per row: the place of that area, kind and name is updated when anything differs, or a new
/// one registered. Places come by the thousand, not the million: a statement per row is fine.
async fn upsert(
    tx: &mut Tx,
    rows: &[ValidPlace],
    at: DateTime<Utc>,
    by: &str,
) -> AppResult<Stored> {
    const FIND: &str = "SELECT id FROM places WHERE area_code = $1 AND kind = $2 AND name = $3 \
         ORDER BY id LIMIT 1";
    const UPDATE: &str = "UPDATE places SET address = $2, capacity = $3, lat = $4, lon = $5, \
         version = version + 1, updated_at = $6, updated_by = $7 WHERE id = $1 AND NOT ( \
         COALESCE(address, '') = COALESCE($2, '') AND COALESCE(capacity, -1) = COALESCE($3, -1) \
         AND COALESCE(lat, 1000) = COALESCE($4, 1000) AND COALESCE(lon, 1000) = COALESCE($5, 1000))";
    let mut stored = Stored::default();
    for p in rows {
        let (lat, lon) = (p.coordinates.map(|c| c.0), p.coordinates.map(|c| c.1));
        let found: Option<i64> = crate::with_conn!(tx, conn => sqlx::query_scalar(FIND)
            .bind(p.area.as_str()).bind(p.kind.as_str()).bind(&p.name)
            .fetch_optional(conn).await)
        .map_err(AppError::from)?;
        match found {
            Some(id) => {
                let changed = crate::with_conn!(tx, conn => sqlx::query(UPDATE)
                    .bind(id).bind(&p.address).bind(p.capacity).bind(lat).bind(lon).bind(at).bind(by)
                    .execute(conn).await.map(|r| r.rows_affected()))
                .map_err(AppError::from)?;
                stored.updated += changed;
            }
            None => {
                super::repo::insert(tx, p, at, by).await?;
                stored.inserted += 1;
            }
        }
    }
    Ok(stored)
}
