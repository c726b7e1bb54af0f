//! Nucleic-acid testing through the real server on both backends: pooled samples, results by
//! API and by lab sheet, retests after a positive pool, case tickets, validation and scope.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_pooled_sample_keeps_its_members_and_a_barcode_is_taken_once,
    bad_samples_name_the_field_and_change_nothing,
    a_positive_pool_relists_its_members_until_each_is_retested_alone,
    a_positive_single_opens_an_urgent_case_ticket_to_the_health_unit,
    a_lab_sheet_is_matched_by_barcode_and_reimporting_changes_nothing,
    a_lab_sheet_rejects_exactly_its_unknown_barcodes_and_stores_the_rest,
    samples_outside_the_area_do_not_exist_for_the_caller,
);

/// Persons of `user`'s area not sampled by the demo: (id, document number).
async fn fresh_persons(app: &TestApp, user: &str, n: i64) -> Vec<(i64, String)> {
    const SQL: &str = "SELECT id, doc_number FROM persons WHERE area_code >= $1 AND area_code < $2 \
         AND merged_into IS NULL AND id NOT IN (SELECT person_id FROM epi_sample_members) \
         ORDER BY id LIMIT $3";
    let area = app.area_of(user).await;
    let code = domain::DivisionCode::parse(&area).unwrap();
    let (lo, hi) = code.subtree_range();
    let rows: Vec<(i64, String)> = platform::with_db!(&app.db, pool => sqlx::query_as(SQL)
        .bind(&lo).bind(&hi).bind(n).fetch_all(pool).await)
    .unwrap();
    assert_eq!(rows.len() as i64, n, "enough unsampled persons in {area}");
    rows
}

async fn scalar(app: &TestApp, sql: &'static str, barcode: &str) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar(sql).bind(barcode).fetch_one(pool).await)
        .unwrap()
}

async fn sample_id(app: &TestApp, barcode: &str) -> i64 {
    scalar(
        app,
        "SELECT id FROM epi_samples WHERE barcode = $1",
        barcode,
    )
    .await
}

fn by_doc(persons: &[(i64, String)]) -> Value {
    Value::Array(persons.iter().map(|p| json!({"doc_number": p.1})).collect())
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn untested_of(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get_json(
                client,
                &format!("/api/v1/epidemic/coverage/untested?limit=500&{query}{cursor}"),
            )
            .await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return all,
        }
    }
}

async fn a_pooled_sample_keeps_its_members_and_a_barcode_is_taken_once(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let people = fresh_persons(&app, "town01", 5).await;
    let (status, sample) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "pool-000001", "members": by_doc(&people)}),
    )
    .await;
    assert_eq!(status, 201, "{sample}");
    assert_eq!(sample["barcode"], "POOL-000001");
    assert_eq!(sample["pool_size"], 5);
    assert!(sample["result"].is_null());
    let detail = app
        .get_json(&town, &format!("/api/v1/epidemic/samples/{}", sample["id"]))
        .await;
    let members: Vec<i64> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_i64().unwrap())
        .collect();
    assert_eq!(members, people.iter().map(|p| p.0).collect::<Vec<_>>());

    // The same barcode again is refused; a device's batch repeating it answers the first.
    let (status, body) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "POOL-000001", "members": by_doc(&people)}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, batch) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples/batch",
        json!({"samples": [{"barcode": "POOL-000001", "members": by_doc(&people)},
                           {"barcode": "SINGLE-0001", "members": [{"person_id": people[0].0}]}]}),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch[0]["id"], sample["id"]);
    assert_eq!(batch[1]["pool_size"], 1);
    let n = scalar(
        &app,
        "SELECT COUNT(*) FROM epi_samples WHERE barcode NOT LIKE $1",
        "DEMO%",
    )
    .await;
    assert_eq!(n, 2);
    let audited = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = $1",
        "epidemic.sample.create",
    )
    .await;
    assert_eq!(audited, 2);
}

