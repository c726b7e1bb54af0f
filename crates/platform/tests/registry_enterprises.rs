//! The enterprise registry through the API and the pages: registration with a masked contact
//! phone, pilot credit codes accepted with a warning, bad and duplicate codes, search by full
//! code, keyset pages over the demo enterprises, area scope, versioned updates, and the pages.

use calamine::Reader;
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
    a_ledger_imports_valid_rows_with_an_error_report_and_again_changes_nothing,
    all_or_nothing_stores_nothing_from_a_sheet_with_a_bad_row,
    exports_carry_the_filters_and_mask_phones,
);

/// A valid code with its check character.
const USCC: &str = "91350100M000100Y43";
const PILOT: &str = "91350100M0001TGQXM";

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
    let area = app.area_of("town01").await;
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
    let area = app.area_of("town01").await;
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
    let area = app.area_of("town01").await;
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
    let mine = app.area_of("town01").await;
    let theirs = app.area_of("town02").await;
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
    let area = app.area_of("town01").await;
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
    let area = app.area_of("town01").await;
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

/// A valid credit code numbered `n`.
fn code(n: u32) -> String {
    domain::Uscc::from_parts(&format!("91350100M{n:08}"))
        .unwrap()
        .as_str()
        .to_string()
}

async fn upload(
    client: &reqwest::Client,
    app: &TestApp,
    text: &str,
    mode: &str,
    area: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("企业台账.csv"),
        )
        .text("mode", mode.to_string())
        .text("area", area.to_string());
    client
        .post(app.url("/api/v1/imports/enterprises"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A ledger as a township keeps it: a title, a unit line, aliases for the columns, a 序号
/// column, a totals row; rows 4–5 good, 6 a truncated code, 7 the same code as row 4,
/// 8 an unknown industry, 9 "是否规上" neither yes nor no.
fn ledger(area: &str) -> String {
    // Too short to be a credit code (a wrong check character alone passes as a pilot code).
    let bad = &code(3)[..15];
    format!(
        "同心区复工企业台账\n填报单位：东风街道,,,,,,\n\
         序号,单位名称,统一社会信用代码,行业,是否规上,从业人数,联系电话,区划代码\n\
         1,顺达机械有限公司,{a},制造业,是,120,13812345678,{area}\n\
         2,东风超市,{b},F,否,8人,,{area}\n\
         3,错码公司,{bad},C,否,5,,{area}\n\
         4,重复公司,{a},C,否,5,,{area}\n\
         5,未知行业公司,{c},宇宙业,否,5,,{area}\n\
         6,规模不明公司,{d},C,大概,5,,{area}\n\
         合计,6户,,,,143,,\n",
        a = code(1),
        b = code(2),
        c = code(4),
        d = code(5),
    )
}

async fn a_ledger_imports_valid_rows_with_an_error_report_and_again_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let response = upload(&client, &app, &ledger(&area), "valid-rows", "").await;
    assert_eq!(response.status(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["rows"], 6, "{summary}");
    assert_eq!(summary["inserted"], 2, "{summary}");
    assert_eq!(summary["committed"], true, "{summary}");
    let rejected: Vec<(i64, String)> = summary["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["errors"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![6, 7, 8, 9],
        "{summary}"
    );
    assert!(rejected[0].1.contains("统一社会信用代码"), "{rejected:?}");
    assert!(
        rejected[1].1.contains("与第 4 行是同一统一社会信用代码"),
        "{rejected:?}"
    );
    assert!(rejected[3].1.contains("是否规上"), "{rejected:?}");

    // The stored enterprise, its phone masked.
    let found: Value = client
        .get(app.url(&format!("/api/v1/enterprises?q={}", code(1))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &found["items"][0];
    assert_eq!(item["name"], "顺达机械有限公司", "{found}");
    assert_eq!(item["above_size"], true);
    assert_eq!(item["employees"], 120);
    assert_eq!(item["contact_phone"], "138****5678");

    // The error report: the rejected rows as they were, with the reasons; the importer's only.
    let id = summary["id"].as_i64().unwrap();
    let report = client
        .get(app.url(&format!("/api/v1/imports/{id}/report")))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let bytes = report.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let text: Vec<String> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert!(text.iter().any(|r| r.contains("错码公司")), "{text:?}");
    assert!(text.iter().any(|r| r.contains("宇宙业")), "{text:?}");
    assert!(!text.iter().any(|r| r.contains("东风超市")), "{text:?}");
    let other = app.signed_in("town02").await;
    let refused = other
        .get(app.url(&format!("/api/v1/imports/{id}/report")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404, "another user's report");

    // Again: nothing new, nothing changed.
    let again: Value = upload(&client, &app, &ledger(&area), "valid-rows", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["inserted"], 0, "{again}");
    assert_eq!(again["updated"], 0, "{again}");
    assert_eq!(again["unchanged"], 2, "{again}");

    // A changed cell updates its enterprise, and its history shows the new version.
    let changed = ledger(&area).replace(",120,", ",150,");
    let third: Value = upload(&client, &app, &changed, "valid-rows", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(third["updated"], 1, "{third}");
    assert_eq!(third["unchanged"], 1, "{third}");
}

async fn all_or_nothing_stores_nothing_from_a_sheet_with_a_bad_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    let before: Value = client
        .get(app.url("/api/v1/enterprises?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let summary: Value = upload(&client, &app, &ledger(&area), "all-or-nothing", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["committed"], false, "{summary}");
    assert_eq!(summary["inserted"], 0, "{summary}");
    assert_eq!(summary["rejected"].as_array().unwrap().len(), 4);
    let after: Value = client
        .get(app.url("/api/v1/enterprises?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before["items"], after["items"]);
    // A bad mode is refused before anything is read.
    let bad = upload(&client, &app, &ledger(&area), "some", "").await;
    assert_eq!(bad.status(), 422);
}

async fn exports_carry_the_filters_and_mask_phones(backend: Backend) {
    let app = spawn_app(backend).await;
    let area = app.area_of("town01").await;
    let client = app.signed_in("town01").await;
    upload(&client, &app, &ledger(&area), "valid-rows", "").await;
    let csv = client
        .get(app.url(&format!("/registry/enterprises/export/csv?q={}", code(1))))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(text.contains("顺达机械有限公司"), "{text}");
    assert!(text.contains("138****5678"), "{text}");
    assert!(!text.contains("13812345678"), "{text}");
    assert_eq!(
        text.lines().count(),
        2,
        "a header and the one match: {text}"
    );

    let xlsx = client
        .get(app.url("/registry/enterprises/export/xlsx?above_size=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(cells.iter().any(|c| c == "顺达机械有限公司"), "{cells:?}");
    assert!(
        !cells.iter().any(|c| c == "东风超市"),
        "below size: {cells:?}"
    );
    assert!(
        cells.iter().any(|c| c.contains("规上")),
        "the filter is described: {cells:?}"
    );

    let template = client
        .get(app.url("/registry/enterprises/template"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
    let page = client
        .get(app.url("/registry/enterprises/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("导入企业台账"), "{page}");
    let missing = client
        .get(app.url("/registry/enterprises/export/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
