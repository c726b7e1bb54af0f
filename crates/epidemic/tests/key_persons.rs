//! Key persons: put under management by hand or by a screening, listed and filtered in scope,
//! changed with a version check, every change in the history and the audit log.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, backend_tests};

backend_tests!(
    a_person_is_put_under_management_changed_and_ended_with_history,
    bad_input_and_stale_versions_change_nothing,
    lists_filter_by_category_and_status_in_scope_and_the_pages_show_them,
);

async fn registered_in(app: &testkit::TestApp, username: &str) -> (i64, String) {
    let area = app.area_of(username).await;
    let hi = format!("{area}:");
    platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT id, doc_number FROM persons WHERE area_code >= $1 AND area_code < $2 \
         AND id NOT IN (SELECT person_id FROM epi_key_persons WHERE status <> 'ended') ORDER BY id LIMIT 1")
        .bind(&area).bind(&hi).fetch_one(pool).await).unwrap()
}

async fn a_person_is_put_under_management_changed_and_ended_with_history(backend: Backend) {
    let app = support::spawn(backend).await;
    let client = app.signed_in("v0101").await;
    let (id, doc) = registered_in(&app, "v0101").await;
    let exposure = crate_today().pred_opt().unwrap();
    let response = client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(
            &json!({"doc_number": doc, "category": "close_contact", "reason": "与病例同乘K123次",
            "exposure_on": exposure.to_string()}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let k: Value = response.json().await.unwrap();
    assert_eq!(k["person_id"], id);
    assert_eq!(k["status"], "managed");
    // 14 days from exposure under the default policy.
    assert_eq!(k["ends_on"], (exposure + chrono::Days::new(14)).to_string());
    assert!(!k["doc_number"].as_str().unwrap().contains(&doc[6..14]));
    let kid = k["id"].as_i64().unwrap();

    // The same person again is a conflict.
    let again = client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": id, "category": "observation", "reason": "重复"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);

    let act = |body: Value| {
        let client = client.clone();
        let url = app.url(&format!("/api/v1/epidemic/key-persons/{kid}/actions"));
        async move { client.post(url).json(&body).send().await.unwrap() }
    };
    let r = act(json!({"action": "category", "version": 1, "category": "secondary_contact", "reason": "流调核实"})).await;
    assert_eq!(r.status(), 200);
    let ends = (crate_today() + chrono::Days::new(30)).to_string();
    let r = act(json!({"action": "extend", "version": 2, "ends_on": ends, "reason": "复核"})).await;
    assert_eq!(r.status(), 200);
    let r = act(json!({"action": "end", "version": 3, "reason": "期满解除"})).await;
    assert_eq!(r.status(), 200);
    let ended: Value = r.json().await.unwrap();
    assert_eq!(ended["status"], "ended");
    let detail: Value = app
        .get_json(&client, &format!("/api/v1/epidemic/key-persons/{kid}"))
        .await;
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["open", "category", "extend", "end"]);
    assert_eq!(detail["history"][1]["to_category"], "secondary_contact");
    assert_eq!(detail["history"][3]["note"], "期满解除");
    assert_eq!(
        support::count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'epidemic.key_person.%'"
        )
        .await,
        4
    );
    // Ended: no more changes, and the person may be managed again.
    let r = act(json!({"action": "end", "version": 4, "reason": "再次"})).await;
    assert_eq!(r.status(), 409);
    let r = client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": id, "category": "observation", "reason": "再次观察"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

fn crate_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&domain::dates::china_offset())
        .date_naive()
}

