//! Demo households over the demo people: neighbours in the person registry (consecutive ids in
//! one grid) form a household of 1 to 6 (about 3.1 on average, so about 160,000 at district
//! scale), at the head's address. The head is the first adult under 75 (else the eldest); the
//! others' relations follow from their ages and sex: a partner of similar age and the other sex
//! is the spouse, someone a little younger or older a sibling, 15 or more years older a parent,
//! 15–40 years younger a child, more than 40 years younger a grandchild, anyone else other.
//! Households are inserted 500 to a statement; members are set 500 households at a time with
//! one `UPDATE … FROM (VALUES …)` of literal ids and codes.

use chrono::{Datelike, NaiveDate, Utc};
use domain::{AreaLevel, HouseholdRelation};
use rand::Rng;

use crate::db::Tx;
use crate::demo::DemoContext;

const BATCH: usize = 500;
/// Weights of household sizes 1 to 6 (mean 3.1).
const SIZES: [u32; 6] = [14, 24, 24, 20, 12, 6];

/// A demo person as the household generator needs them.
#[derive(sqlx::FromRow)]
struct Resident {
    id: i64,
    sex: Option<String>,
    birth_date: Option<NaiveDate>,
    address: Option<String>,
}

struct DemoHousehold {
    head: i64,
    address: Option<String>,
    area_code: String,
    members: Vec<(i64, HouseholdRelation)>,
}

fn age(birth: Option<NaiveDate>) -> i32 {
    birth.map(|b| 2020 - b.year()).unwrap_or(40)
}

