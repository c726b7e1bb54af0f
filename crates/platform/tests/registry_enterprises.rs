//! The enterprise registry through the API and the pages: registration with a masked contact
//! phone, pilot credit codes accepted with a warning, bad and duplicate codes, search by full
//! code, keyset pages over the demo enterprises, area scope, versioned updates, and the pages.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    an_enterprise_registers_and_comes_back_with_its_phone_masked,
    a_pilot_code_is_accepted_with_a_warning_and_bad_or_duplicate_codes_are_refused,
    a_full_credit_code_finds_its_enterprise,
    lists_page_by_keyset_over_the_demo_enterprises,
    a_township_sees_only_its_own_enterprises,
    updates_need_the_current_version,
    the_pages_list_show_and_register_enterprises,
);

/// A valid code with its check character.
const USCC: &str = "91350100M000100Y43";
const PILOT: &str = "91350100M0001TGQXM";

async fn area_of(app: &TestApp, user: &str) -> String {
    let client = app.signed_in(user).await;
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["area_code"].as_str().unwrap().to_string()
}

async fn register(client: &reqwest::Client, app: &TestApp, body: Value) -> reqwest::Response {
    client
        .post(app.url("/api/v1/enterprises"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn enterprise(uscc: &str, area: &str) -> Value {
    json!({
        "uscc": uscc, "name": "同心区顺达机械制造有限公司", "industry": "制造业",
        "above_size": true, "employees": 120, "legal_rep": "王伟",
        "contact_phone": "13812345678", "address": "工业路1号", "area_code": area
    })
}

async fn an_enterprise_registers_and_comes_back_with_its_phone_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = area_of(&app, "town01").await;
    let client = app.signed_in("town01").await;
    let code = domain::Uscc::from_parts(&USCC[..17]).unwrap();
    let response = register(
        &client,
        &app,
        enterprise(&code.as_str().to_lowercase(), &area),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let e = &body["enterprise"];
    assert_eq!(e["uscc"], code.as_str());
    assert_eq!(e["industry"], "C");
    assert_eq!(e["industry_name"], "制造业");
    assert_eq!(e["above_size"], true);
    assert_eq!(e["employees"], 120);
    assert_eq!(e["contact_phone"], "138****5678");
    assert_eq!(e["created_by"], "town01");
    assert_eq!(body["warnings"], json!([]));
    assert!(!body.to_string().contains("13812345678"));
    let id = e["id"].as_i64().unwrap();
    let again: Value = client
        .get(app.url(&format!("/api/v1/enterprises/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["contact_phone"], "138****5678");
    const AUDITED: &str =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.enterprise.create'";
    let audited: i64 =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(AUDITED).fetch_one(pool).await)
            .unwrap();
    assert_eq!(audited, 1);
}

async fn a_pilot_code_is_accepted_with_a_warning_and_bad_or_duplicate_codes_are_refused(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let area = area_of(&app, "town01").await;
    let client = app.signed_in("town01").await;
    let response = register(&client, &app, enterprise(PILOT, &area)).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let warnings = body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{body}");
    assert!(warnings[0].as_str().unwrap().contains("校验位"));
    let again = register(&client, &app, enterprise(PILOT, &area)).await;
    assert_eq!(again.status(), 409);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"]["field"], "uscc");
    for (bad, field) in [
        (json!({"uscc": "91350100M0001"}), "uscc"),
        (json!({"uscc": "91350100M0001TGQXI"}), "uscc"),
        (json!({"name": ""}), "name"),
        (json!({"industry": "Z"}), "industry"),
        (json!({"employees": -1}), "employees"),
        (json!({"contact_phone": "12345"}), "contact_phone"),
        (json!({"area_code": "990102"}), "area_code"),
    ] {
        let mut body = enterprise(USCC, &area);
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = register(&client, &app, body).await;
        assert_eq!(response.status(), 422, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field);
    }
}

async fn a_full_credit_code_finds_its_enterprise(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = area_of(&app, "town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, enterprise(PILOT, &area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["enterprise"]["id"].as_i64().unwrap();
    let found: Value = client
        .get(app.url(&format!("/api/v1/enterprises?q={}", PILOT.to_lowercase())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    let by_name: Value = client
        .get(app.url("/api/v1/enterprises?q=同心区顺达机械"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        by_name["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id)
    );
}

async fn lists_page_by_keyset_over_the_demo_enterprises(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "3".to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page: Value = admin
            .get(app.url("/api/v1/enterprises"))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["items"].as_array().unwrap() {
            let code = domain::Uscc::parse(e["uscc"].as_str().unwrap()).unwrap();
            assert!(code.checksum_ok(), "demo codes are valid: {code}");
            seen.push(e["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in id order, no repeats");
    assert_eq!(seen.len(), 10, "the tiny district holds 10 enterprises");
    let manufacturing: Value = admin
        .get(app.url("/api/v1/enterprises?industry=C&limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        manufacturing["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["industry"] == "C")
    );
    let above: Value = admin
        .get(app.url("/api/v1/enterprises?above_size=true&limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        above["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["above_size"] == true)
    );
    assert_eq!(
        admin
            .get(app.url("/api/v1/enterprises?industry=Z"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}

async fn a_township_sees_only_its_own_enterprises(backend: Backend) {
    let app = spawn_app(backend).await;
    let mine = area_of(&app, "town01").await;
    let theirs = area_of(&app, "town02").await;
    assert_ne!(mine, theirs);
    let admin = app.signed_in("admin").await;
    let other: Value = admin
        .get(app.url(&format!("/api/v1/enterprises?area={theirs}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other_id = other["items"][0]["id"]
        .as_i64()
        .expect("the demo puts enterprises in every township");
    let town = app.signed_in("town01").await;
    assert_eq!(
        town.get(app.url(&format!("/api/v1/enterprises?area={theirs}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        town.get(app.url(&format!("/api/v1/enterprises/{other_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        town.patch(app.url(&format!("/api/v1/enterprises/{other_id}")))
            .json(&json!({"version": 1, "name": "改名"}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        register(&town, &app, enterprise(PILOT, &theirs))
            .await
            .status(),
        403
    );
    let listed: Value = town
        .get(app.url("/api/v1/enterprises?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let prefix = &mine[..9];
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["area_code"].as_str().unwrap().starts_with(prefix))
    );
}

async fn updates_need_the_current_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = area_of(&app, "town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, enterprise(PILOT, &area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["enterprise"]["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/v1/enterprises/{id}"));
    let changed = client
        .patch(&url)
        .json(&json!({"version": 1, "employees": 80, "above_size": false, "industry": "F"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["employees"], 80);
    assert_eq!(changed["above_size"], false);
    assert_eq!(changed["industry"], "F");
    assert_eq!(changed["name"], "同心区顺达机械制造有限公司");
    let stale = client
        .patch(&url)
        .json(&json!({"version": 1, "employees": 90}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let error: Value = stale.json().await.unwrap();
    assert_eq!(error["error"]["field"], "version");
    const AUDITED: &str =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.enterprise.update'";
    let audited: i64 =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(AUDITED).fetch_one(pool).await)
            .unwrap();
    assert_eq!(audited, 1);
}

async fn the_pages_list_show_and_register_enterprises(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = area_of(&app, "town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, enterprise(PILOT, &area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["enterprise"]["id"].as_i64().unwrap();
    let list = client
        .get(app.url("/registry/enterprises?industry=C&above_size=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("企业登记"));
    assert!(html.contains(PILOT));
    let detail = client
        .get(app.url(&format!("/registry/enterprises/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    assert!(html.contains("138****5678"));
    assert!(!html.contains("13812345678"));
    assert!(html.contains("registry.enterprise.create"));
    let form = client
        .get(app.url("/registry/enterprises/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("统一社会信用代码"));
    let posted = client
        .post(app.url("/registry/enterprises/new"))
        .form(&[
            ("uscc", USCC),
            ("name", "同心区宏远商贸有限公司"),
            ("industry", "F"),
            ("above_size", "false"),
            ("employees", "12"),
            ("area_code", area.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let location = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/registry/enterprises/") && location.contains("flash="),
        "{location}"
    );
    let bad = client
        .post(app.url("/registry/enterprises/new"))
        .form(&[
            ("uscc", "123"),
            ("name", "x"),
            ("industry", "F"),
            ("area_code", area.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let nav = client
        .get(app.url("/registry/persons"))
        .send()
        .await
        .unwrap();
    assert!(nav.text().await.unwrap().contains("/registry/enterprises"));
}
