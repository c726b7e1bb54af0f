//! `GET /api/v1/calendar/add-working-days` as a client uses it: the official calendar with the
//! 2020 Spring Festival extension and 调休 Saturdays, backwards counting, validation messages, a
//! calendar file that adds 2027 (and the assumed weekdays before it does), and sign-in required.

use serde_json::Value;
use testkit::{AppBuilder, Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    the_extended_2020_spring_festival_and_national_day_are_respected,
    counting_goes_backwards_with_negative_days,
    bad_dates_and_day_counts_are_refused_with_a_message,
    a_calendar_file_adding_2027_changes_the_answer_for_2027,
    only_signed_in_users_may_ask,
);

async fn ask(client: &reqwest::Client, app: &TestApp, query: &str) -> (u16, Value) {
    let response = client
        .get(app.url(&format!("/api/v1/calendar/add-working-days?{query}")))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn date(client: &reqwest::Client, app: &TestApp, from: &str, days: i64) -> (String, bool) {
    let (status, body) = ask(client, app, &format!("from={from}&days={days}")).await;
    assert_eq!(status, 200, "{from} {days}: {body}");
    (
        body["date"].as_str().unwrap().to_string(),
        body["covered"].as_bool().unwrap(),
    )
}

async fn the_extended_2020_spring_festival_and_national_day_are_respected(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    // The Spring Festival holiday of 2020 was extended to 2 February.
    assert_eq!(
        date(&client, &app, "2020-01-23", 1).await,
        ("2020-02-03".into(), true)
    );
    // National Day and Mid-Autumn 2020: 1–8 October off, Saturday 10 October a working day.
    assert_eq!(
        date(&client, &app, "2020-09-30", 3).await,
        ("2020-10-12".into(), true)
    );
    assert_eq!(
        date(&client, &app, "2020-10-09", 1).await,
        ("2020-10-10".into(), true)
    );
    // An ordinary Saturday is not a working day; 0 days moves off a holiday.
    assert_eq!(
        date(&client, &app, "2020-10-16", 1).await,
        ("2020-10-19".into(), true)
    );
    assert_eq!(
        date(&client, &app, "2020-10-01", 0).await,
        ("2020-10-09".into(), true)
    );
}

async fn counting_goes_backwards_with_negative_days(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("admin").await;
    assert_eq!(
        date(&client, &app, "2020-02-03", -1).await,
        ("2020-01-23".into(), true)
    );
    assert_eq!(
        date(&client, &app, "2020-10-12", -3).await,
        ("2020-09-30".into(), true)
    );
    // Ten years back is allowed; the answer lies before the shipped years.
    let (_, covered) = date(&client, &app, "2020-01-02", -3650).await;
    assert!(!covered);
}

async fn bad_dates_and_day_counts_are_refused_with_a_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let cases = [
        ("from=2020-13-01&days=1", "from", "YYYY-MM-DD"),
        ("from=2020-02-30&days=1", "from", "YYYY-MM-DD"),
        ("from=23/01/2020&days=1", "from", "YYYY-MM-DD"),
        ("days=1", "from", "YYYY-MM-DD"),
        ("from=2020-01-23&days=abc", "days", "整数"),
        ("from=2020-01-23&days=1.5", "days", "整数"),
        ("from=2020-01-23", "days", "整数"),
        ("from=2020-01-23&days=3651", "days", "3650"),
        ("from=2020-01-23&days=-3651", "days", "3650"),
        ("from=2020-01-23&days=-9223372036854775808", "days", "3650"),
    ];
    for (query, field, message) in cases {
        let (status, body) = ask(&client, &app, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
        let text = body["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{query}: {text}");
    }
}

const CALENDAR_2027: &str = r#"{"years": {"2027": {
    "holidays": [
        {"date": "2027-01-01", "name": "元旦"},
        {"date": "2027-01-02", "name": "元旦"},
        {"date": "2027-01-03", "name": "元旦"}
    ],
    "workdays": [{"date": "2027-01-09"}]
}}}"#;

async fn a_calendar_file_adding_2027_changes_the_answer_for_2027(backend: Backend) {
    // Without the 2027 notice, weekdays are assumed and the answer says so.
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    assert_eq!(
        date(&client, &app, "2026-12-31", 1).await,
        ("2027-01-01".into(), false)
    );
    assert_eq!(
        date(&client, &app, "2027-01-08", 1).await,
        ("2027-01-11".into(), false)
    );
    drop(app);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cn-holidays-2027.json");
    std::fs::write(&file, CALENDAR_2027).unwrap();
    let app = AppBuilder::new(backend)
        .configure(move |config| config.calendar_file = Some(file))
        .spawn()
        .await;
    assert_eq!(
        app.state.calendar().years().collect::<Vec<_>>(),
        (2019..=2027).collect::<Vec<_>>()
    );
    let client = app.signed_in("town01").await;
    assert_eq!(
        date(&client, &app, "2026-12-31", 1).await,
        ("2027-01-04".into(), true)
    );
    // Saturday 9 January 2027 is a make-up working day in this file.
    assert_eq!(
        date(&client, &app, "2027-01-08", 1).await,
        ("2027-01-09".into(), true)
    );
    // The shipped years are untouched.
    assert_eq!(
        date(&client, &app, "2020-01-23", 1).await,
        ("2020-02-03".into(), true)
    );
}

async fn only_signed_in_users_may_ask(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = ask(&app.client(), &app, "from=2020-01-23&days=1").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(body.get("date").is_none());
}
