//! Demo passages: entries and exits over the last 14 days at the demo district's places, most
//! people near home (their township), popular places busier, so tracing has something to find
//! on first start. Written straight to the table in multi-row inserts (no audit entries; the
//! kernel audits the demo once); deterministic for the demo seed.

use chrono::{Duration, Utc};
use platform::demo::{DemoContext, Scale};
use rand::Rng;

use super::model::NewPassage;

pub async fn generate(ctx: &DemoContext) -> anyhow::Result<()> {
    const PLACES: &str = "SELECT id, area_code FROM places ORDER BY id";
    const PERSONS: &str = "SELECT id, area_code FROM persons WHERE merged_into IS NULL ORDER BY id";
    let places: Vec<(i64, String)> =
        platform::with_db!(&ctx.db, pool => sqlx::query_as(PLACES).fetch_all(pool).await)?;
    let persons: Vec<(i64, String)> =
        platform::with_db!(&ctx.db, pool => sqlx::query_as(PERSONS).fetch_all(pool).await)?;
    if places.is_empty() || persons.is_empty() {
        return Ok(());
    }
    let visits = match ctx.scale {
        Scale::Tiny => 600,
        Scale::District => 200_000,
        Scale::City => 400_000,
    };
    let mut rng = ctx.rng("epidemic.passages");
    let now = Utc::now() - Duration::minutes(10);
    let mut rows = Vec::with_capacity(visits * 2);
    let mut key = 0u64;
    for _ in 0..visits {
        let (person, home) = &persons[rng.random_range(0..persons.len())];
        // Skewed popularity, and mostly within the person's township.
        let mut pick = || {
            let u: f64 = rng.random();
            &places[((u * u) * places.len() as f64) as usize % places.len()]
        };
        let mut place = pick();
        for _ in 0..3 {
            if place.1.get(..9) == home.get(..9) {
                break;
            }
            place = pick();
        }
        let at = now - Duration::minutes(rng.random_range(0..14 * 1440 - 200));
        let mut push = |at, direction| {
            key += 1;
            rows.push(NewPassage {
                person_id: *person,
                place_id: place.0,
                area_code: place.1.clone(),
                at,
                direction,
                method: if key.is_multiple_of(3) {
                    "code_scan"
                } else {
                    "id_reader"
                },
                device: "demo".into(),
                event_key: key.to_string(),
                recorded_by: "demo".into(),
            });
        };
        push(at, "in");
        if rng.random_bool(0.6) {
            push(at + Duration::minutes(rng.random_range(5..180)), "out");
        }
    }
    rows.sort_by_key(|r| r.at);
    let now = Utc::now();
    let mut tx = ctx.db.begin().await?;
    for chunk in rows.chunks(2_000) {
        let refs: Vec<&NewPassage> = chunk.iter().collect();
        super::repo::insert_plain(&mut tx, &refs, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
