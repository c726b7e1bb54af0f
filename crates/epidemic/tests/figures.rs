//! The epidemic figures through the kernel's figure API equal an independent count from the
//! database, for an area's subtree on a day; only holders of the module read them.

mod support;

use serde_json::Value;
use testkit::{Backend, backend_tests};

backend_tests!(figures_equal_an_independent_count_and_answer_only_holders_of_the_module);

async fn figures_equal_an_independent_count_and_answer_only_holders_of_the_module(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let list: Value = app.get_json(&commander, "/api/v1/figures").await;
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    for key in [
        "epidemic.screenings",
        "epidemic.screenings_abroad",
        "epidemic.key_persons_managed",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    assert_eq!(list[0]["label"].as_str().map(|l| !l.is_empty()), Some(true));

    // The demo screened people at its checkpoints on each of the last 30 days.
    let town: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT MIN(area_code) FROM epi_screenings")
        .fetch_one(pool).await)
    .unwrap();
    let township = &town[..9];
    let date = (chrono::Utc::now() - chrono::Duration::days(3))
        .with_timezone(&domain::dates::china_offset())
        .date_naive();
    let (from, until) = epidemic::time::day_range(date);
    let hi = format!("{township}:");
    let expected: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM epi_screenings WHERE area_code >= $1 AND area_code < $2 \
         AND screened_at >= $3 AND screened_at < $4")
        .bind(township).bind(&hi).bind(from).bind(until).fetch_one(pool).await)
    .unwrap();
    let abroad: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM epi_screenings WHERE area_code >= $1 AND area_code < $2 \
         AND screened_at >= $3 AND screened_at < $4 AND origin = 'abroad'")
        .bind(township).bind(&hi).bind(from).bind(until).fetch_one(pool).await)
    .unwrap();
    let area = township;
    let got: Value = app
        .get_json(
            &commander,
            &format!("/api/v1/figures/epidemic.screenings?area={area}&date={date}&compare=true"),
        )
        .await;
    assert_eq!(got["value"].as_f64().unwrap() as i64, expected);
    assert!(got["day_before"].is_number() && got["week_before"].is_number());
    let got: Value = app
        .get_json(
            &commander,
            &format!("/api/v1/figures/epidemic.screenings_abroad?area={area}&date={date}"),
        )
        .await;
    assert_eq!(got["value"].as_f64().unwrap() as i64, abroad);

    let managed: i64 = support::count(
        &app,
        "SELECT COUNT(*) FROM epi_key_persons WHERE status <> 'ended'",
    )
    .await;
    let got: Value = app
        .get_json(&commander, "/api/v1/figures/epidemic.key_persons_managed")
        .await;
    assert_eq!(got["value"].as_f64().unwrap() as i64, managed);
    assert!(managed > 0, "the demo manages people");

    // Not a holder of the module: the figure does not exist for them.
    let industry = app.signed_in("dept-industry").await;
    let r = industry
        .get(app.url("/api/v1/figures/epidemic.screenings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let theirs: Value = app.get_json(&industry, "/api/v1/figures").await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["module"] != "epidemic")
    );
    // Outside the caller's area: 403; a bad date: 422.
    let village = app.signed_in("v0101").await;
    let r = village
        .get(app.url(&format!("/api/v1/figures/epidemic.screenings?area={area}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = village
        .get(app.url("/api/v1/figures/epidemic.screenings?date=2020-13-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
