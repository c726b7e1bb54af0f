//! The person registry through the API and the pages: registration with validation and
//! duplicate blocking, search by full document number while answers stay masked, keyset pages,
//! tags, updates with versions, reveal with a reason, history, and explicit merges.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    a_person_registers_with_facts_read_from_the_id_and_comes_back_masked,
    the_same_document_cannot_be_registered_twice_and_bad_input_names_its_field,
    a_full_document_number_or_phone_finds_the_person_though_answers_stay_masked,
    lists_page_by_keyset_and_filter_by_tag_and_area,
    updates_need_the_current_version,
    revealing_needs_the_permission_and_a_reason_and_is_in_the_history,
    a_merge_is_explicit_and_keeps_the_duplicate_pointing_at_the_person,
    the_pages_list_and_show_people_masked,
);

async fn grid_of(app: &TestApp, user: &str) -> String {
    let client = app.signed_in(user).await;
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let area = me["area_code"].as_str().unwrap().to_string();
    if area.len() == 15 {
        area
    } else {
        format!("{}001", &area[..12])
    }
}

async fn register(client: &reqwest::Client, app: &TestApp, body: Value) -> reqwest::Response {
    client
        .post(app.url("/api/v1/persons"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn a_person_registers_with_facts_read_from_the_id_and_comes_back_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let response = register(
        &client,
        &app,
        json!({
            "doc_number": " 11010519491231002x ", "name": "张秀英", "phone": "+86 138-1234-5678",
            "address": "同心区顺桥街道示范路1号", "area_code": grid, "tags": ["elderly_alone"]
        }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let person = &body["person"];
    assert_eq!(person["doc_type"], "resident_id");
    assert_eq!(person["doc_number"], "110105********002X");
    assert_eq!(person["sex"], "female");
    assert_eq!(person["birth_date"], "1949-12-31");
    assert_eq!(person["phone"], "138****5678");
    assert!(!person["address"].as_str().unwrap().contains("示范路1号"));
    assert_eq!(person["tags"], json!(["elderly_alone"]));
    assert_eq!(person["created_by"], "v0101");
    assert!(!body.to_string().contains("11010519491231002X"));
    // A 15-digit legacy number is stored as its 18-digit form.
    let legacy = register(
        &client,
        &app,
        json!({"doc_number": "440524800101001", "name": "李四", "area_code": grid}),
    )
    .await;
    assert_eq!(legacy.status(), 201);
    let eighteen = domain::IdNumber::parse("440524800101001").unwrap();
    assert_eq!(eighteen.as_str().len(), 18);
    let stored = platform::registry::person::repo::find_by_document(
        &app.db,
        "resident_id",
        eighteen.as_str(),
    )
    .await
    .unwrap();
    assert!(stored.is_some(), "the 15-digit number is stored converted");
    // A passport is another document type, with sex and birth date given.
    let passport = register(
        &client,
        &app,
        json!({"doc_type": "passport", "doc_number": "e12345678", "name": "John Smith",
        "sex": "男", "birth_date": "1980年5月4日", "area_code": grid}),
    )
    .await;
    assert_eq!(passport.status(), 201);
    let passport: Value = passport.json().await.unwrap();
    assert_eq!(passport["person"]["doc_number"], "E1*****78");
    assert_eq!(passport["person"]["birth_date"], "1980-05-04");
}

async fn the_same_document_cannot_be_registered_twice_and_bad_input_names_its_field(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let person = json!({"doc_number": "11010519491231002X", "name": "张秀英", "area_code": grid});
    assert_eq!(register(&client, &app, person.clone()).await.status(), 201);
    let again = register(&client, &app, person).await;
    assert_eq!(again.status(), 409);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"]["field"], "doc_number");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已经登记")
    );
    for (body, field) in [
        (
            json!({"doc_number": "110105194912310021", "name": "王五", "area_code": grid}),
            "doc_number",
        ),
        (
            json!({"doc_number": "11010519491231002X", "name": " ", "area_code": grid}),
            "name",
        ),
        (
            json!({"doc_number": "440524188001010014", "name": "王五", "phone": "12345", "area_code": grid}),
            "phone",
        ),
        (
            json!({"doc_number": "440524188001010014", "name": "王五", "area_code": "990102000000"}),
            "area_code",
        ),
        (
            json!({"doc_number": "440524188001010014", "name": "王五", "area_code": grid, "tags": ["vip"]}),
            "tags",
        ),
    ] {
        let response = register(&client, &app, body).await;
        assert_eq!(response.status(), 422, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field);
    }
    assert_eq!(
        platform::registry::person::repo::count(&app.db)
            .await
            .unwrap(),
        80 + 1,
        "only the first was stored"
    );
    // Another village is outside this user's area.
    let other = register(
        &client,
        &app,
        json!({"doc_number": "440524188001010014", "name": "王五", "area_code": "990102101201001"}),
    )
    .await;
    assert_eq!(other.status(), 403);
}

async fn a_full_document_number_or_phone_finds_the_person_though_answers_stay_masked(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    register(&client, &app, json!({"doc_number": "11010519491231002X", "name": "欧阳修", "phone": "13912345678", "area_code": grid})).await;
    for q in ["11010519491231002x", "13912345678", "欧阳"] {
        let page: Value = client
            .get(app.url("/api/v1/persons"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{q}: {page}");
        assert_eq!(items[0]["name"], "欧阳修");
        assert_eq!(items[0]["doc_number"], "110105********002X");
        assert!(!page.to_string().contains("13912345678"));
    }
    // Another township finds nothing, though the number is exact.
    let other = app.signed_in("town02").await;
    let page: Value = other
        .get(app.url("/api/v1/persons?q=11010519491231002X"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
}

async fn lists_page_by_keyset_and_filter_by_tag_and_area(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "7".to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page: Value = admin
            .get(app.url("/api/v1/persons"))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
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
        80,
        "the tiny district's 8 grids hold 10 people each"
    );
    let grid = "990102001001001";
    let in_grid: Value = admin
        .get(app.url(&format!("/api/v1/persons?area={grid}&limit=500")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(in_grid["items"].as_array().unwrap().len(), 10);
    const TAGGED: &str = "SELECT COUNT(*) FROM person_tags WHERE tag = 'disabled'";
    let expected: i64 =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(TAGGED).fetch_one(pool).await)
            .unwrap();
    let tagged: Value = admin
        .get(app.url("/api/v1/persons?tag=disabled&limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tagged["items"].as_array().unwrap().len() as i64, expected);
    assert_eq!(
        admin
            .get(app.url("/api/v1/persons?tag=vip"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    let town = app.signed_in("town01").await;
    assert_eq!(
        town.get(app.url("/api/v1/persons?area=990102101000"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn updates_need_the_current_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let created: Value = register(
        &client,
        &app,
        json!({"doc_number": "11010519491231002X", "name": "张秀英", "area_code": grid}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["person"]["id"].as_i64().unwrap();
    let changed = client
        .patch(app.url(&format!("/api/v1/persons/{id}")))
        .json(&json!({"version": 1, "phone": "13800001111", "tags": ["disabled"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["phone"], "138****1111");
    assert_eq!(changed["tags"], json!(["disabled"]));
    let stale = client
        .patch(app.url(&format!("/api/v1/persons/{id}")))
        .json(&json!({"version": 1, "name": "张三"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let now: Value = client
        .get(app.url(&format!("/api/v1/persons/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["name"], "张秀英", "a refused change changes nothing");
}

async fn revealing_needs_the_permission_and_a_reason_and_is_in_the_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let created: Value = register(
        &client,
        &app,
        json!({"doc_number": "11010519491231002X", "name": "张秀英", "area_code": grid}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["person"]["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/v1/persons/{id}/reveal"));
    let refused = client
        .post(&url)
        .json(&json!({"field": "doc_number", "reason": "核对"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    const GRANT: &str = "UPDATE users SET can_reveal_pii = TRUE WHERE username = 'v0101'";
    platform::with_db!(&app.db, pool => sqlx::query(GRANT).execute(pool).await.map(|_| ()))
        .unwrap();
    // Changed behind the platform's back, as another process would: sessions are read again.
    platform::auth::session_cache::forget_all();
    let no_reason = client
        .post(&url)
        .json(&json!({"field": "doc_number", "reason": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_reason.status(), 422);
    let revealed: Value = client
        .post(&url)
        .json(&json!({"field": "doc_number", "reason": "核对隔离人员身份"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["value"], "11010519491231002X");
    let history: Value = client
        .get(app.url(&format!("/api/v1/persons/{id}/history")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["pii.reveal", "registry.person.create"]);
    assert_eq!(history[0]["reason"], "核对隔离人员身份");
    assert!(
        !history.to_string().contains("11010519491231002X"),
        "the history keeps numbers masked"
    );
}

async fn a_merge_is_explicit_and_keeps_the_duplicate_pointing_at_the_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let real: Value = register(&client, &app, json!({"doc_number": "11010519491231002X", "name": "张秀英", "area_code": grid, "tags": ["elderly_alone"]})).await.json().await.unwrap();
    let copy = register(&client, &app, json!({"doc_type": "passport", "doc_number": "E98765432", "name": "张秀英", "birth_date": "1949-12-31", "area_code": grid, "tags": ["disabled"]})).await;
    let copy: Value = copy.json().await.unwrap();
    let real_id = real["person"]["id"].as_i64().unwrap();
    let copy_id = copy["person"]["id"].as_i64().unwrap();
    let suggested: Vec<i64> = copy["likely_duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(
        suggested.contains(&real_id),
        "same name and birth date is suggested, never merged: {copy}"
    );
    let url = app.url(&format!("/api/v1/persons/{copy_id}/merge"));
    assert_eq!(
        client
            .post(&url)
            .json(&json!({"into": real_id, "reason": ""}))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        client
            .post(&url)
            .json(&json!({"into": copy_id, "reason": "重复"}))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    let merged: Value = client
        .post(&url)
        .json(&json!({"into": real_id, "reason": "同一人，护照与身份证重复登记"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tags: Vec<String> = merged["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.sort();
    assert_eq!(tags, vec!["disabled", "elderly_alone"]);
    let the_copy: Value = client
        .get(app.url(&format!("/api/v1/persons/{copy_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        the_copy["merged_into"], real_id,
        "the duplicate still resolves, to the person"
    );
    let listed: Value = client
        .get(app.url("/api/v1/persons?q=E98765432"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "merged records leave lists"
    );
    assert_eq!(
        client
            .post(&url)
            .json(&json!({"into": real_id, "reason": "again"}))
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
}

async fn the_pages_list_and_show_people_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let form = [
        ("doc_number", "11010519491231002x"),
        ("name", "张秀英"),
        ("area_code", grid.as_str()),
        ("phone", "13912345678"),
        ("tag", "veteran"),
    ];
    let created = client
        .post(app.url("/registry/persons/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("flash=flash.person_registered"));
    let detail = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("110105********002X")
            && detail.contains("退役军人")
            && detail.contains("已登记"),
        "{detail}"
    );
    assert!(!detail.contains("11010519491231002X") && !detail.contains("13912345678"));
    let bad = client
        .post(app.url("/registry/persons/new"))
        .form(&[
            ("doc_number", "123"),
            ("name", "x"),
            ("area_code", grid.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("aria-invalid=\"true\""));
    let list = client
        .get(app.url("/registry/persons?q=%E5%BC%A0%E7%A7%80"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("张秀英") && list.contains("110105********002X"),
        "{list}"
    );
    let auditor = app.signed_in("auditor").await;
    assert_eq!(
        auditor
            .get(app.url("/registry/persons"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

mod exports {
    use calamine::{Reader, open_workbook_auto};
    use testkit::{Backend, backend_tests, spawn_app};

    backend_tests!(exports_carry_the_filters_and_stay_masked_and_the_import_page_imports);

    async fn exports_carry_the_filters_and_stay_masked_and_the_import_page_imports(
        backend: Backend,
    ) {
        let app = spawn_app(backend).await;
        let client = app.signed_in("admin").await;
        let list = client
            .get(app.url("/registry/persons?area=990102001001001"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            list.contains("/registry/persons/export/xlsx?area=990102001001001"),
            "{list}"
        );
        let xlsx = client
            .get(app.url("/registry/persons/export/xlsx?area=990102001001001"))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), 200);
        let bytes = xlsx.bytes().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("persons.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let mut book = open_workbook_auto(&path).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&sheet).unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0][0], "人员登记");
        assert!(
            rows[1][0].contains("990102001001001"),
            "the filter is named: {:?}",
            rows[1]
        );
        assert_eq!(rows[2][0], "姓名");
        assert_eq!(
            rows.len(),
            3 + 10,
            "title, filter, header and the grid's ten people"
        );
        for row in &rows[3..] {
            assert!(row[2].contains("********"), "masked: {row:?}");
        }
        let csv = client
            .get(app.url("/registry/persons/export/csv"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert_eq!(text.lines().count(), 1 + 80);

        // The CSV of the same filter holds the xlsx's rows cell for cell (on SQLite the CSV is
        // walked in one statement, the xlsx read in pages): masked, tags and labels translated.
        let csv = client
            .get(app.url("/registry/persons/export/csv?area=990102001001001"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let records: Vec<Vec<String>> = csv::Reader::from_reader(&csv[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(records.len(), 10);
        let mut tagged = 0;
        for (from_csv, from_xlsx) in records.iter().zip(&rows[3..]) {
            for column in [0, 1, 2, 3, 5, 6, 7, 8] {
                assert_eq!(from_csv[column], from_xlsx[column], "column {column}");
            }
            let birth = &from_csv[4];
            assert!(
                birth.is_empty() || (birth.len() == 10 && birth.as_bytes()[4] == b'-'),
                "a birth date as YYYY-MM-DD: {birth}"
            );
            assert!(from_csv[2].contains("********"), "masked: {from_csv:?}");
            if !from_csv[8].is_empty() {
                tagged += 1;
                assert!(!from_csv[8].contains('_'), "tags are labels: {from_csv:?}");
            }
        }
        assert!(tagged > 0, "the demo tags some of the grid's people");
        assert_eq!(
            client
                .get(app.url("/registry/persons/export/pdf"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let template = client
            .get(app.url("/registry/persons/template"))
            .send()
            .await
            .unwrap();
        assert_eq!(template.status(), 200);
        std::fs::write(dir.path().join("t.xlsx"), template.bytes().await.unwrap()).unwrap();
        let mut book = open_workbook_auto(dir.path().join("t.xlsx")).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let cells: Vec<String> = book
            .worksheet_range(&sheet)
            .unwrap()
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .collect();
        assert!(cells.iter().any(|c| c.contains("身份证号码")), "{cells:?}");

        let page = client
            .get(app.url("/registry/persons/import"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("type=\"file\""));
        let sheet = "姓名,身份证号码,区划代码\n张秀英,11010519491231002X,990102001001001\n"
            .as_bytes()
            .to_vec();
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(sheet).file_name("p.csv"),
            )
            .text("mode", "valid-rows")
            .text("area", "");
        let done = client
            .post(app.url("/registry/persons/import"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            done.contains("data-testid=\"import-summary\"") && done.contains("新增 1 条"),
            "{done}"
        );
    }
}