/// The relations of a household's residents, the head first.
fn relations(residents: &[Resident]) -> Vec<(i64, HouseholdRelation)> {
    let head_index = residents
        .iter()
        .position(|r| (18..75).contains(&age(r.birth_date)))
        .unwrap_or_else(|| {
            (0..residents.len())
                .max_by_key(|&i| age(residents[i].birth_date))
                .unwrap_or(0)
        });
    let head = &residents[head_index];
    let head_age = age(head.birth_date);
    let mut spouse = false;
    let mut out = vec![(head.id, HouseholdRelation::Head)];
    for (i, r) in residents.iter().enumerate() {
        if i == head_index {
            continue;
        }
        let older_by = age(r.birth_date) - head_age;
        let relation = match older_by {
            d if d.abs() < 15 && !spouse && r.sex != head.sex && age(r.birth_date) >= 20 => {
                spouse = true;
                HouseholdRelation::Spouse
            }
            d if d.abs() < 10 => HouseholdRelation::Sibling,
            d if d >= 15 => HouseholdRelation::Parent,
            d if (-40..=-15).contains(&d) => HouseholdRelation::Child,
            d if d < -40 => HouseholdRelation::Grandchild,
            _ => HouseholdRelation::Other,
        };
        out.push((r.id, relation));
    }
    out
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut rng = ctx.rng("registry.household");
    let (lo, hi) = ctx.root.subtree_range();
    const GRIDS: &str =
        "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = $3 ORDER BY code";
    let grids: Vec<String> = crate::with_db!(&ctx.db, pool => sqlx::query_scalar(GRIDS)
        .bind(&lo).bind(&hi).bind(AreaLevel::Grid.as_str()).fetch_all(pool).await)?;
    const RESIDENTS: &str = "SELECT id, sex, birth_date, address FROM persons \
         WHERE area_code = $1 AND household_id IS NULL AND merged_into IS NULL ORDER BY id";
    let total: u32 = SIZES.iter().sum();
    let now = Utc::now();
    let mut batch: Vec<DemoHousehold> = Vec::with_capacity(BATCH);
    let mut made = 0usize;
    let mut tx = ctx.db.begin().await?;
    for grid in &grids {
        let residents: Vec<Resident> = crate::with_conn!(&mut tx, conn => sqlx::query_as(RESIDENTS)
            .bind(grid).fetch_all(conn).await)?;
        let mut rest = residents.as_slice();
        while !rest.is_empty() {
            let mut pick = rng.random_range(0..total);
            let size = SIZES
                .iter()
                .position(|w| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .expect("weights sum")
                + 1;
            let (group, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            let members = relations(group);
            let head = members[0].0;
            let address = group
                .iter()
                .find(|r| r.id == head)
                .and_then(|r| r.address.clone());
            made += 1;
            batch.push(DemoHousehold {
                head,
                address,
                area_code: grid.clone(),
                members,
            });
            if batch.len() == BATCH {
                flush(&mut tx, &mut batch, now).await?;
            }
        }
    }
    flush(&mut tx, &mut batch, now).await?;
    tx.commit().await?;
    tracing::info!(
        households = made,
        seconds = started.elapsed().as_secs_f64(),
        "demo households"
    );
    Ok(())
}

async fn flush(
    tx: &mut Tx,
    batch: &mut Vec<DemoHousehold>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    // Generated ids and relation codes go into the SQL as literals (they are numbers and fixed
    // codes, never text from outside): binding is most of the cost of a debug build's demo.
    let rows: Vec<String> = batch
        .iter()
        .enumerate()
        .map(|(i, h)| {
            // Bound by position (`Tx::param`), in the order they appear.
            let p: Vec<String> = (1..=4).map(|c| tx.param(i * 4 + c)).collect();
            format!(
                "({}, {}, {}, 1, {}, 'system:demo', {}, 'system:demo')",
                h.head, p[0], p[1], p[2], p[3]
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO households (head_person_id, address, area_code, version, created_at, created_by, \
         updated_at, updated_by) VALUES {} RETURNING id",
        rows.join(", ")
    );
    let ids: Vec<i64> = crate::with_conn!(tx, conn => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for h in batch.iter() {
            q = q.bind(&h.address).bind(&h.area_code).bind(now).bind(now);
        }
        q.fetch_all(conn).await
    })?;
    let values: Vec<String> = batch
        .iter()
        .zip(&ids)
        .flat_map(|(h, id)| {
            h.members
                .iter()
                .map(move |(person, relation)| format!("({person}, {id}, '{}')", relation.as_str()))
        })
        .collect();
    // `VALUES` columns are `column1`, `column2`, … on both backends.
    let sql = format!(
        "UPDATE persons SET household_id = v.column2, household_relation = v.column3 \
         FROM (VALUES {}) AS v WHERE persons.id = v.column1",
        values.join(", ")
    );
    crate::with_conn!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .execute(conn).await.map(|r| r.rows_affected()))?;
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resident(id: i64, sex: &str, year: i32) -> Resident {
        Resident {
            id,
            sex: Some(sex.to_string()),
            birth_date: NaiveDate::from_ymd_opt(year, 6, 1),
            address: None,
        }
    }

    #[test]
    fn relations_follow_from_ages_and_sex() {
        let family = [
            resident(1, "female", 2012),
            resident(2, "male", 1980),
            resident(3, "female", 1982),
            resident(4, "male", 1950),
            resident(5, "male", 1978),
        ];
        let got = relations(&family);
        assert_eq!(
            got,
            vec![
                (2, HouseholdRelation::Head),
                (1, HouseholdRelation::Child),
                (3, HouseholdRelation::Spouse),
                (4, HouseholdRelation::Parent),
                (5, HouseholdRelation::Sibling),
            ]
        );
    }

    #[test]
    fn without_an_adult_under_75_the_eldest_heads() {
        let got = relations(&[resident(1, "male", 1938), resident(2, "female", 1936)]);
        assert_eq!(got[0], (2, HouseholdRelation::Head));
        assert_eq!(got[1], (1, HouseholdRelation::Spouse));
        let alone = relations(&[resident(9, "female", 2015)]);
        assert_eq!(alone, vec![(9, HouseholdRelation::Head)]);
    }
}
