//! Checkpoint screening: one step records the person, the screening and everything the policy
//! makes follow; devices retry batches safely; bad input changes nothing; the phone form works.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_feverish_traveller_from_abroad_sets_everything_going_in_one_step,
    a_registered_person_is_found_by_document_and_the_policy_sets_the_least_decision,
    bad_input_names_its_field_and_records_nothing,
    devices_send_batches_that_are_safe_to_retry,
    the_phone_form_records_a_screening_and_shows_what_follows,
    lists_filter_by_day_origin_and_decision_within_scope,
);

/// A checkpoint in checkpoint01's township, registered by the township.
async fn checkpoint(app: &TestApp) -> (i64, String) {
    let area = app.area_of("checkpoint01").await;
    let town = app.signed_in("town01").await;
    let village: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1")
        .bind(&area).fetch_one(pool).await)
    .unwrap();
    let created: Value = town
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "卡口", "name": "高速出口测试卡口", "area_code": village}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (created["id"].as_i64().unwrap(), village)
}

/// A village of the district outside checkpoint01's township.
async fn other_village(app: &TestApp) -> String {
    app.area_of("v0201").await
}

fn traveller(place: i64, destination: &str) -> Value {
    json!({
        "place_id": place, "doc_number": "11010519491231002X", "name": "赵归国",
        "phone": "13912345678", "destination_area": destination, "destination": "幸福路8号",
        "origin": "abroad", "origin_detail": "韩国", "transport": "plane", "vehicle": "KE893",
        "temperature": 37.5, "symptoms": ["cough"]
    })
}

async fn a_feverish_traveller_from_abroad_sets_everything_going_in_one_step(backend: Backend) {
    let app = support::spawn(backend).await;
    let (place, _) = checkpoint(&app).await;
    let dest = other_village(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let before = support::count(&app, "SELECT COUNT(*) FROM tickets").await;
    let response = client
        .post(app.url("/api/v1/epidemic/screenings"))
        .json(&traveller(place, &dest))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let s: Value = response.json().await.unwrap();
    assert_eq!(s["decision"], "quarantine");
    assert_eq!(s["temperature"], 37.5);
    assert_eq!(s["symptoms"], json!(["fever", "cough"]));
    assert_eq!(s["doc_number"], "110105********002X");

    // The person is registered in the destination village.
    let (person_area, person_name): (String, String) =
        platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT area_code, name FROM persons WHERE doc_number = '11010519491231002X'")
        .fetch_one(pool).await)
        .unwrap();
    assert_eq!(person_area, dest);
    assert_eq!(person_name, "赵归国");
    assert!(s["person_id"].as_i64().is_some());

    // A key person, inbound, managed by the destination's grid worker.
    let kp = s["key_person_id"].as_i64().expect("a key person");
    let (category, status, area): (String, String, String) =
        platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT category, status, area_code FROM epi_key_persons WHERE id = $1")
        .bind(kp).fetch_one(pool).await)
        .unwrap();
    assert_eq!((category.as_str(), status.as_str()), ("inbound", "managed"));
    assert_eq!(area, dest);

    // A centralized quarantine referral, planned for the policy's 14 days.
    let order = s["quarantine_order_id"]
        .as_i64()
        .expect("a quarantine referral");
    let (kind, ostatus): (String, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT kind, status FROM epi_quarantine_orders WHERE id = $1")
        .bind(order).fetch_one(pool).await)
    .unwrap();
    assert_eq!(
        (kind.as_str(), ostatus.as_str()),
        ("centralized", "referred")
    );
    assert!(s["test_requirement_id"].as_i64().is_some());

    // An urgent alarm ticket about the person, in the destination.
    let ticket = s["ticket_id"].as_i64().expect("an urgent ticket");
    let t: Value = app
        .get_json(
            &app.signed_in("admin").await,
            &format!("/api/v1/tickets/{ticket}"),
        )
        .await;
    assert_eq!(t["ticket"]["kind"], "epidemic.alarm");
    assert_eq!(t["ticket"]["priority"], "urgent");
    assert_eq!(t["ticket"]["area_code"], dest);
    assert!(t["ticket"]["title"].as_str().unwrap().contains("37.5"));
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM tickets").await,
        before + 1
    );
    // One audit entry for the screening, one for the person, one for the ticket.
    assert_eq!(
        support::count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'epidemic.screening.create'"
        )
        .await,
        1
    );
}

