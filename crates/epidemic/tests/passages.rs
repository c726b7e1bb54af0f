//! Passages through the real server on both backends: device batches answer each item and are
//! safe to retry (one audit entry per batch, never per passage); the table refuses changes; the
//! phone form records and remembers the place; lists are per place, paged and masked; a writer
//! that ended after its idle time is replaced by the next request, losing nothing.

mod support;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use testkit::sheets::Rng;
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    device_batches_answer_each_item_and_are_safe_to_retry,
    passages_cannot_be_changed_or_deleted,
    the_phone_form_records_a_passage_and_remembers_the_place,
    lists_are_per_place_paged_and_masked,
    a_writer_that_went_idle_is_replaced_and_loses_nothing,
);

async fn venue(app: &TestApp) -> i64 {
    let area = app.area_of("checkpoint01").await;
    let town = app.signed_in("town01").await;
    let village: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1")
        .bind(&area).fetch_one(pool).await)
    .unwrap();
    let created: Value = town
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "场所", "name": "同心超市", "area_code": village}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["id"].as_i64().unwrap()
}

const PASSAGES: &str = "SELECT COUNT(*) FROM epi_passages";
const PERSONS: &str = "SELECT COUNT(*) FROM persons";
const INGESTS: &str = "SELECT COUNT(*) FROM audit_log WHERE action = 'epidemic.passages.ingest'";

