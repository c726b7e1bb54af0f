//! Demo places: six per village or community (about 1,500 at district scale, 24 at tiny), of
//! every kind — the first eleven one of each, the rest weighted towards compounds, buildings and
//! venues — named after their village, most with a capacity and coordinates. Deterministic for
//! the demo seed. Inserted in multi-row batches: one statement per 500 places.

use chrono::Utc;
use domain::{AreaLevel, PlaceKind};
use rand::Rng;
use rand::rngs::StdRng;

use crate::db::Tx;
use crate::demo::DemoContext;

const BATCH: usize = 500;

/// Places per village, whatever the scale: the scale sets how many villages there are.
const PER_VILLAGE: usize = 6;

/// Kinds with their weights, after the first place of every kind.
const WEIGHTS: &[(PlaceKind, u32)] = &[
    (PlaceKind::ResidentialCompound, 25),
    (PlaceKind::Building, 25),
    (PlaceKind::Venue, 12),
    (PlaceKind::Checkpoint, 8),
    (PlaceKind::School, 6),
    (PlaceKind::Market, 5),
    (PlaceKind::ConstructionSite, 5),
    (PlaceKind::CareHome, 4),
    (PlaceKind::Hospital, 4),
    (PlaceKind::QuarantineSite, 3),
    (PlaceKind::Other, 3),
];

const ESTATES: &[&str] = &[
    "幸福家园",
    "阳光花园",
    "锦绣华庭",
    "翠苑",
    "和平里",
    "滨江花园",
    "金色家园",
    "康乐苑",
    "丽景湾",
    "书香名邸",
];
const HOTELS: &[&str] = &["顺达", "宏远", "华盛", "恒通", "天和", "嘉禾"];
const GATES: &[&str] = &["东口", "西口", "南口", "北口", "主路"];
const VENUES: &[&str] = &[
    "文化广场",
    "综合文化服务站",
    "体育馆",
    "农家书屋",
    "便民服务中心",
    "购物中心",
];
const SCHOOLS: &[&str] = &["小学", "中学", "幼儿园"];
const CARE_HOMES: &[&str] = &["敬老院", "日间照料中心", "颐养院"];
const CLINICS: &[&str] = &["卫生室", "卫生服务站", "卫生院"];
const PHASES: &[&str] = &["一期", "二期", "三期"];
const OTHERS: &[&str] = &["公交站", "停车场", "垃圾中转站"];
const ROADS: &[&str] = &["人民路", "建设路", "解放路", "中山路", "新华路", "工业路"];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn weighted_kind(rng: &mut StdRng) -> PlaceKind {
    let total: u32 = WEIGHTS.iter().map(|w| w.1).sum();
    let mut roll = rng.random_range(0..total);
    for (kind, weight) in WEIGHTS {
        if roll < *weight {
            return *kind;
        }
        roll -= weight;
    }
    PlaceKind::Other
}

