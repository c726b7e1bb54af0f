//! Map shapes for the demo's synthetic areas: the district is a rectangle near 114.3°E 30.5°N,
//! and every area's rectangle is split into a near-square grid of cells for its children, down
//! to the grids. Not geography — enough for the map to draw and colour every area.

use std::collections::BTreeMap;

use chrono::Utc;

use crate::demo::DemoContext;

/// `[west, south, east, north]` in degrees.
type Rect = [f64; 4];

fn cells(rect: Rect, n: usize) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let [w, s, e, north] = rect;
    let height = (north - s) / rows as f64;
    let mut out = Vec::with_capacity(n);
    for r in 0..rows {
        let in_row = if r + 1 == rows { n - cols * r } else { cols };
        let width = (e - w) / in_row as f64;
        let top = north - height * r as f64;
        for c in 0..in_row {
            let left = w + width * c as f64;
            out.push([left, top - height, left + width, top]);
        }
    }
    out
}

fn polygon([w, s, e, n]: Rect) -> String {
    let r = |x: f64| (x * 1e5).round() / 1e5;
    serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[r(w), r(s)], [r(e), r(s)], [r(e), r(n)], [r(w), r(n)], [r(w), r(s)]]]
    })
    .to_string()
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let (lo, hi) = ctx.root.subtree_range();
    const AREAS: &str =
        "SELECT code, parent_code FROM areas WHERE code >= $1 AND code < $2 ORDER BY code";
    let db = &ctx.db;
    let areas: Vec<(String, Option<String>)> = crate::with_db!(db, pool => sqlx::query_as(AREAS)
        .bind(&lo).bind(&hi).fetch_all(pool).await)?;
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (code, parent) in &areas {
        if let Some(p) = parent {
            children.entry(p.clone()).or_default().push(code.clone());
        }
    }
    let mut shapes = vec![(ctx.root.as_str().to_string(), [114.0, 30.3, 114.6, 30.8])];
    let mut i = 0;
    while i < shapes.len() {
        let (code, rect) = shapes[i].clone();
        if let Some(kids) = children.get(&code) {
            for (kid, cell) in kids.iter().zip(cells(rect, kids.len())) {
                shapes.push((kid.clone(), cell));
            }
        }
        i += 1;
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    for chunk in shapes.chunks(200) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
            .collect();
        let sql = format!(
            "INSERT INTO area_shapes (area_code, geometry, updated_at) VALUES {}",
            marks.join(", ")
        );
        crate::with_conn!(&mut tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (code, rect) in chunk {
                q = q.bind(code).bind(polygon(*rect)).bind(now);
            }
            q.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_tile_the_rectangle_without_overlap() {
        for n in [1, 2, 5, 12, 23] {
            let c = cells([0.0, 0.0, 1.0, 1.0], n);
            assert_eq!(c.len(), n);
            let area: f64 = c.iter().map(|[w, s, e, n]| (e - w) * (n - s)).sum();
            assert!((area - 1.0).abs() < 1e-9, "{n}: {area}");
        }
    }
}
