//! Health checks: a fever opens an urgent ticket to the site's doctor; one check per slot; wrong
//! input names its field and stores nothing; the one-time link works once; a missed evening
//! check opens one ticket, which escalates when overdue; another township sees nothing.

mod support;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_fever_opens_an_urgent_ticket_to_the_site_doctor,
    the_one_time_link_works_once,
    a_missed_evening_check_opens_one_ticket_that_escalates,
    another_township_cannot_record_or_see
);

fn today() -> NaiveDate {
    epidemic::quarantine::service::today()
}

/// `HH:MM` today in Beijing.
fn beijing(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    domain::china_offset()
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn scalar(app: &TestApp, sql: String) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_one(pool).await)
    .unwrap()
}

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

/// A person checked in to a new site's room 101 (quarantined: two checks a day); answers
/// (person, site).
async fn quarantined(app: &TestApp, client: &reqwest::Client, area: &str, n: usize) -> (i64, i64) {
    let (status, place) = post(
        client,
        app,
        "/api/v1/places",
        json!({"kind": "quarantine_site", "name": format!("隔离点{n}"), "area_code": area}),
    )
    .await;
    assert_eq!(status, 201, "{place}");
    let site = place["id"].as_i64().unwrap();
    let (status, _) = post(
        client,
        app,
        &format!("/api/v1/epidemic/quarantine/sites/{site}/rooms"),
        json!({"numbers": "101"}),
    )
    .await;
    assert_eq!(status, 201);
    let room = scalar(
        app,
        format!("SELECT id FROM epi_rooms WHERE place_id = {site}"),
    )
    .await;
    let p = person(app, area, n).await;
    let (status, order) = post(
        client,
        app,
        "/api/v1/epidemic/quarantine/orders",
        json!({"person_id": p, "kind": "centralized"}),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_i64().unwrap();
    let (status, active) = post(
        client,
        app,
        &format!("/api/v1/epidemic/quarantine/orders/{id}/actions"),
        json!({"action": "check_in", "room_id": room, "version": order["version"]}),
    )
    .await;
    assert_eq!(status, 200, "{active}");
    (p, site)
}

async fn a_fever_opens_an_urgent_ticket_to_the_site_doctor(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let (p, site) = quarantined(&app, &town, &village, 0).await;
    // The site's doctor (签约医生): the health department's account.
    let doctor = scalar(
        &app,
        "SELECT id FROM users WHERE username = 'dept-health'".into(),
    )
    .await;
    let unit = scalar(
        &app,
        "SELECT unit_id FROM users WHERE username = 'dept-health'".into(),
    )
    .await;
    let commander = app.signed_in("commander").await;
    let (status, assigned) = post(
        &commander,
        &app,
        "/api/v1/responsibilities",
        json!({"subject_kind": "place", "subject_id": site, "role": "doctor",
               "user_id": doctor, "unit_id": unit}),
    )
    .await;
    assert_eq!(status, 201, "{assigned}");

    let (status, normal) = post(
        &town,
        &app,
        "/api/v1/epidemic/checks",
        json!({"person_id": p, "temperature": 36.6, "slot": 1}),
    )
    .await;
    assert_eq!(status, 201, "{normal}");
    assert_eq!(normal["alarm"], false);
    assert!(normal["ticket_id"].is_null());
    // One check per person, day and slot.
    let (status, again) = post(
        &town,
        &app,
        "/api/v1/epidemic/checks",
        json!({"person_id": p, "temperature": 36.5, "slot": 1}),
    )
    .await;
    assert_eq!(status, 409);
    assert!(again["error"]["message"].as_str().unwrap().contains('1'));

    // Wrong input names its field and stores nothing.
    let before = support::count(&app, "SELECT COUNT(*) FROM epi_health_checks").await;
    for (body, field) in [
        (
            json!({"person_id": p, "temperature": 50.0, "slot": 2}),
            "temperature",
        ),
        (json!({"person_id": p, "slot": 2}), "temperature"),
        (
            json!({"person_id": p, "temperature": 36.5, "symptoms": ["sneezing"], "slot": 2}),
            "symptoms",
        ),
        (
            json!({"person_id": p, "temperature": 36.5, "slot": 3}),
            "slot",
        ),
        (
            json!({"person_id": person(&app, &village, 5).await, "temperature": 36.5}),
            "person_id",
        ),
    ] {
        let (status, refused) = post(&town, &app, "/api/v1/epidemic/checks", body).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["field"], field);
    }
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_health_checks").await,
        before
    );

    // 37.3 ℃ is a fever: an urgent ticket to the doctor, in the same transaction.
    let (status, fever) = post(
        &town,
        &app,
        "/api/v1/epidemic/checks",
        json!({"person_id": p, "temperature": 37.3, "symptoms": ["cough"], "slot": 2}),
    )
    .await;
    assert_eq!(status, 201, "{fever}");
    assert_eq!(fever["alarm"], true);
    assert_eq!(fever["temperature"], 37.3);
    let ticket = fever["ticket_id"].as_i64().expect("a ticket");
    let t = app
        .get_json(&town, &format!("/api/v1/tickets/{ticket}"))
        .await["ticket"]
        .clone();
    assert_eq!(t["kind"], "epidemic.alarm");
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["owner_user_id"], doctor);
    assert_eq!(t["owner_unit_id"], unit);
    assert_eq!(t["subject_kind"], "person");
    assert_eq!(t["subject_id"], p);

    // The roster shows both checks done, the second a fever.
    let roster: Value = app
        .get_json(
            &town,
            &format!("/api/v1/epidemic/checks/roster?area={village}"),
        )
        .await;
    let mine: Vec<&Value> = roster
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["person_id"] == p)
        .collect();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|e| e["state"] == "done"));
    assert!(mine.iter().any(|e| e["slot"] == 2 && e["fever"] == true));
    let page = town.get(app.url("/epidemic/checks")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("发热 37.3℃"), "the fever badge");
}