async fn bad_samples_name_the_field_and_change_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let people = fresh_persons(&app, "town01", 5).await;
    let before = support::count(&app, "SELECT COUNT(*) FROM epi_samples").await;
    for (body, field) in [
        (
            json!({"barcode": "12 34", "members": by_doc(&people)}),
            "barcode",
        ),
        (
            json!({"barcode": "POOL-000002", "members": by_doc(&people[..3])}),
            "members",
        ),
        (
            json!({"barcode": "POOL-000002", "members": [{"doc_number": "990102199001011234"}]}),
            "members.0",
        ),
        (
            json!({"barcode": "POOL-000002", "members": [{"person_id": people[0].0}, {"person_id": people[0].0},
                {"person_id": people[1].0}, {"person_id": people[2].0}, {"person_id": people[3].0}]}),
            "members.1",
        ),
    ] {
        let (status, err) = post(&town, &app, "/api/v1/epidemic/samples", body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let (status, err) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "NOSUCH-01", "result": "阴性"}]}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "results.0.barcode");
    let (status, err) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "DEMO00000001", "result": "maybe"}]}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "results.0.result");
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_samples").await,
        before
    );
}

async fn a_positive_pool_relists_its_members_until_each_is_retested_alone(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let people = fresh_persons(&app, "town01", 6).await;
    let (status, _) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "POOL-000010", "members": by_doc(&people)}),
    )
    .await;
    assert_eq!(status, 201);
    let query = "group=requirement:pool_retest";
    // The demo has a positive pool of its own: only these people are looked at.
    let ours: Vec<i64> = people.iter().map(|p| p.0).collect();
    let listed = |rows: &[Value]| -> Vec<i64> {
        let mut ids: Vec<i64> = rows
            .iter()
            .map(|r| r["person_id"].as_i64().unwrap())
            .filter(|id| ours.contains(id))
            .collect();
        ids.sort();
        ids
    };
    assert!(listed(&untested_of(&app, &town, query).await).is_empty());
    let base = app
        .get_json(&town, &format!("/api/v1/epidemic/coverage?{query}"))
        .await["total"]
        .clone();
    let n = |v: &Value| v.as_i64().unwrap();

    let (status, summary) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "POOL-000010", "result": "阳性", "lab": "区疾控中心"}]}),
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["updated"], 1);
    assert_eq!(summary["retests"], 6);
    let rows = untested_of(&app, &town, query).await;
    assert_eq!(
        listed(&rows),
        people.iter().map(|p| p.0).collect::<Vec<_>>()
    );
    // Masked personal data only.
    let row = rows.iter().find(|r| r["person_id"] == people[0].0).unwrap();
    let doc = row["doc_number"].as_str().unwrap();
    assert!(doc.contains('*'), "{doc}");
    assert_ne!(doc, people[0].1);

    // The same result again changes nothing.
    let (_, again) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "POOL-000010", "result": "positive", "lab": "区疾控中心",
            "tested_at": null}]}),
    )
    .await;
    assert_eq!(again["retests"], 6, "a new time is a new result: {again}");
    let reqs = scalar(
        &app,
        "SELECT COUNT(*) FROM epi_test_requirements WHERE source_ref = $1",
        &format!("sample:{}", sample_id(&app, "POOL-000010").await),
    )
    .await;
    assert_eq!(reqs, 6);

    // One member retested alone leaves the list; the others stay.
    let (status, _) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "RETEST-0001", "members": [{"person_id": people[0].0}]}),
    )
    .await;
    assert_eq!(status, 201);
    let rows = untested_of(&app, &town, query).await;
    assert_eq!(
        listed(&rows),
        people[1..].iter().map(|p| p.0).collect::<Vec<_>>()
    );
    let by_area = app
        .get_json(&town, &format!("/api/v1/epidemic/coverage?{query}"))
        .await;
    assert_eq!(n(&by_area["total"]["must"]), n(&base["must"]) + 6);
    assert_eq!(n(&by_area["total"]["tested"]), n(&base["tested"]) + 1);
    assert_eq!(n(&by_area["total"]["untested"]), n(&base["untested"]) + 5);
}

/// The health department's unit id.
async fn health_unit(app: &TestApp) -> i64 {
    const SQL: &str = "SELECT id FROM org_units WHERE kind = 'department' AND name LIKE $1";
    platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL).bind("%卫生健康%").fetch_one(pool).await).unwrap()
}

