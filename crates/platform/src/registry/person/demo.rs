//! Demo people: about 625 per grid at district scale (500,000 in all), 10 per grid at tiny scale,
//! with valid generated resident ID numbers and phones, generated names, and tags on about one in
//! ten. Inserted in multi-row batches: one statement per 500 people.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use domain::{AreaLevel, IdNumber};
use rand::Rng;

use crate::db::Tx;
use crate::demo::{DemoContext, Scale};
use crate::registry::tags::PERSON_TAGS;

const SURNAMES: &[char] = &[
    '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭',
    '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾',
    '肖', '田', '董', '袁', '潘', '于', '蒋', '蔡',
];
const GIVEN: &[char] = &[
    '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明',
    '超', '秀', '霞', '平', '刚', '桂', '英', '华', '玉', '兰', '文', '建', '国', '红', '海', '燕',
    '鹏', '辉', '鑫', '宇', '浩', '婷', '欣', '博',
];
const BATCH: usize = 500;

fn per_grid(scale: Scale) -> u32 {
    match scale {
        Scale::Tiny => 10,
        Scale::District | Scale::City => 625,
    }
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let mut rng = ctx.rng("registry.person");
    let (lo, hi) = ctx.root.subtree_range();
    const GRIDS: &str =
        "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = $3 ORDER BY code";
    let grids: Vec<String> = crate::with_db!(&ctx.db, pool => sqlx::query_scalar(GRIDS)
        .bind(&lo).bind(&hi).bind(AreaLevel::Grid.as_str()).fetch_all(pool).await)?;
    let now = Utc::now();
    let epoch = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid");
    let days = (NaiveDate::from_ymd_opt(2019, 12, 31).expect("valid") - epoch).num_days();
    let mut sequences: HashMap<(String, NaiveDate), u16> = HashMap::new();
    let mut people = Vec::with_capacity(BATCH);
    let mut tags: Vec<(usize, &str)> = Vec::new();
    let mut tx = ctx.db.begin().await?;
    for grid in &grids {
        let address_code = &grid[..6];
        for n in 0..per_grid(ctx.scale) {
            let birth = epoch + Duration::days(rng.random_range(0..days));
            let male = rng.random_bool(0.5);
            let counter = sequences
                .entry((address_code.to_string(), birth))
                .or_insert(0);
            // Odd sequences are men, even ones women (GB 11643).
            let seq = *counter * 2 + if male { 1 } else { 2 };
            *counter += 1;
            if seq > 999 {
                continue;
            }
            let id = IdNumber::from_parts(address_code, birth, seq)?;
            let surname = SURNAMES[rng.random_range(0..SURNAMES.len())];
            let given: String = (0..rng.random_range(1..=2))
                .map(|_| GIVEN[rng.random_range(0..GIVEN.len())])
                .collect();
            let phone = format!(
                "1{}{:09}",
                rng.random_range(3..=9),
                rng.random_range(0..1_000_000_000u32)
            );
            let address = format!("{}第{}号", grid_street(grid), n / 3 + 1);
            if rng.random_bool(0.1) {
                tags.push((
                    people.len(),
                    PERSON_TAGS[rng.random_range(0..PERSON_TAGS.len())],
                ));
            }
            people.push(DemoPerson {
                doc_number: id.as_str().to_string(),
                name: format!("{surname}{given}"),
                sex: if male { "male" } else { "female" },
                birth,
                phone,
                address,
                area_code: grid.clone(),
            });
            if people.len() == BATCH {
                flush(&mut tx, &mut people, &mut tags, now).await?;
            }
        }
    }
    flush(&mut tx, &mut people, &mut tags, now).await?;
    tx.commit().await?;
    Ok(())
}

fn grid_street(grid: &str) -> String {
    format!("示范路{}巷", &grid[9..12].trim_start_matches('0'))
}

struct DemoPerson {
    doc_number: String,
    name: String,
    sex: &'static str,
    birth: NaiveDate,
    phone: String,
    address: String,
    area_code: String,
}

async fn flush(
    tx: &mut Tx,
    people: &mut Vec<DemoPerson>,
    tags: &mut Vec<(usize, &str)>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    if people.is_empty() {
        return Ok(());
    }
    const COLUMNS: usize = 9;
    // Bound by position (`Tx::param`): 4,500 named parameters cost SQLite a quadratic lookup.
    let rows: Vec<String> = (0..people.len())
        .map(|i| {
            let p: Vec<String> = (1..=COLUMNS).map(|c| tx.param(i * COLUMNS + c)).collect();
            format!(
                "('resident_id', {}, {}, {}, {}, {}, {}, {}, 1, {}, 'system:demo', {}, 'system:demo')",
                p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO persons (doc_type, doc_number, name, sex, birth_date, phone, address, area_code, version, \
         created_at, created_by, updated_at, updated_by) VALUES {} RETURNING id",
        rows.join(", ")
    );
    let ids: Vec<i64> = crate::with_conn!(tx, conn => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for p in people.iter() {
            q = q.bind(&p.doc_number).bind(&p.name).bind(p.sex).bind(p.birth).bind(&p.phone)
                .bind(&p.address).bind(&p.area_code).bind(now).bind(now);
        }
        q.fetch_all(conn).await
    })?;
    if !tags.is_empty() {
        let values: Vec<String> = (0..tags.len())
            .map(|i| format!("({}, {})", tx.param(i * 2 + 1), tx.param(i * 2 + 2)))
            .collect();
        let sql = format!(
            "INSERT INTO person_tags (person_id, tag) VALUES {}",
            values.join(", ")
        );
        crate::with_conn!(tx, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (index, tag) in tags.iter() {
                q = q.bind(ids[*index]).bind(*tag);
            }
            q.execute(conn).await.map(|r| r.rows_affected())
        })?;
    }
    people.clear();
    tags.clear();
    Ok(())
}
