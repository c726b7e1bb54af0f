//! Quarantine: a site's rooms and live occupancy; an order from referral through check-in, room
//! change, transfer and release (refused without enough negative tests), with the home days
//! that follow a centralized quarantine; home quarantine and the follow-up after release;
//! validation that names the field and changes nothing; another township sees nothing.

mod support;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_centralized_quarantine_from_check_in_to_release_then_home_days,
    home_quarantine_release_starts_the_follow_up,
    wrong_input_names_the_field_and_changes_nothing,
    another_township_sees_and_changes_nothing,
    the_demo_fills_sites_and_the_figures_count_them
);

fn today() -> NaiveDate {
    epidemic::quarantine::service::today()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

async fn scalar(app: &TestApp, sql: String) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_one(pool).await)
    .unwrap()
}

async fn text(app: &TestApp, sql: String) -> String {
    platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_one(pool).await)
    .unwrap()
}

/// The `n`th registered person of the area's subtree who is not under management yet.
async fn person(app: &TestApp, area: &str, n: usize) -> i64 {
    scalar(
        app,
        format!(
            "SELECT id FROM persons WHERE area_code >= '{area}' AND area_code < '{area}:' \
             AND merged_into IS NULL AND id NOT IN (SELECT person_id FROM epi_key_persons) \
             ORDER BY id LIMIT 1 OFFSET {n}"
        ),
    )
    .await
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A quarantine site in `area` with rooms `numbers`; answers its id.
async fn site(
    client: &reqwest::Client,
    app: &TestApp,
    area: &str,
    name: &str,
    numbers: &str,
) -> i64 {
    let (status, place) = post(
        client,
        app,
        "/api/v1/places",
        json!({"kind": "quarantine_site", "name": name, "area_code": area}),
    )
    .await;
    assert_eq!(status, 201, "{place}");
    let id = place["id"].as_i64().unwrap();
    let (status, added) = post(
        client,
        app,
        &format!("/api/v1/epidemic/quarantine/sites/{id}/rooms"),
        json!({"numbers": numbers}),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    id
}

async fn room(client: &reqwest::Client, app: &TestApp, site: i64, number: &str) -> i64 {
    let detail = app
        .get_json(client, &format!("/api/v1/epidemic/quarantine/sites/{site}"))
        .await;
    detail["room_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == number)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn order(client: &reqwest::Client, app: &TestApp, id: i64) -> Value {
    app.get_json(client, &format!("/api/v1/epidemic/quarantine/orders/{id}"))
        .await
}

async fn act(client: &reqwest::Client, app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    let mut body = body;
    body["version"] = order(client, app, id).await["version"].clone();
    post(
        client,
        app,
        &format!("/api/v1/epidemic/quarantine/orders/{id}/actions"),
        body,
    )
    .await
}

/// A negative single-tube result for the person, sampled on `day`.
async fn negative(app: &TestApp, person: i64, area: &str, day: NaiveDate, barcode: &str) {
    const SAMPLE: &str = "INSERT INTO epi_samples (barcode, pool_size, area_code, sampled_at, \
         sampled_on, sampled_by, result, result_at) VALUES ($1, 1, $2, $3, $4, 'test', 'negative', $3) \
         RETURNING id";
    const MEMBER: &str =
        "INSERT INTO epi_sample_members (sample_id, person_id, sampled_on) VALUES ($1, $2, $3)";
    let now = Utc::now();
    let id: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(SAMPLE)
        .bind(barcode).bind(area).bind(now).bind(day).fetch_one(pool).await)
    .unwrap();
    platform::with_db!(&app.db, pool => sqlx::query(MEMBER)
        .bind(id).bind(person).bind(day).execute(pool).await.map(|_| ()))
    .unwrap();
}

async fn a_centralized_quarantine_from_check_in_to_release_then_home_days(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let a = site(&town, &app, &village, "顺达酒店隔离点", "101-102").await;
    let b = site(&town, &app, &village, "宏远酒店隔离点", "201").await;
    let site_a = app
        .get_json(&town, &format!("/api/v1/epidemic/quarantine/sites/{a}"))
        .await;
    assert_eq!(
        (
            site_a["rooms"].as_i64(),
            site_a["beds"].as_i64(),
            site_a["occupied"].as_i64()
        ),
        (Some(2), Some(2), Some(0))
    );

    // Referred 14 days ago: due for release today.
    let p = person(&app, &village, 0).await;
    let (status, created) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "centralized", "starts_on": days_ago(14).to_string(),
               "reason": "密切接触者"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "referred");
    assert_eq!(created["planned_end"], today().to_string());
    let id = created["id"].as_i64().unwrap();

    let r101 = room(&town, &app, a, "101").await;
    let (status, checked_in) = act(
        &town,
        &app,
        id,
        json!({"action": "check_in", "room_id": r101}),
    )
    .await;
    assert_eq!(status, 200, "{checked_in}");
    assert_eq!(checked_in["status"], "active");
    assert_eq!(checked_in["room_number"], "101");
    let kp = checked_in["key_person_id"].as_i64().unwrap();
    assert_eq!(
        text(
            &app,
            format!("SELECT status FROM epi_key_persons WHERE id = {kp}")
        )
        .await,
        "quarantined"
    );
    assert!(
        scalar(
            &app,
            format!(
                "SELECT COUNT(*) FROM epi_test_requirements WHERE person_id = {p} \
                 AND reason = 'quarantine'"
            )
        )
        .await
            >= 1
    );
    let free: Value = app
        .get_json(
            &town,
            &format!("/api/v1/epidemic/quarantine/free-rooms?area={village}"),
        )
        .await;
    assert!(
        free.as_array()
            .unwrap()
            .iter()
            .all(|r| r["room_id"] != r101)
    );
    let site_a = app
        .get_json(&town, &format!("/api/v1/epidemic/quarantine/sites/{a}"))
        .await;
    assert_eq!(site_a["occupied"], 1);
    assert_eq!(site_a["free_rooms"], 1);

    // The full room takes nobody else; the other order stays as it was.
    let q = person(&app, &village, 1).await;
    let (_, other) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": q, "kind": "centralized"}),
    )
    .await;
    let other_id = other["id"].as_i64().unwrap();
    let (status, refused) = act(
        &town,
        &app,
        other_id,
        json!({"action": "check_in", "room_id": r101}),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["field"], "room_id");
    assert_eq!(order(&town, &app, other_id).await["status"], "referred");

    // A stale version is refused.
    let r102 = room(&town, &app, a, "102").await;
    let (status, _) = post(
        &town,
        &app,
        &format!("/api/v1/epidemic/quarantine/orders/{id}/actions"),
        json!({"action": "change_room", "room_id": r102, "version": 1}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, moved) = act(
        &town,
        &app,
        id,
        json!({"action": "change_room", "room_id": r102}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["room_number"], "102");
    // Room 101 is free again; a room at another site is a transfer, not a room change.
    let r201 = room(&town, &app, b, "201").await;
    let (status, wrong) = act(
        &town,
        &app,
        id,
        json!({"action": "change_room", "room_id": r201}),
    )
    .await;
    assert_eq!(
        (status, wrong["error"]["field"].as_str()),
        (422, Some("room_id"))
    );
    let (status, moved) = act(
        &town,
        &app,
        id,
        json!({"action": "transfer", "room_id": r201}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["site_id"], b);
    let site_a = app
        .get_json(&town, &format!("/api/v1/epidemic/quarantine/sites/{a}"))
        .await;
    assert_eq!(
        (site_a["occupied"].as_i64(), site_a["free_rooms"].as_i64()),
        (Some(0), Some(2))
    );

    // Release needs two negative tests sampled during the order.
    let (status, refused) = act(&town, &app, id, json!({"action": "release"})).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains('2'));
    negative(&app, p, &village, days_ago(7), "T-0001").await;
    negative(&app, p, &village, days_ago(20), "T-0002").await; // before the order: not counted
    let (status, _) = act(&town, &app, id, json!({"action": "release"})).await;
    assert_eq!(status, 422);
    negative(&app, p, &village, days_ago(1), "T-0003").await;
    let (status, released) = act(&town, &app, id, json!({"action": "release"})).await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["status"], "released");
    assert_eq!(released["ended_on"], today().to_string());
    let site_b = app
        .get_json(&town, &format!("/api/v1/epidemic/quarantine/sites/{b}"))
        .await;
    assert_eq!(site_b["occupied"], 0);

    // The "+ 7": a home order for the same person, active at once.
    let list = app
        .get_json(
            &town,
            &format!("/api/v1/epidemic/quarantine/orders?kind=home&status=active&area={village}"),
        )
        .await;
    let home = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["person_id"] == p)
        .expect("a home order follows")
        .clone();
    let home_end = today().checked_add_days(Days::new(7)).unwrap();
    assert_eq!(home["planned_end"], home_end.to_string());
    assert_eq!(home["source"], "follow_on");
    assert_eq!(
        text(
            &app,
            format!("SELECT status FROM epi_key_persons WHERE id = {kp}")
        )
        .await,
        "quarantined"
    );

    // The history and the audit log have every step.
    let detail = order(&town, &app, id).await;
    let actions: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["refer", "check_in", "change_room", "transfer", "release"]
    );
    assert_eq!(
        scalar(
            &app,
            format!(
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'epidemic.quarantine.%' \
                 AND record_kind = 'epidemic.quarantine_order' AND record_id = '{id}'"
            )
        )
        .await,
        5
    );

    // Extension and early end of the other order.
    let (status, bad) = act(
        &town,
        &app,
        other_id,
        json!({"action": "extend", "new_end": today().to_string(), "reason": "复阳"}),
    )
    .await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (422, Some("new_end"))
    );
    let later = today().checked_add_days(Days::new(21)).unwrap();
    let (status, bad) = act(
        &town,
        &app,
        other_id,
        json!({"action": "extend", "new_end": later.to_string()}),
    )
    .await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, extended) = act(
        &town,
        &app,
        other_id,
        json!({"action": "extend", "new_end": later.to_string(), "reason": "同住人阳性"}),
    )
    .await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["planned_end"], later.to_string());
    // The person stays managed at least as long.
    let managed_until: chrono::NaiveDate = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT k.ends_on FROM epi_key_persons k JOIN epi_quarantine_orders o ON o.key_person_id = k.id \
         WHERE o.id = $1")
        .bind(other_id).fetch_one(pool).await).unwrap();
    assert!(managed_until >= later, "{managed_until} < {later}");
    let (status, ended) = act(
        &town,
        &app,
        other_id,
        json!({"action": "end_early", "reason": "转定点医院"}),
    )
    .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "ended_early");
    assert_eq!(ended["end_reason"], "转定点医院");

    // The pages show it.
    let page = town
        .get(app.url("/epidemic/quarantine"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("顺达酒店隔离点") && html.contains("宏远酒店隔离点"));
    let page = town
        .get(app.url(&format!("/epidemic/quarantine/sites/{a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("102"));
    let page = town
        .get(app.url(&format!("/epidemic/quarantine/orders/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}

async fn home_quarantine_release_starts_the_follow_up(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let p = person(&app, &village, 2).await;
    let (status, created) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "home", "starts_on": days_ago(14).to_string(),
               "home_address": "幸福家园3栋201", "category": "inbound"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_ne!(created["home_address"], "幸福家园3栋201", "masked");

    // A home check-in needs the responsible cadre.
    let (status, refused) = act(&town, &app, id, json!({"action": "check_in"})).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("cadre_user_id"))
    );
    let cadre = scalar(
        &app,
        "SELECT id FROM users WHERE username = 'g010101'".into(),
    )
    .await;
    let (status, active) = act(
        &town,
        &app,
        id,
        json!({"action": "check_in", "cadre_user_id": cadre}),
    )
    .await;
    assert_eq!(status, 200, "{active}");
    assert_eq!(active["status"], "active");
    assert_eq!(active["cadre_user_id"], cadre);

    negative(&app, p, &village, days_ago(10), "H-0001").await;
    negative(&app, p, &village, today(), "H-0002").await;
    let (status, released) = act(&town, &app, id, json!({"action": "release"})).await;
    assert_eq!(status, 200, "{released}");
    let until = today().checked_add_days(Days::new(14)).unwrap();
    assert_eq!(released["followup_until"], until.to_string());
    let kp = released["key_person_id"].as_i64().unwrap();
    assert_eq!(
        text(
            &app,
            format!("SELECT status FROM epi_key_persons WHERE id = {kp}")
        )
        .await,
        "followup"
    );
    assert_eq!(
        text(
            &app,
            format!("SELECT category FROM epi_key_persons WHERE id = {kp}")
        )
        .await,
        "released"
    );
    assert_eq!(
        scalar(
            &app,
            format!(
                "SELECT COUNT(*) FROM epi_test_requirements WHERE person_id = {p} \
                 AND reason = 'released'"
            )
        )
        .await,
        2
    );
    // No home days follow a home quarantine.
    assert_eq!(
        scalar(
            &app,
            format!(
                "SELECT COUNT(*) FROM epi_quarantine_orders WHERE person_id = {p} \
                 AND status = 'active'"
            )
        )
        .await,
        0
    );
}

async fn wrong_input_names_the_field_and_changes_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let orders_before = support::count(&app, "SELECT COUNT(*) FROM epi_quarantine_orders").await;
    let kps_before = support::count(&app, "SELECT COUNT(*) FROM epi_key_persons").await;
    let p = person(&app, &village, 3).await;
    for (body, field) in [
        (json!({"person_id": p, "kind": "hotel"}), "kind"),
        (json!({"person_id": 0, "kind": "home"}), "person_id"),
        (
            json!({"person_id": p, "kind": "home", "starts_on": "明天"}),
            "starts_on",
        ),
        (
            json!({"person_id": p, "kind": "home", "category": "tourist"}),
            "category",
        ),
    ] {
        let (status, refused) = post(&town, &app, "/api/v1/epidemic/quarantine/orders", body).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], field);
    }
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_quarantine_orders").await,
        orders_before
    );
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_key_persons").await,
        kps_before
    );

    let a = site(&town, &app, &village, "天和酒店隔离点", "301").await;
    let rooms_before = support::count(&app, "SELECT COUNT(*) FROM epi_rooms").await;
    for (body, field) in [
        (json!({"numbers": "310-301"}), "numbers"),
        (json!({"numbers": "1-9999"}), "numbers"),
        (json!({"numbers": "302", "beds": 0}), "beds"),
    ] {
        let (status, refused) = post(
            &town,
            &app,
            &format!("/api/v1/epidemic/quarantine/sites/{a}/rooms"),
            body,
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], field);
    }
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_rooms").await,
        rooms_before
    );

    // An order for the same person twice is a conflict.
    let (status, _) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "centralized"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, again) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "home"}),
    )
    .await;
    assert_eq!(status, 409, "{again}");
    // A release before check-in is not possible; an unknown action names its field.
    let id = scalar(
        &app,
        format!("SELECT id FROM epi_quarantine_orders WHERE person_id = {p}"),
    )
    .await;
    let (status, _) = act(&town, &app, id, json!({"action": "release"})).await;
    assert_eq!(status, 409);
    let (status, refused) = act(&town, &app, id, json!({"action": "teleport"})).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("action"))
    );
    // The check-in form offers free rooms and says what is missing.
    let form = town
        .get(app.url(&format!("/epidemic/quarantine/orders/{id}/check-in")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let version = order(&town, &app, id).await["version"].to_string();
    let page = town
        .post(app.url(&format!("/epidemic/quarantine/orders/{id}/check-in")))
        .form(&[("version", version.as_str()), ("room_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("请选择房间"));
    assert_eq!(order(&town, &app, id).await["status"], "referred");
    // The rooms form on the site page says what is wrong and keeps the input.
    let page = town
        .post(app.url(&format!("/epidemic/quarantine/sites/{a}/rooms")))
        .form(&[("numbers", "9-1"), ("beds", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("9-1"));
}

async fn another_township_sees_and_changes_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let a = site(&town, &app, &village, "嘉禾酒店隔离点", "501").await;
    let p = person(&app, &village, 4).await;
    let (_, created) = post(
        &town,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "centralized"}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();

    let other = app.signed_in("town02").await;
    let response = other
        .get(app.url(&format!("/api/v1/epidemic/quarantine/orders/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = other
        .get(app.url(&format!("/api/v1/epidemic/quarantine/sites/{a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (status, _) = post(
        &other,
        &app,
        &format!("/api/v1/epidemic/quarantine/orders/{id}/actions"),
        json!({"action": "end_early", "version": 1, "reason": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &other,
        &app,
        &format!("/api/v1/epidemic/quarantine/sites/{a}/rooms"),
        json!({"numbers": "502"}),
    )
    .await;
    assert_eq!(status, 404);
    let list = app
        .get_json(&other, "/api/v1/epidemic/quarantine/orders")
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["id"] != id)
    );
    let sites = app
        .get_json(&other, "/api/v1/epidemic/quarantine/sites")
        .await;
    assert!(
        sites["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != a)
    );
    let response = other
        .get(app.url(&format!(
            "/api/v1/epidemic/quarantine/orders?area={village}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // And an order for a person of the other township cannot be opened.
    let (status, refused) = post(
        &other,
        &app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": person(&app, &village, 5).await, "kind": "home"}),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("person_id"))
    );
    assert_eq!(order(&town, &app, id).await["status"], "referred");
}

async fn the_demo_fills_sites_and_the_figures_count_them(backend: Backend) {
    let app = support::spawn(backend).await;
    // Two or three sites per township (two in the tiny district), 20–40 rooms each.
    let sites = support::count(&app, "SELECT COUNT(DISTINCT place_id) FROM epi_rooms").await;
    assert!((4..=6).contains(&sites), "{sites} sites");
    let (fewest, most) = (
        support::count(
            &app,
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM epi_rooms GROUP BY place_id) r",
        )
        .await,
        support::count(
            &app,
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM epi_rooms GROUP BY place_id) r",
        )
        .await,
    );
    assert!(fewest >= 20 && most <= 40, "{fewest}–{most} rooms");
    let active = support::count(
        &app,
        "SELECT COUNT(*) FROM epi_quarantine_orders WHERE status = 'active' AND kind = 'centralized'",
    )
    .await;
    assert!(active > 0);

    let root = domain::DivisionCode::parse(&app.area_of("commander").await).unwrap();
    let figures = epidemic::figures::all();
    let value = |key: &str| {
        let def = figures.iter().find(|f| f.key == key).unwrap().clone();
        let (state, root) = (app.state.clone(), root.clone());
        async move { (def.compute)(&state, &root, today()).await.unwrap() }
    };
    assert_eq!(
        value("epidemic.in_centralized_quarantine").await,
        active as f64
    );
    let beds = support::count(&app, "SELECT COALESCE(SUM(beds), 0) FROM epi_rooms").await;
    let free_rooms = value("epidemic.free_rooms").await;
    assert!(free_rooms > 0.0 && free_rooms <= beds as f64);
    for key in [
        "epidemic.in_home_quarantine",
        "epidemic.releases_due",
        "epidemic.checks_due",
        "epidemic.checks_done",
        "epidemic.checks_missed",
        "epidemic.fevers",
    ] {
        assert!(figures.iter().any(|f| f.key == key), "{key}");
    }
    // Yesterday every window closed: each due check was done or missed.
    let yesterday = days_ago(1);
    let on = |key: &str| {
        let def = figures.iter().find(|f| f.key == key).unwrap().clone();
        let (state, root) = (app.state.clone(), root.clone());
        async move { (def.compute)(&state, &root, yesterday).await.unwrap() }
    };
    let (due, done, missed) = (
        on("epidemic.checks_due").await,
        on("epidemic.checks_done").await,
        on("epidemic.checks_missed").await,
    );
    assert!(done > 0.0);
    assert_eq!(due, done + missed);
    // The page shows the figures.
    let town = app.signed_in("town01").await;
    let page = town
        .get(app.url("/epidemic/quarantine"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("空余隔离房间"));
}