/// A name for a place of `kind` in `village`, and its capacity.
fn name_and_capacity(rng: &mut StdRng, kind: PlaceKind, village: &str) -> (String, i32) {
    let estate = pick(rng, ESTATES);
    match kind {
        PlaceKind::Checkpoint => (format!("{village}{}卡口", pick(rng, GATES)), 0),
        PlaceKind::QuarantineSite => (
            format!("{}酒店集中隔离点", pick(rng, HOTELS)),
            rng.random_range(40..=300),
        ),
        PlaceKind::ResidentialCompound => (format!("{estate}小区"), rng.random_range(200..=3_000)),
        PlaceKind::Building => (
            format!("{estate}小区{}号楼", rng.random_range(1..=30)),
            rng.random_range(24..=240),
        ),
        PlaceKind::Venue => (
            format!("{village}{}", pick(rng, VENUES)),
            rng.random_range(50..=2_000),
        ),
        PlaceKind::School => (
            format!("{village}{}", pick(rng, SCHOOLS)),
            rng.random_range(120..=2_400),
        ),
        PlaceKind::CareHome => (
            format!("{village}{}", pick(rng, CARE_HOMES)),
            rng.random_range(20..=200),
        ),
        PlaceKind::Hospital => (
            format!("{village}{}", pick(rng, CLINICS)),
            rng.random_range(5..=120),
        ),
        PlaceKind::ConstructionSite => (
            format!("{estate}{}项目工地", pick(rng, PHASES)),
            rng.random_range(30..=500),
        ),
        PlaceKind::Market => (format!("{village}农贸市场"), rng.random_range(100..=1_500)),
        PlaceKind::Other => (format!("{village}{}", pick(rng, OTHERS)), 0),
    }
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let mut rng = ctx.rng("registry.place");
    let (lo, hi) = ctx.root.subtree_range();
    const VILLAGES: &str = "SELECT code, name FROM areas WHERE code >= $1 AND code < $2 AND level = $3 \
         ORDER BY code";
    let villages: Vec<(String, String)> = crate::with_db!(&ctx.db, pool => sqlx::query_as(VILLAGES)
        .bind(&lo).bind(&hi).bind(AreaLevel::Village.as_str()).fetch_all(pool).await)?;
    if villages.is_empty() {
        return Ok(());
    }
    // Every scale has the same density; its number of villages sets the total.
    let now = Utc::now();
    let mut batch = Vec::with_capacity(BATCH);
    let mut tx = ctx.db.begin().await?;
    for n in 0..villages.len() * PER_VILLAGE {
        let (area_code, village) = &villages[n % villages.len()];
        let kind = PlaceKind::ALL
            .get(n)
            .copied()
            .unwrap_or_else(|| weighted_kind(&mut rng));
        let (name, capacity) = name_and_capacity(&mut rng, kind, village);
        let coordinates = rng.random_bool(0.85).then(|| {
            (
                30.40 + rng.random_range(0.0..0.35_f64),
                114.10 + rng.random_range(0.0..0.45_f64),
            )
        });
        batch.push(DemoPlace {
            kind: kind.as_str(),
            name,
            address: format!(
                "{village}{}{}号",
                pick(&mut rng, ROADS),
                rng.random_range(1..=300)
            ),
            area_code: area_code.clone(),
            capacity: (capacity > 0).then_some(capacity),
            lat: coordinates.map(|c| (c.0 * 1e6).round() / 1e6),
            lon: coordinates.map(|c| (c.1 * 1e6).round() / 1e6),
        });
        if batch.len() == BATCH {
            flush(&mut tx, &mut batch, now).await?;
        }
    }
    flush(&mut tx, &mut batch, now).await?;
    tx.commit().await?;
    Ok(())
}

struct DemoPlace {
    kind: &'static str,
    name: String,
    address: String,
    area_code: String,
    capacity: Option<i32>,
    lat: Option<f64>,
    lon: Option<f64>,
}

async fn flush(
    tx: &mut Tx,
    batch: &mut Vec<DemoPlace>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    const COLUMNS: usize = 9;
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let b = i * COLUMNS;
            let p: Vec<String> = (1..=COLUMNS).map(|c| tx.param(b + c)).collect();
            format!(
                "({}, 1, {}, 'system:demo', {}, 'system:demo')",
                p[..7].join(", "),
                p[7],
                p[8]
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO places (kind, name, address, area_code, capacity, lat, lon, version, \
         created_at, created_by, updated_at, updated_by) VALUES {}",
        rows.join(", ")
    );
    crate::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for p in batch.iter() {
            q = q.bind(p.kind).bind(&p.name).bind(&p.address).bind(&p.area_code)
                .bind(p.capacity).bind(p.lat).bind(p.lon).bind(now).bind(now);
        }
        q.execute(conn).await.map(|r| r.rows_affected())
    })?;
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn every_kind_has_a_weight_and_a_name() {
        for kind in PlaceKind::ALL {
            assert!(WEIGHTS.iter().any(|w| w.0 == kind), "{kind}");
            let mut rng = StdRng::seed_from_u64(7);
            let (name, capacity) = name_and_capacity(&mut rng, kind, "东风村");
            assert!(!name.is_empty() && name.chars().count() <= 100);
            assert!(capacity >= 0);
        }
    }
}
