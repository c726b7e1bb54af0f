//! Areas' map shapes: GeoJSON loaded by the deployer (`PUT /api/v1/risk/shapes`, `tongxin areas
//! shapes FILE`), each feature naming its area by `code`, `adcode` or `area_code` (6, 9, 12 or
//! 15 digits, as `DivisionCode::parse` takes them). Only Polygon and MultiPolygon geometries with
//! longitude/latitude pairs are kept; everything else in a feature is dropped.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// What a load stored and what it could not use.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Loaded {
    pub stored: usize,
    /// Features whose code is not an area of the tree.
    pub unknown_areas: Vec<String>,
}

fn ring_ok(ring: &Value) -> bool {
    let Some(points) = ring.as_array() else {
        return false;
    };
    points.len() >= 4
        && points
            .iter()
            .all(|p| match p.as_array().map(Vec::as_slice) {
                Some([x, y, ..]) => x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| {
                    (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)
                }),
                _ => false,
            })
}

fn polygon_ok(rings: &Value) -> bool {
    rings
        .as_array()
        .is_some_and(|r| !r.is_empty() && r.iter().all(ring_ok))
}

/// The geometry of a feature when it is a usable (Multi)Polygon.
pub fn geometry_of(feature: &Value) -> Option<Value> {
    let g = feature.get("geometry")?;
    let coords = g.get("coordinates")?;
    let ok = match g.get("type")?.as_str()? {
        "Polygon" => polygon_ok(coords),
        "MultiPolygon" => coords
            .as_array()
            .is_some_and(|p| !p.is_empty() && p.iter().all(polygon_ok)),
        _ => false,
    };
    ok.then(|| serde_json::json!({ "type": g["type"], "coordinates": coords }))
}

fn code_of(feature: &Value) -> Option<String> {
    let props = feature.get("properties")?;
    ["code", "adcode", "area_code"].iter().find_map(|k| {
        let v = props.get(*k)?;
        let text = v
            .as_str()
            .map(str::to_string)
            .or_else(|| v.as_u64().map(|n| n.to_string()))?;
        domain::DivisionCode::parse(&text)
            .ok()
            .map(|c| c.as_str().to_string())
    })
}

/// Loads a FeatureCollection: all of it or nothing (a feature without a code or a usable
/// geometry refuses the file, naming the feature); features of areas not in the tree are
/// reported, not stored.
pub async fn load(db: &Db, actor: &Actor, collection: &Value) -> AppResult<Loaded> {
    let bad = |i: usize| {
        AppError::invalid("risk.bad_feature")
            .on_field(format!("features[{i}]"))
            .with_arg("n", (i + 1).to_string())
    };
    let features = collection
        .get("features")
        .and_then(Value::as_array)
        .filter(|_| collection.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
        .ok_or_else(|| AppError::invalid("risk.not_feature_collection").on_field("features"))?;
    let mut parsed = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let code = code_of(f).ok_or_else(|| bad(i))?;
        let geometry = geometry_of(f).ok_or_else(|| bad(i))?;
        parsed.push((code, geometry.to_string()));
    }
    let codes: Vec<String> = parsed.iter().map(|(c, _)| c.clone()).collect();
    let known: std::collections::HashSet<String> = crate::areas::repo::existing(db, &codes)
        .await?
        .into_iter()
        .collect();
    let mut out = Loaded::default();
    let mut tx = db.begin().await?;
    for (code, geometry) in &parsed {
        if known.contains(code) {
            super::repo::put_shape_in(&mut tx, code, geometry).await?;
            out.stored += 1;
        } else {
            out.unknown_areas.push(code.clone());
        }
    }
    let event = Event::new("risk.shapes.load").after(serde_json::json!({
        "stored": out.stored, "unknown_areas": out.unknown_areas.len()
    }));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    Ok(out)
}