async fn a_positive_single_opens_an_urgent_case_ticket_to_the_health_unit(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let people = fresh_persons(&app, "town01", 1).await;
    let (status, _) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "SINGLE-0100", "members": by_doc(&people)}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, summary) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "SINGLE-0100", "result": "positive"}]}),
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    let tickets = summary["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{summary}");
    const TICKET: &str =
        "SELECT kind, priority, owner_unit_id, subject_id FROM tickets WHERE id = $1";
    let (kind, priority, owner, subject): (String, String, Option<i64>, Option<i64>) =
        platform::with_db!(&app.db, pool => sqlx::query_as(TICKET).bind(tickets[0].as_i64().unwrap())
            .fetch_one(pool).await)
        .unwrap();
    assert_eq!(kind, "epidemic.case");
    assert_eq!(priority, "urgent");
    assert_eq!(owner, Some(health_unit(&app).await));
    assert_eq!(subject, Some(people[0].0));
    const CASE: &str = "SELECT COUNT(*) FROM epi_key_persons WHERE person_id = $1 AND category = 'case' \
         AND status <> 'ended'";
    let cases: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(CASE).bind(people[0].0)
        .fetch_one(pool).await)
    .unwrap();
    assert_eq!(cases, 1);
    // Sent again: no second ticket.
    let (_, again) = post(
        &town,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "SINGLE-0100", "result": "positive"}]}),
    )
    .await;
    assert!(again["tickets"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM tickets WHERE kind = $1",
            "epidemic.case"
        )
        .await,
        1
    );
}

fn lab_sheet(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "核酸检测结果").unwrap();
    for (c, h) in ["试管编码", "检测结果", "检测时间", "检测机构"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for (r, (barcode, result)) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        sheet.write_string(r, 0, *barcode).unwrap();
        sheet.write_string(r, 1, *result).unwrap();
        sheet.write_string(r, 2, "2020-02-10 15:30").unwrap();
        sheet.write_string(r, 3, "区疾控中心实验室").unwrap();
    }
    book.save_to_buffer().unwrap()
}

async fn upload(app: &TestApp, client: &reqwest::Client, bytes: Vec<u8>) -> Value {
    upload_in(app, client, bytes, "valid-rows").await
}

async fn upload_in(app: &TestApp, client: &reqwest::Client, bytes: Vec<u8>, mode: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("检测结果.xlsx"),
        )
        .text("mode", mode.to_string());
    let r = client
        .post(app.url("/api/v1/imports/lab_results"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn a_lab_sheet_is_matched_by_barcode_and_reimporting_changes_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let people = fresh_persons(&app, "town01", 6).await;
    for (barcode, members) in [
        ("SHEET-POOL1", by_doc(&people[..5])),
        ("SHEET-ONE1", by_doc(&people[5..])),
    ] {
        let (status, _) = post(
            &town,
            &app,
            "/api/v1/epidemic/samples",
            json!({"barcode": barcode, "members": members}),
        )
        .await;
        assert_eq!(status, 201);
    }
    let sheet = lab_sheet(&[
        ("SHEET-POOL1", "阳性"),
        ("SHEET-ONE1", "阳性"),
        ("NOT-A-TUBE1", "阴性"),
    ]);
    let summary = upload(&app, &town, sheet.clone()).await;
    assert_eq!(summary["updated"], 2, "{summary}");
    let rejected = summary["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{summary}");
    assert_eq!(rejected[0]["row"], 5);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM epi_samples WHERE result = $1 AND barcode LIKE 'SHEET-%'",
            "positive"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM epi_test_requirements WHERE source_ref = $1",
            &format!("sample:{}", sample_id(&app, "SHEET-POOL1").await)
        )
        .await,
        5
    );
    // The single's case ticket is opened right after the upload.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM tickets WHERE kind = $1",
            "epidemic.case"
        )
        .await,
        1
    );
    let listed = untested_of(&app, &town, "group=requirement:pool_retest").await;
    let pool: Vec<i64> = people[..5].iter().map(|p| p.0).collect();
    assert_eq!(
        listed
            .iter()
            .filter(|r| pool.contains(&r["person_id"].as_i64().unwrap()))
            .count(),
        5
    );

    let again = upload(&app, &town, sheet).await;
    assert_eq!(again["updated"], 0, "{again}");
    assert_eq!(again["unchanged"], 2, "{again}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM tickets WHERE kind = $1",
            "epidemic.case"
        )
        .await,
        1
    );
}

