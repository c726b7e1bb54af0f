//! Demo enterprises: about 3,000 at district scale (10 at tiny), spread over the villages, with
//! valid generated credit codes, about one in ten above designated size, industries weighted to
//! manufacturing, wholesale and retail, construction, hotels and catering, and farming. Inserted
//! in multi-row batches: one statement per 500 enterprises.

use chrono::Utc;
use domain::{AreaLevel, IndustrySection, Uscc};
use rand::Rng;

use crate::db::Tx;
use crate::demo::{DemoContext, Scale};

const BATCH: usize = 500;
/// The characters of a credit code, in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const TRADE_NAMES: &[&str] = &[
    "顺达", "宏远", "鑫源", "华盛", "恒通", "永兴", "金泰", "瑞丰", "新星", "天和", "盛世", "广源",
    "同创", "东升", "富民", "嘉禾", "明辉", "兴隆", "长青", "德昌", "博远", "利民", "安泰", "众鑫",
];
/// Sections with their weights and the trades their names use.
const SECTIONS: &[(char, u32, &[&str])] = &[
    (
        'C',
        35,
        &[
            "机械制造",
            "电子科技",
            "食品加工",
            "纺织",
            "塑料制品",
            "家具制造",
        ],
    ),
    ('F', 20, &["商贸", "超市", "五金建材经营部", "农资"]),
    ('E', 12, &["建筑工程", "建设", "装饰工程"]),
    ('H', 12, &["餐饮管理", "酒店", "农家乐"]),
    ('A', 8, &["农业发展", "种养殖专业合作社", "果蔬种植"]),
    ('G', 4, &["物流", "运输"]),
    ('I', 3, &["信息技术", "网络科技"]),
    ('K', 2, &["物业管理", "房地产开发"]),
    ('O', 2, &["家政服务", "维修服务"]),
    ('R', 2, &["文化传媒", "健身"]),
];
const SURNAMES: &[char] = &['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
const GIVEN: &[char] = &[
    '伟', '强', '磊', '军', '勇', '杰', '涛', '明', '华', '建', '国', '海',
];

fn total(scale: Scale) -> usize {
    match scale {
        Scale::Tiny => 10,
        Scale::District | Scale::City => 3_000,
    }
}

/// A 9-character organisation code for the `n`th enterprise: distinct for distinct `n`
/// (multiplying by a number prime to 31 permutes the residues), yet not sequential to the eye.
fn organisation_code(n: u64) -> String {
    const SPACE: u64 = 31u64.pow(9);
    let mut v = (n.wrapping_mul(1_000_003) + 7_777_777) % SPACE;
    let mut out = [b'0'; 9];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(v % 31) as usize];
        v /= 31;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let mut rng = ctx.rng("registry.enterprise");
    let (lo, hi) = ctx.root.subtree_range();
    const VILLAGES: &str =
        "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = $3 ORDER BY code";
    let villages: Vec<String> = crate::with_db!(&ctx.db, pool => sqlx::query_scalar(VILLAGES)
        .bind(&lo).bind(&hi).bind(AreaLevel::Village.as_str()).fetch_all(pool).await)?;
    if villages.is_empty() {
        return Ok(());
    }
    const NAME: &str = "SELECT name FROM areas WHERE code = $1";
    let district: Option<String> = crate::with_db!(&ctx.db, pool => sqlx::query_scalar(NAME)
        .bind(ctx.root.as_str()).fetch_optional(pool).await)?;
    let district = district.unwrap_or_default();
    let weights: u32 = SECTIONS.iter().map(|s| s.1).sum();
    let now = Utc::now();
    let mut batch = Vec::with_capacity(BATCH);
    let mut tx = ctx.db.begin().await?;
    for n in 0..total(ctx.scale) {
        let area = &villages[n % villages.len()];
        let mut pick = rng.random_range(0..weights);
        let (letter, _, trades) = SECTIONS
            .iter()
            .find(|s| {
                if pick < s.1 {
                    true
                } else {
                    pick -= s.1;
                    false
                }
            })
            .expect("weights sum");
        let industry = IndustrySection::parse(&letter.to_string())?;
        let uscc = Uscc::from_parts(&format!("91{}{}", &area[..6], organisation_code(n as u64)))?;
        let trade_name = TRADE_NAMES[rng.random_range(0..TRADE_NAMES.len())];
        let trade = trades[rng.random_range(0..trades.len())];
        let suffix = if trade.ends_with("合作社") || trade.ends_with("经营部") {
            ""
        } else {
            "有限公司"
        };
        let above_size = rng.random_bool(0.1);
        let employees: i32 = if above_size {
            rng.random_range(100..=2_000)
        } else {
            rng.random_range(1..=99)
        };
        let legal_rep: String = std::iter::once(SURNAMES[rng.random_range(0..SURNAMES.len())])
            .chain((0..rng.random_range(1..=2)).map(|_| GIVEN[rng.random_range(0..GIVEN.len())]))
            .collect();
        batch.push(DemoEnterprise {
            uscc: uscc.as_str().to_string(),
            name: format!("{district}{trade_name}{trade}{suffix}"),
            industry: industry.as_str(),
            above_size,
            employees,
            legal_rep,
            contact_phone: format!(
                "1{}{:09}",
                rng.random_range(3..=9),
                rng.random_range(0..1_000_000_000u32)
            ),
            address: format!("工业路{}号", n + 1),
            area_code: area.clone(),
        });
        if batch.len() == BATCH {
            flush(&mut tx, &mut batch, now).await?;
        }
    }
    flush(&mut tx, &mut batch, now).await?;
    link_accounts(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Each demo enterprise account (`enterpriseNN`, one per township) speaks for the first
/// enterprise of its township.
async fn link_accounts(tx: &mut Tx) -> anyhow::Result<()> {
    const ACCOUNTS: &str = "SELECT id, area_code FROM users \
         WHERE role = 'enterprise' AND enterprise_id IS NULL ORDER BY id";
    const FIRST: &str = "SELECT MIN(id) FROM enterprises WHERE area_code >= $1 AND area_code < $2";
    const LINK: &str = "UPDATE users SET enterprise_id = $2 WHERE id = $1";
    let accounts: Vec<(i64, String)> =
        crate::with_conn!(tx, conn => sqlx::query_as(ACCOUNTS).fetch_all(conn).await)?;
    for (user, area) in accounts {
        let Ok(area) = domain::DivisionCode::parse(&area) else {
            continue;
        };
        let (lo, hi) = area.subtree_range();
        let first: Option<i64> = crate::with_conn!(tx, conn => sqlx::query_scalar(FIRST)
            .bind(&lo).bind(&hi).fetch_one(conn).await)?;
        if let Some(enterprise) = first {
            crate::with_conn!(tx, conn => sqlx::query(LINK).bind(user).bind(enterprise)
                .execute(conn).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

struct DemoEnterprise {
    uscc: String,
    name: String,
    industry: &'static str,
    above_size: bool,
    employees: i32,
    legal_rep: String,
    contact_phone: String,
    address: String,
    area_code: String,
}

async fn flush(
    tx: &mut Tx,
    batch: &mut Vec<DemoEnterprise>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    const COLUMNS: usize = 11;
    let rows: Vec<String> = (0..batch.len())
        .map(|i| {
            let b = i * COLUMNS;
            let p: Vec<String> = (1..=COLUMNS).map(|c| tx.param(b + c)).collect();
            format!(
                "({}, 1, {}, 'system:demo', {}, 'system:demo')",
                p[..9].join(", "),
                p[9],
                p[10]
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO enterprises (uscc, name, industry, above_size, employees, legal_rep, contact_phone, \
         address, area_code, version, created_at, created_by, updated_at, updated_by) VALUES {}",
        rows.join(", ")
    );
    crate::with_conn!(tx, conn => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for e in batch.iter() {
            q = q.bind(&e.uscc).bind(&e.name).bind(e.industry).bind(e.above_size).bind(e.employees)
                .bind(&e.legal_rep).bind(&e.contact_phone).bind(&e.address).bind(&e.area_code)
                .bind(now).bind(now);
        }
        q.execute(conn).await.map(|r| r.rows_affected())
    })?;
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_codes_are_distinct_and_make_valid_credit_codes() {
        let codes: std::collections::HashSet<String> = (0..5_000).map(organisation_code).collect();
        assert_eq!(codes.len(), 5_000);
        let code = Uscc::from_parts(&format!("91110105{}", organisation_code(42))).unwrap();
        assert!(code.checksum_ok());
        assert_eq!(code.as_str().len(), 18);
    }
}
