//! The place registry through the API and the pages: registration with kinds typed as codes or
//! Chinese names, filters by kind, area and text in the name or address, keyset pages over the
//! demo places of every kind, validation that names the field and changes nothing, area scope,
//! versioned updates and their history (and the enterprises' history), read-only callers, the
//! place and enterprise pickers, and the pages.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    a_place_registers_and_is_found_by_kind_area_and_text,
    lists_page_by_keyset_over_demo_places_of_every_kind,
    bad_input_names_its_field_and_changes_nothing,
    updates_need_the_current_version_and_the_history_lists_them,
    a_caller_without_write_cannot_register,
    pickers_answer_places_and_enterprises_by_part_of_the_name,
    the_pages_list_show_register_and_edit_places,
    a_place_ledger_imports_by_area_kind_and_name_and_exports_with_its_filters,
);

async fn register(client: &reqwest::Client, app: &TestApp, body: Value) -> reqwest::Response {
    client
        .post(app.url("/api/v1/places"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn place(area: &str) -> Value {
    json!({
        "kind": "养老院", "name": "夕阳红颐养中心", "address": "青松路18号",
        "area_code": area, "capacity": 80, "lat": 30.5928, "lon": 114.3055
    })
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

async fn a_place_registers_and_is_found_by_kind_area_and_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let response = register(&client, &app, place(&area)).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["kind"], "care_home");
    assert_eq!(created["kind_name"], "养老机构");
    assert_eq!(created["name"], "夕阳红颐养中心");
    assert_eq!(created["capacity"], 80);
    assert_eq!(created["lat"], 30.5928);
    assert_eq!(created["lon"], 114.3055);
    assert_eq!(created["area_code"], area.as_str());
    assert_eq!(created["version"], 1);
    assert_eq!(created["created_by"], "town01");
    let id = created["id"].as_i64().unwrap();
    let again = app.get_json(&client, &format!("/api/v1/places/{id}")).await;
    assert_eq!(again["name"], "夕阳红颐养中心");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.place.create'"
        )
        .await,
        1
    );
    // By kind (code or Chinese name), by text in the name or in the address, by area.
    for query in [
        "kind=care_home",
        "kind=养老机构",
        "q=颐养",
        "q=青松路",
        "q=%E5%A4%95%E9%98%B3%E7%BA%A2",
    ] {
        let found = app
            .get_json(&client, &format!("/api/v1/places?{query}&limit=500"))
            .await;
        assert!(ids(&found).contains(&id), "{query}");
    }
    let care_homes = app
        .get_json(&client, "/api/v1/places?kind=care_home&limit=500")
        .await;
    assert!(
        care_homes["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] == "care_home")
    );
    for query in ["kind=school", "q=不存在的地方", "q=%25"] {
        let found = app
            .get_json(&client, &format!("/api/v1/places?{query}&limit=500"))
            .await;
        assert!(!ids(&found).contains(&id), "{query}");
    }
    let in_area = app
        .get_json(&client, &format!("/api/v1/places?area={area}&q=颐养"))
        .await;
    assert_eq!(ids(&in_area), vec![id]);
    let bad = client
        .get(app.url("/api/v1/places?kind=castle"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["field"], "kind");
}

async fn lists_page_by_keyset_over_demo_places_of_every_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let mut seen = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "5".to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page: Value = admin
            .get(app.url("/api/v1/places"))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for p in page["items"].as_array().unwrap() {
            seen.push(p["id"].as_i64().unwrap());
            kinds.insert(p["kind"].as_str().unwrap().to_string());
            assert!(!p["kind_name"].as_str().unwrap().is_empty());
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
    assert_eq!(
        seen.len(),
        24,
        "six places in each of the tiny district's villages"
    );
    let every: std::collections::BTreeSet<String> = domain::PlaceKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(kinds, every, "the demo holds places of every kind");
    // A township sees only its own.
    let mine = app.area_of("town01").await;
    let town = app.signed_in("town01").await;
    let listed = app.get_json(&town, "/api/v1/places?limit=500").await;
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() < 24);
    assert!(
        items
            .iter()
            .all(|p| p["area_code"].as_str().unwrap().starts_with(&mine[..9]))
    );
}

async fn bad_input_names_its_field_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let theirs = app.area_of("town02").await;
    let client = app.signed_in("town01").await;
    const PLACES: &str = "SELECT COUNT(*) FROM places";
    const AUDITED: &str = "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'registry.place.%'";
    let places_before = count(&app, PLACES).await;
    // A village code under the caller's township that the tree does not hold.
    let unknown = format!("{}298", &area[..9]);
    for (bad, field, message) in [
        (json!({"kind": "castle"}), "kind", "无法识别的场所类型"),
        (json!({"kind": ""}), "kind", "请选择场所类型"),
        (json!({"name": " "}), "name", "场所名称"),
        (json!({"lon": null}), "lon", "经度和纬度"),
        (json!({"lat": null}), "lat", "经度和纬度"),
        (json!({"lat": 91.0}), "lat", "纬度"),
        (json!({"lon": -181.0}), "lon", "经度"),
        (json!({"capacity": -1}), "capacity", "容纳人数"),
        (json!({"address": "路".repeat(201)}), "address", "地址"),
        (json!({"area_code": "990102"}), "area_code", "乡镇街道"),
        (
            json!({"area_code": unknown.clone()}),
            "area_code",
            "辖区代码",
        ),
    ] {
        let mut body = place(&area);
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = register(&client, &app, body).await;
        assert_eq!(response.status(), 422, "{field}: {bad}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{bad}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{error}"
        );
    }
    // Another township's area is outside the caller's.
    let response = register(&client, &app, place(&theirs)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(count(&app, PLACES).await, places_before);
    assert_eq!(count(&app, AUDITED).await, 0);
}

async fn updates_need_the_current_version_and_the_history_lists_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, place(&area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/v1/places/{id}"));
    let changed = client
        .patch(&url)
        .json(
            &json!({"version": 1, "kind": "quarantine_site", "capacity": null,
            "lat": null, "lon": null}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["kind"], "quarantine_site");
    assert_eq!(changed["capacity"], Value::Null);
    assert_eq!(changed["lat"], Value::Null);
    assert_eq!(changed["name"], "夕阳红颐养中心", "absent fields stay");
    assert_eq!(changed["address"], "青松路18号");
    // Half a coordinate pair is refused on a change too.
    let half = client
        .patch(&url)
        .json(&json!({"version": 2, "lat": 30.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(half.status(), 422);
    let stale = client
        .patch(&url)
        .json(&json!({"version": 1, "name": "改名"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let error: Value = stale.json().await.unwrap();
    assert_eq!(error["error"]["field"], "version");
    let now = app.get_json(&client, &format!("/api/v1/places/{id}")).await;
    assert_eq!(now["version"], 2);
    assert_eq!(now["name"], "夕阳红颐养中心");
    let history = app
        .get_json(&client, &format!("/api/v1/places/{id}/history"))
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["registry.place.update", "registry.place.create"]);
    assert!(history[0]["before"].as_str().unwrap().contains("care_home"));
    assert!(
        history[0]["after"]
            .as_str()
            .unwrap()
            .contains("quarantine_site")
    );
    assert_eq!(history[0]["actor"], "town01");
    // Another township sees neither the place nor its history.
    let other = app.signed_in("town02").await;
    for path in [
        format!("/api/v1/places/{id}"),
        format!("/api/v1/places/{id}/history"),
    ] {
        let response = other.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    // Enterprises answer their history the same way.
    let enterprise: Value = client
        .post(app.url("/api/v1/enterprises"))
        .json(
            &json!({"uscc": "91350100M000100Y43", "name": "同心区宏远商贸有限公司",
            "industry": "F", "area_code": area}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let eid = enterprise["enterprise"]["id"].as_i64().unwrap();
    let patched = client
        .patch(app.url(&format!("/api/v1/enterprises/{eid}")))
        .json(&json!({"version": 1, "employees": 12}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let history = app
        .get_json(&client, &format!("/api/v1/enterprises/{eid}/history"))
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["registry.enterprise.update", "registry.enterprise.create"]
    );
    let response = other
        .get(app.url(&format!("/api/v1/enterprises/{eid}/history")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn a_caller_without_write_cannot_register(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let admin = app.signed_in("admin").await;
    let created = admin
        .post(app.url("/api/v1/tokens"))
        .json(
            &json!({"name": "场所查询", "role": "township", "area_code": area,
            "modules": ["registry:read"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let token: Value = created.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let reader = reqwest::Client::new();
    let listed = reader
        .get(app.url("/api/v1/places"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    let some_id = ids(&listed)[0];
    let refused = reader
        .post(app.url("/api/v1/places"))
        .bearer_auth(&token)
        .json(&place(&area))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused = reader
        .patch(app.url(&format!("/api/v1/places/{some_id}")))
        .bearer_auth(&token)
        .json(&json!({"version": 1, "name": "改名"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // The auditor holds no module at all.
    let auditor = app.signed_in("auditor").await;
    let response = auditor.get(app.url("/api/v1/places")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'registry.place.%'"
        )
        .await,
        0
    );
}

async fn pick(client: &reqwest::Client, app: &TestApp, kind: &str, text: &str) -> String {
    let response = client
        .get(app.url(&format!("/ui/pick/{kind}")))
        .query(&[("field", "target"), ("target", text)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn pickers_answer_places_and_enterprises_by_part_of_the_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, place(&area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let options = pick(&client, &app, "places", "颐养").await;
    assert!(options.contains("夕阳红颐养中心"), "{options}");
    assert!(options.contains(&format!("data-pick-value=\"{id}\"")));
    assert!(options.contains("养老机构"));
    let none = pick(&client, &app, "places", "没有这样的名字").await;
    assert!(none.contains("picker-empty") && !none.contains("pick-option"));
    assert_eq!(pick(&client, &app, "places", " ").await, "");
    // Another township does not find it.
    let other = app.signed_in("town02").await;
    assert!(
        !pick(&other, &app, "places", "颐养")
            .await
            .contains("夕阳红")
    );

    let enterprise: Value = client
        .post(app.url("/api/v1/enterprises"))
        .json(
            &json!({"uscc": "91350100M000100Y43", "name": "同心区宏远商贸有限公司",
            "industry": "F", "area_code": area}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let eid = enterprise["enterprise"]["id"].as_i64().unwrap();
    for text in ["宏远商贸", "同心区宏远", "91350100m000100y43"] {
        let options = pick(&client, &app, "enterprises", text).await;
        assert!(
            options.contains("同心区宏远商贸有限公司"),
            "{text}: {options}"
        );
        assert!(options.contains(&format!("data-pick-value=\"{eid}\"")));
    }
    let none = pick(&client, &app, "enterprises", "没有这样的企业").await;
    assert!(none.contains("picker-empty") && !none.contains("pick-option"));
    assert!(
        !pick(&other, &app, "enterprises", "宏远商贸")
            .await
            .contains("pick-option")
    );
}

async fn the_pages_list_show_register_and_edit_places(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let created: Value = register(&client, &app, place(&area))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let list = client
        .get(app.url("/registry/places?kind=care_home&q=颐养"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("场所登记"));
    assert!(html.contains("夕阳红颐养中心"));
    assert!(html.contains(&format!("/registry/places/{id}")));
    let empty = client
        .get(app.url("/registry/places?q=没有这样的场所"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(empty.contains("没有符合条件的场所"));
    let detail = client
        .get(app.url(&format!("/registry/places/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    assert!(html.contains("养老机构") && html.contains("青松路18号"));
    assert!(html.contains("registry.place.create"));
    assert!(html.contains(&format!("/registry/places/{id}/edit")));
    // Register through the form; a bad one comes back with its message and stores nothing.
    let form = client
        .get(app.url("/registry/places/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("场所类型"));
    let posted = client
        .post(app.url("/registry/places/new"))
        .form(&[
            ("kind", "market"),
            ("name", "东风农贸市场"),
            ("address", "建设路3号"),
            ("capacity", "300"),
            ("area_code", area.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let location = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/registry/places/") && location.contains("flash="),
        "{location}"
    );
    let before = count(&app, "SELECT COUNT(*) FROM places").await;
    let bad = client
        .post(app.url("/registry/places/new"))
        .form(&[
            ("kind", "market"),
            ("name", "西门市场"),
            ("lat", "30.5"),
            ("area_code", area.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("经度和纬度"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM places").await, before);
    // Edit through the detail's form.
    let edit_url = app.url(&format!("/registry/places/{id}/edit"));
    let edit = |name: &'static str, version: &'static str| {
        let area = area.clone();
        let client = client.clone();
        let url = edit_url.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("version", version),
                    ("kind", "care_home"),
                    ("name", name),
                    ("address", "青松路20号"),
                    ("capacity", ""),
                    ("lat", ""),
                    ("lon", ""),
                    ("area_code", area.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let saved = edit("夕阳红养老院", "1").await;
    assert_eq!(saved.status(), 303);
    let html = client
        .get(app.url(&format!("/registry/places/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("夕阳红养老院") && html.contains("青松路20号"));
    assert!(html.contains("registry.place.update"));
    let api = app.get_json(&client, &format!("/api/v1/places/{id}")).await;
    assert_eq!(api["capacity"], Value::Null, "an emptied field is cleared");
    let stale = edit("又一个名字", "1").await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("已被他人修改"));
    let nav = client
        .get(app.url("/registry/persons"))
        .send()
        .await
        .unwrap();
    assert!(nav.text().await.unwrap().contains("/registry/places"));
}

async fn upload(client: &reqwest::Client, app: &TestApp, text: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("场所.csv"),
        )
        .text("mode", "valid-rows");
    let response = client
        .post(app.url("/api/v1/imports/places"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn a_place_ledger_imports_by_area_kind_and_name_and_exports_with_its_filters(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let sheet = format!(
        "序号,名称,类型,地址,床位数,纬度,经度,区划代码\n\
         1,东风一号卡口,卡口,国道316线,,26.1,119.3,{area}\n\
         2,东风隔离酒店,集中隔离点,东风路8号,120间,,,{area}\n\
         3,东风隔离酒店,集中隔离点,东风路8号,120,,,{area}\n\
         4,无名场所,太空站,,,,,{area}\n\
         5,半个坐标,学校,,,26.1,,{area}\n"
    );
    let summary = upload(&client, &app, &sheet).await;
    assert_eq!(summary["inserted"], 2, "{summary}");
    let rejected: Vec<i64> = summary["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rejected, vec![4, 5, 6], "{summary}");
    assert!(
        summary["rejected"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("同一场所"),
        "{summary}"
    );
    let found = app.get_json(&client, "/api/v1/places?q=隔离酒店").await;
    assert_eq!(found["items"][0]["kind"], "quarantine_site", "{found}");
    assert_eq!(found["items"][0]["capacity"], 120, "{found}");

    let again = upload(&client, &app, &sheet).await;
    assert_eq!(again["inserted"], 0, "{again}");
    assert_eq!(again["unchanged"], 2, "{again}");
    let moved = upload(&client, &app, &sheet.replace("国道316线", "国道316线K12")).await;
    assert_eq!(moved["updated"], 1, "{moved}");

    let csv = client
        .get(app.url("/registry/places/export/csv?kind=checkpoint&q=东风"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("东风一号卡口") && csv.contains("国道316线K12"),
        "{csv}"
    );
    assert!(!csv.contains("东风隔离酒店"), "{csv}");
    let template = client
        .get(app.url("/registry/places/template"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
}