/// 700 tubes of town01 (more than one confirmation batch), an unknown barcode, town02's tube
/// and a repeated barcode among them: exactly those three rows are reported, naming the barcode
/// cell, and every other row is stored; all-or-nothing stores none of them.
async fn a_lab_sheet_rejects_exactly_its_unknown_barcodes_and_stores_the_rest(backend: Backend) {
    const TUBES: usize = 700;
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let person = fresh_persons(&app, "town01", 1).await;
    let barcodes: Vec<String> = (1..=TUBES).map(|i| format!("BULK-{i:05}")).collect();
    for chunk in barcodes.chunks(500) {
        let samples: Vec<Value> = chunk
            .iter()
            .map(|b| json!({"barcode": b, "members": by_doc(&person)}))
            .collect();
        let r = town
            .post(app.url("/api/v1/epidemic/samples/batch"))
            .json(&json!({ "samples": samples }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let town2 = app.signed_in("town02").await;
    let other = fresh_persons(&app, "town02", 1).await;
    let (status, _) = post(
        &town2,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "TOWN2-BULK1", "members": by_doc(&other)}),
    )
    .await;
    assert_eq!(status, 201);

    let mut rows: Vec<(&str, &str)> = barcodes.iter().map(|b| (b.as_str(), "阴性")).collect();
    rows.insert(300, ("NOT-A-TUBE9", "阴性"));
    rows.insert(600, ("TOWN2-BULK1", "阴性"));
    rows.push(("BULK-00002", "阴性"));
    // Sheet rows: a title, the header, then data from row 3.
    let (unknown, outside, repeated) = (300 + 3, 600 + 3, rows.len() + 2);
    let sheet = lab_sheet(&rows);

    let refused = upload_in(&app, &town, sheet.clone(), "all-or-nothing").await;
    assert_eq!(refused["committed"], false, "{refused}");
    let stored = "SELECT COUNT(*) FROM epi_samples WHERE result IS NOT NULL AND barcode LIKE $1";
    assert_eq!(scalar(&app, stored, "BULK-%").await, 0);

    let summary = upload(&app, &town, sheet).await;
    let rejected = summary["rejected"].as_array().unwrap();
    let at: Vec<i64> = rejected
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(
        at,
        vec![unknown as i64, outside as i64, repeated as i64],
        "{summary}"
    );
    for r in &rejected[..2] {
        let errors = r["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{r}");
        let message = errors[0].as_str().unwrap();
        assert!(message == "【条码】未登记的试管条码", "{message}");
    }
    assert!(
        rejected[2]["errors"][0]
            .as_str()
            .unwrap()
            .contains("与第4行的条码相同"),
        "{summary}"
    );
    assert_eq!(summary["updated"], TUBES, "{summary}");
    assert_eq!(summary["committed"], true, "{summary}");
    assert_eq!(scalar(&app, stored, "BULK-%").await, TUBES as i64);
    assert_eq!(scalar(&app, stored, "TOWN2-BULK1").await, 0);
}

async fn samples_outside_the_area_do_not_exist_for_the_caller(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town02").await;
    let people = fresh_persons(&app, "town02", 1).await;
    let (status, sample) = post(
        &town,
        &app,
        "/api/v1/epidemic/samples",
        json!({"barcode": "TOWN2-0001", "members": by_doc(&people)}),
    )
    .await;
    assert_eq!(status, 201, "{sample}");
    let other = app.signed_in("town01").await;
    let r = other
        .get(app.url(&format!("/api/v1/epidemic/samples/{}", sample["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let listed = app
        .get_json(&other, "/api/v1/epidemic/samples?limit=500")
        .await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["barcode"] != "TOWN2-0001")
    );
    // Results for it from outside its area are refused as unknown.
    let (status, _) = post(
        &other,
        &app,
        "/api/v1/epidemic/results",
        json!({"results": [{"barcode": "TOWN2-0001", "result": "阴性"}]}),
    )
    .await;
    assert_eq!(status, 422);
    let town2_area = app.area_of("town02").await;
    let r = other
        .get(app.url(&format!("/api/v1/epidemic/coverage?area={town2_area}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A grid worker may read but the page of a sample form needs writing: allowed (grassroots).
    let page = town.get(app.url("/epidemic/testing")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = town
        .get(app.url("/epidemic/coverage"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}
