//! The command screen's data and pages: every figure equals the figure API's value for the same
//! area and day; figures of modules not built are marked unavailable, not invented; new urgent
//! work shows at the next refresh; the drill-down adds up; scope and module rules hold.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, backend_tests};

backend_tests!(
    the_screen_quotes_the_figure_api_and_marks_missing_modules_unavailable,
    new_urgent_work_shows_at_the_next_refresh,
    a_figure_drills_down_into_sub_areas_that_add_up,
    only_the_command_and_townships_see_their_own_area,
);

async fn the_screen_quotes_the_figure_api_and_marks_missing_modules_unavailable(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let snap: Value = app.get_json(&commander, "/api/v1/command/screen").await;
    let area = snap["area_code"].as_str().unwrap().to_string();
    let date = snap["date"].as_str().unwrap().to_string();
    let mut checked = 0;
    for section in snap["sections"].as_array().unwrap() {
        for f in section["figures"].as_array().unwrap() {
            let key = f["key"].as_str().unwrap();
            if key.starts_with("epidemic.") || key.starts_with("economy.") {
                let one: Value = app
                    .get_json(
                        &commander,
                        &format!("/api/v1/figures/{key}?area={area}&date={date}&compare=true"),
                    )
                    .await;
                assert_eq!(f["value"], one["value"], "{key}");
                assert_eq!(f["day_before"], one["day_before"], "{key}");
                checked += 1;
            } else {
                // The services module is not built yet.
                assert!(f["value"].is_null(), "{key} is invented: {f}");
            }
        }
    }
    assert!(checked >= 16, "only {checked} epidemic and economy figures");
    // An independent count for one of them.
    let managed = platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM epi_key_persons WHERE status <> 'ended'").fetch_one(pool).await)
    .unwrap();
    let shown = snap["sections"][0]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "epidemic.key_persons_managed")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    assert_eq!(shown as i64, managed);
    assert_eq!(snap["trends"][0]["points"].as_array().unwrap().len(), 14);
    assert!(
        !snap["overdue_by_unit"].as_array().unwrap().is_empty(),
        "the demo has overdue tickets"
    );
    let page = commander
        .get(app.url("/command/screen"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("疫情防控"));
    assert!(page.contains("data-chart"));
    assert!(
        page.contains("economy.resumption_rate"),
        "marked unavailable"
    );
}

async fn new_urgent_work_shows_at_the_next_refresh(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let before: Value = app.get_json(&commander, "/api/v1/command/screen").await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let r = town
        .post(app.url("/api/v1/tickets"))
        .json(
            &json!({"kind": "general", "title": "河堤管涌险情", "area_code": village,
            "priority": "urgent"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    tokio::time::sleep(command::snapshot::MIN_AGE).await;
    let after: Value = app.get_json(&commander, "/api/v1/command/screen").await;
    let titles: Vec<&str> = after["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"河堤管涌险情"), "{titles:?}");
    assert_ne!(before["generated_at"], after["generated_at"]);
    // Nothing written: the same snapshot serves.
    let again: Value = app.get_json(&commander, "/api/v1/command/screen").await;
    assert_eq!(again["generated_at"], after["generated_at"]);
}

async fn a_figure_drills_down_into_sub_areas_that_add_up(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("dept-health").await;
    let b: Value = app
        .get_json(
            &commander,
            &format!(
                "/api/v1/command/figures/epidemic.key_persons_managed/breakdown?area={district}"
            ),
        )
        .await;
    let parts = b["parts"].as_array().unwrap();
    assert!(parts.len() >= 2, "{b}");
    let sum: f64 = parts.iter().map(|p| p["value"].as_f64().unwrap()).sum();
    assert_eq!(sum, b["total"].as_f64().unwrap());
    let township = parts[0]["area_code"].as_str().unwrap();
    let page = commander
        .get(app.url(&format!(
            "/command/figures/epidemic.key_persons_managed?area={township}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("在管重点人员"));
    assert!(text.contains("上一级"));
    // Every figure leads on to the records behind it: the module's list for the area and day.
    let date = b["date"].as_str().unwrap();
    let page = commander
        .get(app.url(&format!(
            "/command/figures/economy.enterprises_resumed?area={township}&date={date}"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let records = format!("/economy/resumption?area={township}&#38;date={date}");
    assert!(page.contains(&records), "{page}");
    let list = commander
        .get(app.url(&records.replace("&#38;", "&")))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let missing = commander
        .get(app.url("/api/v1/command/figures/economy.nothing/breakdown"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

async fn only_the_command_and_townships_see_their_own_area(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let snap: Value = app.get_json(&town, "/api/v1/command/screen").await;
    assert_eq!(snap["area_code"], app.area_of("town01").await);
    let other = app.area_of("town02").await;
    let r = town
        .get(app.url(&format!("/api/v1/command/screen?area={other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let village = app.signed_in("v0101").await;
    let r = village
        .get(app.url("/api/v1/command/screen"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = town
        .get(app.url("/api/v1/command/screen?date=2020-02-30"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