async fn the_one_time_link_works_once(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let (p, _) = quarantined(&app, &town, &village, 1).await;
    let (status, link) = post(
        &town,
        &app,
        "/api/v1/epidemic/checks/links",
        json!({"person_id": p}),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap().to_string();
    let token = url.strip_prefix("/c/").unwrap();
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_check_links").await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            format!("SELECT COUNT(*) FROM epi_check_links WHERE token_hash = '{token}'")
        )
        .await,
        0,
        "only the hash is stored"
    );

    // The person, without an account.
    let phone = app.client();
    let form = phone.get(app.url(&url)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    // A wrong temperature keeps the link usable.
    let wrong = phone
        .post(app.url(&url))
        .form(&[("temperature", "hot")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let sent = phone
        .post(app.url(&url))
        .form(&[("temperature", "36.4"), ("symptom.fatigue", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert!(sent.text().await.unwrap().contains("link-done"));
    assert_eq!(
        scalar(
            &app,
            format!(
                "SELECT COUNT(*) FROM epi_health_checks WHERE person_id = {p} AND via = 'link' \
                 AND temperature_dc = 364 AND symptoms = 'fatigue'"
            )
        )
        .await,
        1
    );
    // Once only.
    let again = phone
        .post(app.url(&url))
        .form(&[("temperature", "36.5")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 410);
    assert_eq!(phone.get(app.url(&url)).send().await.unwrap().status(), 410);
    let junk = phone
        .get(app.url(&format!("/c/{}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), 410);
    assert_eq!(
        scalar(
            &app,
            format!("SELECT COUNT(*) FROM epi_health_checks WHERE person_id = {p}")
        )
        .await,
        1
    );
}

async fn a_missed_evening_check_opens_one_ticket_that_escalates(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let (p, _) = quarantined(&app, &town, &village, 2).await;
    // The morning check is recorded; the evening one (14:00–20:00) is not.
    let (status, _) = post(
        &town,
        &app,
        "/api/v1/epidemic/checks",
        json!({"person_id": p, "temperature": 36.5, "slot": 1}),
    )
    .await;
    assert_eq!(status, 201);
    let day = today();

    // Within the hour of grace after the window closes, nothing yet.
    epidemic::checks::missed::sweep(&app.state, beijing(day, 20, 30))
        .await
        .unwrap();
    let missed_of_p = format!("SELECT COUNT(*) FROM epi_missed_checks WHERE person_id = {p}");
    assert_eq!(scalar(&app, missed_of_p.clone()).await, 0);

    let night = beijing(day, 21, 5);
    let opened = epidemic::checks::missed::sweep(&app.state, night)
        .await
        .unwrap();
    assert!(opened >= 1);
    assert_eq!(scalar(&app, missed_of_p.clone()).await, 1);
    assert_eq!(
        scalar(
            &app,
            format!("SELECT CAST(slot AS BIGINT) FROM epi_missed_checks WHERE person_id = {p}")
        )
        .await,
        2
    );
    let ticket = scalar(
        &app,
        format!("SELECT ticket_id FROM epi_missed_checks WHERE person_id = {p}"),
    )
    .await;
    let tickets_of_p = format!(
        "SELECT COUNT(*) FROM tickets WHERE kind = 'epidemic.missed_check' AND subject_id = {p}"
    );
    assert_eq!(scalar(&app, tickets_of_p.clone()).await, 1);
    // Once: the next sweeps open nothing more for that check.
    epidemic::checks::missed::sweep(&app.state, night + TimeDelta::minutes(1))
        .await
        .unwrap();
    epidemic::checks::missed::sweep(&app.state, night + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(scalar(&app, missed_of_p).await, 1);
    assert_eq!(scalar(&app, tickets_of_p).await, 1);
    assert_eq!(
        scalar(
            &app,
            format!("SELECT COUNT(*) FROM tickets WHERE id = {ticket} AND priority = 'high'")
        )
        .await,
        1
    );

    // The roster says missed.
    let roster: Value = app
        .get_json(
            &town,
            &format!("/api/v1/epidemic/checks/roster?area={village}"),
        )
        .await;
    assert!(
        roster
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["person_id"] == p && e["slot"] == 2 && e["state"] == "missed")
    );

    // Nobody handles it: the kernel's deadline job marks it overdue, then escalates it.
    let later = Utc::now().checked_add_days(Days::new(10)).unwrap();
    platform::tickets::escalation::sweep(&app.state, later)
        .await
        .unwrap();
    assert_eq!(
        scalar(
            &app,
            format!("SELECT COUNT(*) FROM tickets WHERE id = {ticket} AND overdue_at IS NOT NULL")
        )
        .await,
        1
    );
    platform::tickets::escalation::sweep(&app.state, later + TimeDelta::hours(48))
        .await
        .unwrap();
    assert_eq!(
        scalar(
            &app,
            format!("SELECT CAST(escalation_level AS BIGINT) FROM tickets WHERE id = {ticket}")
        )
        .await,
        1
    );
}

async fn another_township_cannot_record_or_see(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let (p, _) = quarantined(&app, &town, &village, 3).await;
    let other = app.signed_in("town02").await;
    let (status, refused) = post(
        &other,
        &app,
        "/api/v1/epidemic/checks",
        json!({"person_id": p, "temperature": 36.5}),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("person_id"))
    );
    let (status, _) = post(
        &other,
        &app,
        "/api/v1/epidemic/checks/links",
        json!({"person_id": p}),
    )
    .await;
    assert_eq!(status, 422);
    let roster: Value = app.get_json(&other, "/api/v1/epidemic/checks/roster").await;
    assert!(
        roster
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["person_id"] != p)
    );
    let response = other
        .get(app.url(&format!("/api/v1/epidemic/checks/roster?area={village}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        scalar(
            &app,
            format!("SELECT COUNT(*) FROM epi_health_checks WHERE person_id = {p}")
        )
        .await,
        0
    );
}
