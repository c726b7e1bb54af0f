//! Demo screenings over the last 30 days at the demo district's checkpoints — mostly local
//! traffic, some from risk areas and abroad, a few fevers — with the key persons they made (and
//! close contacts named by hand), so the lists, figures and later parts have people to manage.
//! Written straight to the tables in one transaction; deterministic for the demo seed.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, TimeDelta, Utc};
use domain::DivisionCode;
use platform::db::Tx;
use platform::demo::{DemoContext, Scale};
use platform::responsibility::model::Subject;
use rand::Rng;
use rand::rngs::StdRng;

use super::model::{Decision, minimum_decision};
use super::repo::{self, Insert, Links};
use crate::key_persons::repo::{self as kp, Change, NewKeyPerson};
use crate::key_persons::status;
use crate::policy::Policy;

const DAYS: u64 = 30;
const DETAILS: &[(&str, &[&str])] = &[
    ("abroad", &["韩国", "日本", "意大利", "美国", "伊朗"]),
    ("domestic_risk", &["武汉市", "黄冈市", "孝感市", "温州市"]),
    ("other", &["长沙市", "郑州市", "合肥市", "本省其他县市"]),
];

type Grid = (Option<i64>, Option<i64>);

async fn grid_of(
    ctx: &DemoContext,
    cache: &mut HashMap<String, Grid>,
    area: &str,
    today: NaiveDate,
) -> anyhow::Result<Grid> {
    if let Some(g) = cache.get(area) {
        return Ok(*g);
    }
    let owner = platform::responsibility::service::default_owner(
        &ctx.db,
        Subject::Area(DivisionCode::parse(area)?),
        today,
    )
    .await?;
    let g = owner
        .map(|o| (o.unit_id, o.user_id))
        .unwrap_or((None, None));
    cache.insert(area.to_string(), g);
    Ok(g)
}

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const CHECKPOINTS: &str =
        "SELECT id, area_code FROM places WHERE kind = 'checkpoint' ORDER BY id";
    const COUNT: &str = "SELECT COUNT(*) FROM persons";
    const PERSONS: &str = "SELECT id, area_code FROM persons WHERE merged_into IS NULL \
         AND id % $1 = 0 ORDER BY id";
    let checkpoints: Vec<(i64, String)> =
        platform::with_db!(&ctx.db, pool => sqlx::query_as(CHECKPOINTS).fetch_all(pool).await)?;
    let total: i64 =
        platform::with_db!(&ctx.db, pool => sqlx::query_scalar(COUNT).fetch_one(pool).await)?;
    let step = (total / 6000).max(1);
    let persons: Vec<(i64, String)> = platform::with_db!(&ctx.db, pool => sqlx::query_as(PERSONS)
        .bind(step).fetch_all(pool).await)?;
    if checkpoints.is_empty() || persons.is_empty() {
        return Ok(());
    }
    let per_day = match ctx.scale {
        Scale::Tiny => 3,
        Scale::District => 150,
        Scale::City => 400,
    };
    let mut rng = ctx.rng("epidemic.screening");
    let policy = Policy::default();
    let now = Utc::now();
    let today = crate::time::day_of(now);
    let mut grids = HashMap::new();
    let mut managed: HashSet<i64> = HashSet::new();
    let mut tx = ctx.db.begin().await?;
    for back in (0..DAYS).rev() {
        let day = today - Days::new(back);
        let (start, _) = crate::time::day_range(day);
        for _ in 0..per_day {
            let (person, area) = &persons[rng.random_range(0..persons.len())];
            let district = &area[..6];
            let here: Vec<&(i64, String)> = checkpoints
                .iter()
                .filter(|(_, a)| a.starts_with(district))
                .collect();
            let Some((place, place_area)) = here.get(rng.random_range(0..here.len().max(1))) else {
                continue;
            };
            let mut at = start + TimeDelta::minutes(rng.random_range(6 * 60..22 * 60));
            if at > now {
                at = now - TimeDelta::minutes(rng.random_range(1..60));
            }
            screening_in(
                &mut tx,
                ctx,
                &mut rng,
                &policy,
                (*place, place_area),
                (*person, area),
                (day, at),
                &mut grids,
                &mut managed,
            )
            .await?;
        }
    }
    close_contacts(
        &mut tx,
        ctx,
        &mut rng,
        &policy,
        &persons,
        &mut grids,
        &mut managed,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn screening_in(
    tx: &mut Tx,
    ctx: &DemoContext,
    rng: &mut StdRng,
    policy: &Policy,
    (place, place_area): (i64, &str),
    (person, area): (i64, &str),
    (day, at): (NaiveDate, chrono::DateTime<Utc>),
    grids: &mut HashMap<String, Grid>,
    managed: &mut HashSet<i64>,
) -> anyhow::Result<()> {
    let roll = rng.random_range(0..100);
    let origin = match roll {
        0..=7 => "abroad",
        8..=27 => "domestic_risk",
        _ => "other",
    };
    let details = DETAILS
        .iter()
        .find(|(o, _)| *o == origin)
        .map(|(_, d)| *d)
        .unwrap_or(&[]);
    let detail = details[rng.random_range(0..details.len())];
    let fever = rng.random_range(0..100) < 3;
    let temperature = if fever {
        rng.random_range(373..392)
    } else {
        rng.random_range(358..372)
    };
    let mut symptoms = Vec::new();
    if fever {
        symptoms.push("fever");
        if rng.random_bool(0.5) {
            symptoms.push("cough");
        }
    }
    let decision = minimum_decision(origin, fever);
    let transport = ["car", "train", "plane", "bus"][rng.random_range(0..4)];
    let id = repo::insert(
        tx,
        &Insert {
            place_id: place,
            area_code: place_area,
            person_id: person,
            destination_area: area,
            destination: None,
            origin,
            origin_detail: Some(detail),
            transport,
            vehicle: None,
            temperature_dc: temperature,
            symptoms: symptoms.join(","),
            decision: decision.as_str(),
            device: Some("demo-gate"),
        },
        at,
        "demo",
    )
    .await?;
    if decision == Decision::Pass || managed.contains(&person) {
        return Ok(());
    }
    let category = if origin == "other" {
        "observation"
    } else {
        "inbound"
    };
    let grid = grid_of(ctx, grids, area, day).await?;
    let key_person = key_person_in(
        tx,
        policy,
        (person, area),
        category,
        "screening",
        Some(format!("screening:{id}")),
        day,
        grid,
        at,
    )
    .await?;
    managed.insert(person);
    repo::link(
        tx,
        id,
        &Links {
            key_person_id: Some(key_person),
            ..Links::default()
        },
    )
    .await?;
    Ok(())
}

/// A key-person episode opened on `day`, ended already if its period is over.
#[allow(clippy::too_many_arguments)]
async fn key_person_in(
    tx: &mut Tx,
    policy: &Policy,
    (person, area): (i64, &str),
    category: &str,
    source: &str,
    source_ref: Option<String>,
    day: NaiveDate,
    grid: Grid,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<i64> {
    let ends = day + Days::new(u64::from(policy.management_days(category)));
    let id = kp::insert(
        tx,
        &NewKeyPerson {
            person_id: person,
            area_code: area,
            category,
            status: status::MANAGED,
            reason: Some(if source == "screening" {
                "卡口排查"
            } else {
                "流调排查"
            }),
            source,
            source_ref,
            exposure_on: Some(day),
            starts_on: day,
            ends_on: ends,
            grid_unit_id: grid.0,
            grid_user_id: grid.1,
        },
        at,
        "demo",
    )
    .await?;
    if ends < crate::time::today() {
        const END: &str = "UPDATE epi_key_persons SET status = 'ended', version = 2 WHERE id = $1";
        platform::with_conn!(tx, conn => sqlx::query(END).bind(id).execute(conn).await.map(|_| ()))?;
        kp::event(
            tx,
            id,
            &Change {
                action: "end",
                from: Some((category, status::MANAGED)),
                to: (None, Some(status::ENDED)),
                note: Some("期满解除"),
            },
            crate::time::start_of(ends),
            "demo",
        )
        .await?;
    }
    Ok(id)
}

/// Close and secondary contacts named by investigations over the last two weeks.
#[allow(clippy::too_many_arguments)]
async fn close_contacts(
    tx: &mut Tx,
    ctx: &DemoContext,
    rng: &mut StdRng,
    policy: &Policy,
    persons: &[(i64, String)],
    grids: &mut HashMap<String, Grid>,
    managed: &mut HashSet<i64>,
) -> anyhow::Result<()> {
    let count = (persons.len() / 8).max(4);
    let today = crate::time::today();
    for _ in 0..count {
        let (person, area) = &persons[rng.random_range(0..persons.len())];
        if managed.contains(person) {
            continue;
        }
        let day = today - Days::new(rng.random_range(0..14));
        let category = if rng.random_bool(0.6) {
            "close_contact"
        } else {
            "secondary_contact"
        };
        let grid = grid_of(ctx, grids, area, day).await?;
        let at = crate::time::start_of(day) + TimeDelta::hours(10);
        key_person_in(
            tx,
            policy,
            (*person, area),
            category,
            "manual",
            None,
            day,
            grid,
            at,
        )
        .await?;
        managed.insert(*person);
    }
    Ok(())
}