async fn bad_input_and_stale_versions_change_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let client = app.signed_in("v0101").await;
    let (id, _) = registered_in(&app, "v0101").await;
    let (far, _) = registered_in(&app, "v0201").await;
    let before = support::count(&app, "SELECT COUNT(*) FROM epi_key_persons").await;
    let tomorrow = (crate_today() + chrono::Days::new(1)).to_string();
    for (body, field) in [
        (
            json!({"person_id": id, "category": "alien", "reason": "x"}),
            "category",
        ),
        (
            json!({"person_id": id, "category": "inbound", "reason": " "}),
            "reason",
        ),
        (
            json!({"person_id": id, "category": "inbound", "reason": "x", "exposure_on": "yesterday"}),
            "exposure_on",
        ),
        (
            json!({"person_id": id, "category": "inbound", "reason": "x", "exposure_on": tomorrow}),
            "exposure_on",
        ),
        (
            json!({"person_id": far, "category": "inbound", "reason": "x"}),
            "person_id",
        ),
        (json!({"category": "inbound", "reason": "x"}), "person_id"),
    ] {
        let r = client
            .post(app.url("/api/v1/epidemic/key-persons"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], field, "{body}");
    }
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_key_persons").await,
        before
    );
    let k: Value = client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": id, "category": "inbound", "reason": "返乡"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/epidemic/key-persons/{}/actions", k["id"]));
    let stale = client
        .post(&url)
        .json(&json!({"action": "category", "version": 7, "category": "case", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let earlier = client
        .post(&url)
        .json(&json!({"action": "extend", "version": 1, "ends_on": "2020-01-01", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(earlier.status(), 422);
    let detail: Value = app
        .get_json(
            &client,
            &format!("/api/v1/epidemic/key-persons/{}", k["id"]),
        )
        .await;
    assert_eq!(detail["key_person"]["category"], "inbound");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    // Another township's record does not exist for this village.
    let other = app.signed_in("v0201").await;
    let r = other
        .get(app.url(&format!("/api/v1/epidemic/key-persons/{}", k["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn lists_filter_by_category_and_status_in_scope_and_the_pages_show_them(backend: Backend) {
    let app = support::spawn(backend).await;
    let client = app.signed_in("v0101").await;
    let (a, _) = registered_in(&app, "v0101").await;
    client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": a, "category": "close_contact", "reason": "同餐"}))
        .send()
        .await
        .unwrap();
    let (b, _) = registered_in(&app, "v0101").await;
    client
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": b, "category": "inbound", "reason": "返乡"}))
        .send()
        .await
        .unwrap();
    let contacts: Value = app
        .get_json(
            &client,
            "/api/v1/epidemic/key-persons?category=close_contact",
        )
        .await;
    assert!(
        contacts["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["category"] == "close_contact")
    );
    assert!(
        contacts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["person_id"] == a)
    );
    let area = app.area_of("v0101").await;
    let everyone: Value = app
        .get_json(&client, "/api/v1/epidemic/key-persons?status=all&limit=500")
        .await;
    assert!(
        everyone["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["area_code"].as_str().unwrap().starts_with(&area))
    );
    let bad = client
        .get(app.url("/api/v1/epidemic/key-persons?status=gone"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let page = client
        .get(app.url("/epidemic/key-persons?category=close_contact"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("密切接触者"));
    let id = contacts["items"][0]["id"].as_i64().unwrap();
    let detail = client
        .get(app.url(&format!("/epidemic/key-persons/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("纳入管理"));
    assert!(detail.contains("同餐"));
    // The page form changes the category and redirects with a message.
    let version = contacts["items"][0]["version"].as_i64().unwrap();
    let r = client
        .post(app.url(&format!("/epidemic/key-persons/{id}/act")))
        .form(&[
            ("action", "category"),
            ("version", &version.to_string()),
            ("category", "secondary_contact"),
            ("reason", "核实"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A form without a reason answers the page with the message.
    let r = client
        .post(app.url(&format!("/epidemic/key-persons/{id}/act")))
        .form(&[
            ("action", "end"),
            ("version", &(version + 1).to_string()),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写原因"));
    // The page refers the person to home quarantine; the page then links the order.
    let r = client
        .post(app.url(&format!("/epidemic/key-persons/{id}/quarantine")))
        .form(&[("kind", "home"), ("reason", "密接居家隔离")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/epidemic/quarantine/orders/"),
        "{location}"
    );
    let (kind, status): (String, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT o.kind, o.status FROM epi_quarantine_orders o JOIN epi_key_persons k \
         ON k.person_id = o.person_id WHERE k.id = $1")
        .bind(id).fetch_one(pool).await)
    .unwrap();
    assert_eq!((kind.as_str(), status.as_str()), ("home", "referred"));
    let detail = client
        .get(app.url(&format!("/epidemic/key-persons/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("查看隔离单"));
}