async fn device_batches_answer_each_item_and_are_safe_to_retry(backend: Backend) {
    let app = support::spawn(backend).await;
    let place = venue(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let mut rng = Rng::new(3);
    let known = testkit::sheets::person(&mut rng, 7001);
    let stranger = testkit::sheets::person(&mut rng, 7002);
    let at = (Utc::now() - Duration::minutes(30)).to_rfc3339();
    let batch = json!({"device": "东门闸机", "place_id": place, "items": [
        {"event_key": "e1", "doc_number": known.id, "name": known.name, "at": at, "direction": "in"},
        {"event_key": "e2", "doc_number": known.id, "at": at, "direction": "out", "method": "code_scan"},
        {"event_key": "e3", "doc_number": stranger.id, "at": at, "direction": "in"},
        {"event_key": "e4", "doc_number": known.id, "at": at, "direction": "sideways"},
        {"event_key": "e5", "doc_number": known.id, "at": (Utc::now() + Duration::hours(2)).to_rfc3339(), "direction": "in"},
        {"event_key": "e6", "doc_number": known.id, "at": at, "direction": "in", "place_id": 999999},
    ]});
    let (passages, persons, ingests) = (
        support::count(&app, PASSAGES).await,
        support::count(&app, PERSONS).await,
        support::count(&app, INGESTS).await,
    );
    let send = || async {
        let r = client
            .post(app.url("/api/v1/epidemic/passages/batch"))
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    };
    let first = send().await;
    let status: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        [
            "created", "created", "rejected", "rejected", "rejected", "rejected"
        ]
    );
    let field = |i: usize| {
        first["items"][i]["error"]["error"]["field"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        [field(2), field(3), field(4), field(5)],
        ["doc_number", "direction", "at", "place_id"]
    );
    // The unknown document without a name was refused; the known one was registered once.
    assert_eq!(support::count(&app, PERSONS).await, persons + 1);
    assert_eq!(support::count(&app, PASSAGES).await, passages + 2);
    assert_eq!(support::count(&app, INGESTS).await, ingests + 1);
    let retry = send().await;
    assert_eq!(retry["created"], 0);
    assert_eq!(retry["duplicates"], 2);
    assert_eq!(retry["items"][0]["id"], first["items"][0]["id"]);
    assert_eq!(retry["items"][1]["id"], first["items"][1]["id"]);
    assert_eq!(support::count(&app, PASSAGES).await, passages + 2);
    // Concurrent single passages share commits, and each is answered with its own id.
    let mut handles = Vec::new();
    for i in 0..24 {
        let client = client.clone();
        let url = app.url("/api/v1/epidemic/passages");
        let body = json!({"event_key": format!("single-{i}"), "doc_number": known.id,
                          "place_id": place, "at": at, "direction": "in"});
        handles.push(tokio::spawn(async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24);
    assert_eq!(support::count(&app, PASSAGES).await, passages + 26);
    // A malformed batch records nothing.
    let r = client
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": "", "items": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(support::count(&app, PASSAGES).await, passages + 26);
    // The same event twice in one batch is stored once; the second is answered as its duplicate.
    let item = json!({"event_key": "twice", "doc_number": known.id, "at": at, "direction": "out"});
    let twice: Value = client
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": "gate-twice", "place_id": place, "items": [item, item]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (twice["created"].as_u64(), twice["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(twice["items"][0]["id"], twice["items"][1]["id"]);
    assert_eq!(support::count(&app, PASSAGES).await, passages + 27);
    // Every batch's audit entry joined the chain.
    assert!(matches!(
        platform::audit::verify(&app.db).await.unwrap(),
        platform::audit::Verdict::Intact { .. }
    ));
}

async fn passages_cannot_be_changed_or_deleted(backend: Backend) {
    let app = support::spawn(backend).await;
    let place = venue(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let mut rng = Rng::new(4);
    let p = testkit::sheets::person(&mut rng, 7101);
    let r = client
        .post(app.url("/api/v1/epidemic/passages"))
        .json(
            &json!({"event_key": "x1", "doc_number": p.id, "name": p.name, "place_id": place,
                      "at": Utc::now().to_rfc3339(), "direction": "in"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let update = platform::with_db!(&app.db, pool => sqlx::query("UPDATE epi_passages SET direction = 'out'").execute(pool).await.map(|_| ()));
    assert!(update.is_err());
    let delete = platform::with_db!(&app.db, pool => sqlx::query("DELETE FROM epi_passages").execute(pool).await.map(|_| ()));
    assert!(delete.is_err());
    assert!(support::count(&app, PASSAGES).await >= 1);
}

async fn the_phone_form_records_a_passage_and_remembers_the_place(backend: Backend) {
    let app = support::spawn(backend).await;
    let place = venue(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let form = client
        .get(app.url("/epidemic/passages/record"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("同心超市"));
    let mut rng = Rng::new(5);
    let p = testkit::sheets::person(&mut rng, 7201);
    let passages = support::count(&app, PASSAGES).await;
    // Unknown and no name: the form again, with the error at the document, nothing recorded.
    let r = client
        .post(app.url("/epidemic/passages/record"))
        .form(&[
            ("place_id", place.to_string()),
            ("direction", "in".into()),
            ("doc_number", p.id.clone()),
            ("event_key", "form-1".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写姓名"));
    assert_eq!(support::count(&app, PASSAGES).await, passages);
    let r = client
        .post(app.url("/epidemic/passages/record"))
        .form(&[
            ("place_id", place.to_string()),
            ("direction", "out".into()),
            ("doc_number", p.id.clone()),
            ("name", p.name.clone()),
            ("event_key", "form-2".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains(&format!("place_id={place}")) && to.contains("direction=out"));
    assert_eq!(support::count(&app, PASSAGES).await, passages + 1);
    let again = client.get(app.url(&to)).send().await.unwrap();
    let html = again.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"value="{place}" selected"#)),
        "the place is remembered"
    );
}

async fn lists_are_per_place_paged_and_masked(backend: Backend) {
    let app = support::spawn(backend).await;
    let place = venue(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let mut rng = Rng::new(6);
    let p = testkit::sheets::person(&mut rng, 7301);
    let at = Utc::now() - Duration::hours(1);
    let items: Vec<Value> = (0..5)
        .map(|i| {
            json!({"event_key": format!("l{i}"), "doc_number": p.id, "name": p.name,
                        "at": (at + Duration::minutes(i)).to_rfc3339(),
                        "direction": if i % 2 == 0 { "in" } else { "out" }})
        })
        .collect();
    let r = client
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": "reader-1", "place_id": place, "items": items}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get_json(
                &client,
                &format!("/api/v1/epidemic/passages?place_id={place}&limit=2{cursor}"),
            )
            .await;
        for item in page["items"].as_array().unwrap() {
            let doc = item["doc_number"].as_str().unwrap();
            assert!(doc.contains('*') && !doc.contains(&p.id), "masked: {doc}");
            seen.push(item["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
    let html = client
        .get(app.url(&format!("/epidemic/passages?place_id={place}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("同心超市") && !html.contains(&p.id));
}

async fn a_writer_that_went_idle_is_replaced_and_loses_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let place = venue(&app).await;
    let client = app.signed_in("checkpoint01").await;
    let person: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT id FROM persons ORDER BY id LIMIT 1").fetch_one(pool).await)
    .unwrap();
    let passages = support::count(&app, PASSAGES).await;
    let send = |key: String| {
        let (client, url) = (client.clone(), app.url("/api/v1/epidemic/passages"));
        async move {
            let body = json!({"event_key": key, "place_id": place, "person_id": person,
                              "at": Utc::now().to_rfc3339(), "direction": "in"});
            client.post(url).json(&body).send().await.unwrap().status()
        }
    };
    assert_eq!(send("before".into()).await, 201);
    // The SQLite writer's thread ends after this long without work.
    tokio::time::sleep(epidemic::passages::writer::IDLE + std::time::Duration::from_secs(1)).await;
    let answers = futures::future::join_all((0..20).map(|i| send(format!("after-{i}")))).await;
    assert!(answers.iter().all(|s| *s == 201), "{answers:?}");
    assert_eq!(support::count(&app, PASSAGES).await, passages + 21);
}