async fn a_registered_person_is_found_by_document_and_the_policy_sets_the_least_decision(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let (place, village) = checkpoint(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let (id, doc): (i64, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT id, doc_number FROM persons WHERE doc_type = 'resident_id' ORDER BY id LIMIT 1")
        .fetch_one(pool).await)
    .unwrap();
    let persons = support::count(&app, "SELECT COUNT(*) FROM persons").await;
    let known: Value = app
        .get_json(
            &client,
            &format!("/api/v1/epidemic/screenings/lookup?doc_number={doc}"),
        )
        .await;
    assert_eq!(known["registered"], true);
    let s: Value = client
        .post(app.url("/api/v1/epidemic/screenings"))
        .json(&json!({"place_id": place, "doc_number": doc.to_lowercase(), "destination_area": village,
            "origin": "domestic_risk", "transport": "car", "temperature": "36.6"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["person_id"], id);
    assert_eq!(s["decision"], "testing");
    assert!(s["quarantine_order_id"].is_null());
    assert!(s["ticket_id"].is_null());
    assert!(s["test_requirement_id"].as_i64().is_some());
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM persons").await,
        persons
    );

    // A local traveller without findings passes and nothing follows.
    let s: Value = client
        .post(app.url("/api/v1/epidemic/screenings"))
        .json(
            &json!({"place_id": place, "doc_number": doc, "destination_area": village,
            "origin": "other", "transport": "bus", "temperature": 36.4}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["decision"], "pass");
    assert!(s["test_requirement_id"].is_null());
}

async fn bad_input_names_its_field_and_records_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let (place, village) = checkpoint(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let persons = support::count(&app, "SELECT COUNT(*) FROM persons").await;
    let screenings = support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await;
    let good = traveller(place, &village);
    let cases = [
        ("temperature", json!("hot")),
        ("temperature", json!(45)),
        ("origin", json!("mars")),
        ("transport", json!("rocket")),
        ("symptoms", json!(["sneezing"])),
        ("decision", json!("pass")),
        ("doc_number", json!("110105194912310022")),
        ("destination_area", json!("110105001001")),
        ("place_id", json!(999999)),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let response = client
            .post(app.url("/api/v1/epidemic/screenings"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    // A new person without a name.
    let mut body = good.clone();
    body["name"] = Value::Null;
    let response = client
        .post(app.url("/api/v1/epidemic/screenings"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["field"], "name");
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await,
        screenings
    );
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM persons").await,
        persons
    );
    // A village worker holds the module but not a checkpoint of that township.
    let other = app.signed_in("v0201").await;
    let response = other
        .post(app.url("/api/v1/epidemic/screenings"))
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

async fn devices_send_batches_that_are_safe_to_retry(backend: Backend) {
    let app = support::spawn(backend).await;
    let (place, village) = checkpoint(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let screenings = support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await;
    let mut items = Vec::new();
    for i in 0..5 {
        let mut item = traveller(place, &village);
        item["idempotency_key"] = json!(format!("gate-7-{i}"));
        item["doc_number"] = json!(format!("G{:08}", 12345670 + i));
        item["origin"] = json!("other");
        item["temperature"] = json!(36.5);
        item["symptoms"] = json!([]);
        item["name"] = json!(format!("旅客{i}"));
        items.push(item);
    }
    items[3]["temperature"] = json!("cold");
    let batch = json!({"device": "gate-7", "items": items});
    let first: Value = client
        .post(app.url("/api/v1/epidemic/screenings/batch"))
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["created", "created", "created", "rejected", "created"]
    );
    assert_eq!(first[3]["error"]["error"]["field"], "temperature");
    let again: Value = client
        .post(app.url("/api/v1/epidemic/screenings/batch"))
        .json(&batch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "duplicate",
            "duplicate",
            "duplicate",
            "rejected",
            "duplicate"
        ]
    );
    assert_eq!(again[0]["id"], first[0]["id"]);
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await,
        screenings + 4
    );
    let device: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT device FROM epi_screenings ORDER BY id DESC LIMIT 1").fetch_one(pool).await)
    .unwrap();
    assert_eq!(device, "gate-7");
    // An empty batch is refused as a whole.
    let response = client
        .post(app.url("/api/v1/epidemic/screenings/batch"))
        .json(&json!({"items": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

async fn the_phone_form_records_a_screening_and_shows_what_follows(backend: Backend) {
    let app = support::spawn(backend).await;
    let (place, village) = checkpoint(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let screenings = support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await;
    let form = client
        .get(app.url("/epidemic/screen"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("高速出口测试卡口"));
    assert!(form.contains("name=\"idempotency_key\""));
    let body = format!(
        "place_id={place}&doc_number=11010519491231002X&name=%E8%B5%B5%E5%BD%92%E5%9B%BD&destination_area={village}\
         &origin=abroad&transport=plane&temperature=37.5&symptoms=cough&symptoms=fatigue&decision=&idempotency_key=form-1"
    );
    let response = client
        .post(app.url("/epidemic/screen"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/epidemic/screenings/"), "{location}");
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("登记成功"), "{page}");
    assert!(page.contains("已纳入重点人员管理"));
    assert!(page.contains("已转隔离，待入住"));
    assert!(page.contains("已派发紧急工单"));
    assert!(page.contains("咳嗽、乏力") || page.contains("发热、咳嗽、乏力"));
    // The same form sent twice records once.
    client
        .post(app.url("/epidemic/screen"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_screenings").await,
        screenings + 1
    );
    // A bad temperature answers the form again with the message and the values kept.
    let response = client
        .post(app.url("/epidemic/screen"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("place_id={place}&doc_number=11010519491231002X&destination_area={village}&origin=other&transport=car&temperature=99"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("体温应为"));
    assert!(page.contains("value=\"11010519491231002X\""));
    // The lookup line under the document field.
    let line = client
        .get(app.url("/epidemic/screen/lookup?doc_number=11010519491231002X"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(line.contains("赵归国"), "{line}");
}

async fn lists_filter_by_day_origin_and_decision_within_scope(backend: Backend) {
    let app = support::spawn(backend).await;
    let (place, village) = checkpoint(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let far = other_village(&app).await;
    for (doc, origin, dest) in [
        ("P0000001", "abroad", village.as_str()),
        ("P0000002", "other", village.as_str()),
        ("P0000003", "other", far.as_str()),
    ] {
        let mut body = traveller(place, dest);
        body["doc_number"] = json!(doc);
        body["origin"] = json!(origin);
        body["temperature"] = json!(36.5);
        body["symptoms"] = json!([]);
        let r = client
            .post(app.url("/api/v1/epidemic/screenings"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let all: Value = app
        .get_json(
            &client,
            &format!("/api/v1/epidemic/screenings?place_id={place}"),
        )
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let abroad: Value = app
        .get_json(
            &client,
            &format!("/api/v1/epidemic/screenings?origin=abroad&place_id={place}"),
        )
        .await;
    assert_eq!(abroad["items"].as_array().unwrap().len(), 1);
    let passed: Value = app
        .get_json(
            &client,
            &format!("/api/v1/epidemic/screenings?decision=pass&limit=1&place_id={place}"),
        )
        .await;
    assert_eq!(passed["items"].as_array().unwrap().len(), 1);
    let cursor = passed["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get_json(
            &client,
            &format!(
                "/api/v1/epidemic/screenings?decision=pass&limit=1&place_id={place}&cursor={cursor}"
            ),
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    // The far village sees the traveller heading to it, and only that one.
    let far_user = app.signed_in("v0201").await;
    let theirs: Value = app
        .get_json(
            &far_user,
            &format!("/api/v1/epidemic/screenings?place_id={place}"),
        )
        .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["items"][0]["destination_area"], far);
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .with_timezone(&domain::dates::china_offset())
        .date_naive();
    let none: Value = app
        .get_json(
            &client,
            &format!(
                "/api/v1/epidemic/screenings?from={yesterday}&to={yesterday}&place_id={place}"
            ),
        )
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let page = client
        .get(app.url("/epidemic/screenings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("高速出口测试卡口"));
    assert!(!page.contains("11010519491231002X"));
}
