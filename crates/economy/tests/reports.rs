//! Resumption reports through the API: an enterprise account reports for its own enterprise
//! only, and its report moves the district's rate at once, to the value an independent count
//! from the database gives; a second report of the day replaces the first; a bad field is named
//! and changes nothing; others report within their area only.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, backend_tests};

backend_tests!(
    an_enterprise_account_reports_for_its_own_enterprise_and_moves_the_rate_at_once,
    a_bad_field_is_named_and_changes_nothing,
    reports_and_rates_stay_in_the_callers_area
);

async fn enterprise_of(app: &testkit::TestApp, username: &str) -> (i64, String) {
    const SQL: &str = "SELECT e.id, e.area_code FROM users u JOIN enterprises e ON e.id = u.enterprise_id \
         WHERE u.username = $1";
    platform::with_db!(&app.db, pool => sqlx::query_as(SQL).bind(username).fetch_one(pool).await)
        .unwrap()
}

async fn an_enterprise_account_reports_for_its_own_enterprise_and_moves_the_rate_at_once(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let (own, own_area) = enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("commander").await;
    let (lo, hi) = domain::DivisionCode::parse(&district)
        .unwrap()
        .subtree_range();
    let today = support::today();

    // Where the enterprise stood: the demo reported for it today already.
    let before: Value = app.get_json(&commander, "/api/v1/economy/resumption").await;
    let was = support::expected(&app, &lo, &hi, today).await;
    assert_eq!(before["total"]["resumed"].as_i64(), Some(was.resumed));
    let own_resumed: Value = app
        .get_json(&account, &format!("/api/v1/economy/reports?date={today}"))
        .await;
    let items = own_resumed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the demo reported today: {own_resumed}");
    let resumed_now =
        ["partly_resumed", "fully_resumed"].contains(&items[0]["status"].as_str().unwrap());

    // The opposite of today's status, so the rate must move.
    let report = if resumed_now {
        json!({"enterprise_id": own, "status": "not_resumed", "on_duty": 0, "total_staff": 40,
               "returned": 4, "quarantined": 2, "planned_on": today.to_string()})
    } else {
        json!({"enterprise_id": own, "status": "fully_resumed", "on_duty": 38, "total_staff": 40,
               "returned": 4, "quarantined": 0, "capacity_pct": 75,
               "measures": ["temperature_checks", "health_records"]})
    };
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["enterprise_id"].as_i64(), Some(own));
    assert_eq!(
        saved["version"].as_i64(),
        Some(2),
        "replaced the demo's report of today"
    );
    assert_eq!(saved["area_code"].as_str(), Some(own_area.as_str()));

    let after: Value = app.get_json(&commander, "/api/v1/economy/resumption").await;
    let now = support::expected(&app, &lo, &hi, today).await;
    let moved = if resumed_now { -1 } else { 1 };
    assert_eq!(now.resumed, was.resumed + moved);
    assert_eq!(after["total"]["resumed"].as_i64(), Some(now.resumed));
    assert_eq!(after["total"]["counted"].as_i64(), Some(now.counted));
    assert_eq!(after["total"]["on_duty"].as_i64(), Some(now.on_duty));
    let rate = after["total"]["resumption_rate"].as_f64().unwrap();
    assert!(
        (rate - now.resumption_rate()).abs() < 1e-9,
        "{rate} vs {now:?}"
    );
    let figure: Value = app
        .get_json(&commander, "/api/v1/figures/economy.resumption_rate")
        .await;
    assert!((figure["value"].as_f64().unwrap() - now.resumption_rate()).abs() < 1e-9);

    // Again the same day: the report is replaced, both entries are in the audit log.
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["version"].as_i64(), Some(3));
    let rows: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM eco_reports WHERE enterprise_id = $1 AND report_on = $2")
        .bind(own).bind(today).fetch_one(pool).await)
    .unwrap();
    assert_eq!(rows, 1);
    let audited = support::scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'economy.report.replace' AND record_id = $1",
        &[&saved["id"].as_i64().unwrap().to_string()],
    )
    .await;
    assert_eq!(audited, 2);

    // Another enterprise, even in the account's own township: refused, nothing stored.
    let other: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT MIN(id) FROM enterprises WHERE id <> $1").bind(own).fetch_one(pool).await)
    .unwrap();
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&json!({"enterprise_id": other, "status": "closed", "on_duty": 0, "total_staff": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = account
        .get(app.url(&format!("/api/v1/economy/reports?enterprise_id={other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Its lists hold its own enterprise only; its rates are its own.
    let list: Value = app
        .get_json(&account, "/api/v1/economy/reports?limit=500")
        .await;
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["enterprise_id"].as_i64() == Some(own))
    );
    let mine: Value = app.get_json(&account, "/api/v1/economy/resumption").await;
    assert_eq!(mine["total"]["enterprises"].as_i64(), Some(1));
    // It cannot upload a sheet for the township's enterprises.
    let r = account
        .get(app.url("/economy/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"a,b\n".to_vec()).file_name("x.csv"),
    );
    let r = account
        .post(app.url("/economy/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn a_bad_field_is_named_and_changes_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let (own, _) = enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let stored = || async {
        support::scalar(
            &app,
            "SELECT CAST(COUNT(*) + COALESCE(SUM(version), 0) AS BIGINT) FROM eco_reports",
            &[],
        )
        .await
    };
    let before = stored().await;
    let good = json!({"enterprise_id": own, "status": "partly_resumed", "on_duty": 5,
                      "total_staff": 10, "returned": 3, "quarantined": 1, "capacity_pct": 50});
    let cases = [
        ("status", json!("reopened")),
        ("on_duty", json!(11)),
        ("returned", json!(12)),
        ("quarantined", json!(4)),
        ("capacity_pct", json!(130)),
        ("date", json!("2999-01-01")),
        ("planned_on", json!("next week")),
        ("measures", json!(["prayer"])),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let r = account
            .post(app.url("/api/v1/economy/reports"))
            .header("Accept-Language", "zh-CN")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{field}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["field"].as_str(), Some(field), "{err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(stored().await, before, "a refused report stores nothing");

    // The phone form says the same, on the field, and keeps what was typed.
    let r = account
        .post(app.url("/economy/report"))
        .form(&[
            ("status", "partly_resumed"),
            ("on_duty", "12"),
            ("total_staff", "10"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("在岗人数不能多于职工总数"), "{html}");
    assert!(html.contains("value=\"12\""));
    assert_eq!(stored().await, before);
    // And saves a good one, prefilling it next time.
    let r = account
        .post(app.url("/economy/report"))
        .form(&[
            ("status", "partly_resumed"),
            ("on_duty", "7"),
            ("total_staff", "10"),
            ("measures", "isolation_room"),
            ("measures", "emergency_plan"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = account
        .get(app.url("/economy/report"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"7\""),
        "prefilled from today's report"
    );
    assert!(html.contains("value=\"emergency_plan\" checked"));
    assert!(!html.contains("value=\"health_records\" checked"));
}

async fn reports_and_rates_stay_in_the_callers_area(backend: Backend) {
    let app = support::spawn(backend).await;
    let village = app.signed_in("v0101").await;
    let village_area = app.area_of("v0101").await;
    let (lo, hi) = domain::DivisionCode::parse(&village_area)
        .unwrap()
        .subtree_range();
    let outside: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT MIN(id) FROM enterprises WHERE area_code < $1 OR area_code >= $2")
        .bind(&lo).bind(&hi).fetch_one(pool).await)
    .unwrap();
    let body =
        json!({"enterprise_id": outside, "status": "not_resumed", "on_duty": 0, "total_staff": 5});
    let r = village
        .post(app.url("/api/v1/economy/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = village
        .post(app.url("/api/v1/economy/reports"))
        .json(
            &json!({"enterprise_id": 999_999, "status": "closed", "on_duty": 0, "total_staff": 5}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The commander reports anywhere; the industry department by its grant.
    let commander = app.signed_in("commander").await;
    let r = commander
        .post(app.url("/api/v1/economy/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let industry = app.signed_in("dept-industry").await;
    let r = industry
        .get(app.url("/api/v1/economy/resumption?by=industry"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The village's lists and rates hold its own enterprises; another area answers 403.
    let list: Value = app
        .get_json(&village, "/api/v1/economy/reports?limit=500")
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["area_code"].as_str().unwrap().starts_with(&lo))
    );
    let district = app.area_of("commander").await;
    let r = village
        .get(app.url(&format!("/api/v1/economy/resumption?area={district}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = village
        .get(app.url("/api/v1/economy/resumption?by=colour"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
