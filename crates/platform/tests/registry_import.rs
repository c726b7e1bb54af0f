//! `POST /api/v1/imports/persons`: a GBK CSV as Excel saves it on Chinese Windows, into the
//! caller's area only, valid rows stored, the others answered with reasons; twice changes nothing.

use serde_json::Value;
use testkit::{Backend, backend_tests, spawn_app};

backend_tests!(
    a_gbk_csv_imports_into_the_callers_area_and_again_changes_nothing,
    a_sheet_of_many_batches_is_stored_whole_or_not_at_all,
    a_changed_row_updates_its_person_and_new_tags_are_added
);

/// An import's answer: (inserted, updated, unchanged).
fn counts(answer: &Value) -> (Option<i64>, Option<i64>, Option<i64>) {
    (
        answer["inserted"].as_i64(),
        answer["updated"].as_i64(),
        answer["unchanged"].as_i64(),
    )
}

/// The persons table's indexes: name, definition, and (SQLite) the page where each begins,
/// which changes when an index is built afresh.
async fn person_indexes(app: &testkit::TestApp) -> Vec<(String, String, i64)> {
    match &app.db {
        platform::db::Db::Sqlite(pool) => sqlx::query_as(
            "SELECT name, COALESCE(sql, ''), rootpage FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = 'persons' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        platform::db::Db::Postgres(pool) => sqlx::query_as(
            "SELECT indexname::text, indexdef, 0::int8 FROM pg_indexes \
             WHERE tablename = 'persons' ORDER BY indexname",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

async fn upload(
    client: &reqwest::Client,
    url: String,
    bytes: Vec<u8>,
    mode: &str,
    area: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("人员.csv"),
        )
        .text("mode", mode.to_string())
        .text("area", area.to_string());
    client.post(url).multipart(form).send().await.unwrap()
}

async fn a_gbk_csv_imports_into_the_callers_area_and_again_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let village = me["area_code"].as_str().unwrap().to_string();
    let grid = format!("{village}001");
    let other = "990102101201001";
    let text = format!(
        "东风社区人员名单\n序号,姓名,公民身份号码,联系电话,区划代码,标签\n\
         1,张秀英,11010519491231002X,13812345678,{grid},独居老人、残疾人\n\
         2,王五,440524188001010014,,{other},\n\
         3,李四,12345,,{grid},\n\
         合计,3人,,,,\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let url = app.url("/api/v1/imports/persons");
    let response = upload(&client, url.clone(), gbk.to_vec(), "valid-rows", "").await;
    assert_eq!(response.status(), 200);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["rows"], 3, "{summary}");
    assert_eq!(summary["inserted"], 1, "{summary}");
    assert_eq!(summary["committed"], true);
    let rejected: Vec<i64> = summary["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_i64().unwrap())
        .collect();
    assert_eq!(
        rejected,
        vec![4, 5],
        "another village's row and a bad number: {summary}"
    );
    assert!(
        summary["rejected"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("不在您的管理范围"),
        "{summary}"
    );
    let found: Value = client
        .get(app.url("/api/v1/persons?q=11010519491231002X"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tags: Vec<&str> = found["items"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, vec!["disabled", "elderly_alone"]);
    let again: Value = upload(&client, url.clone(), gbk.to_vec(), "valid-rows", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts(&again), (Some(0), Some(0), Some(1)));
    let all_or_nothing: Value = upload(&client, url.clone(), gbk.to_vec(), "all-or-nothing", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all_or_nothing["committed"], false);
    let bad_mode = upload(&client, url, gbk.to_vec(), "sometimes", "").await;
    assert_eq!(bad_mode.status(), 422);
    // An auditor may not import.
    let auditor = app.signed_in("auditor").await;
    let refused = upload(
        &auditor,
        app.url("/api/v1/imports/persons"),
        gbk.to_vec(),
        "valid-rows",
        "",
    )
    .await;
    assert_eq!(refused.status(), 403);
}

/// 20,000 people: several store batches (8,192 on SQLite), stored while the next rows are read.
/// Valid-rows mode stores every one, once; all-or-nothing with one bad row at the very end
/// stores none of them, though the batches before it were already written.
async fn a_sheet_of_many_batches_is_stored_whole_or_not_at_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("admin").await;
    let grid = "990102001001001";
    let mut rng = testkit::sheets::Rng::new(7);
    let people: Vec<testkit::sheets::Person> = (0..20_000)
        .map(|i| testkit::sheets::person(&mut rng, i))
        .collect();
    let sheet = |people: &[testkit::sheets::Person], last: &str| {
        let mut text = String::from("姓名,公民身份号码,联系电话,区划代码\n");
        for p in people {
            text.push_str(&format!("{},{},{},{grid}\n", p.name, p.id, p.phone));
        }
        text.push_str(last);
        text.into_bytes()
    };
    let count = |client: reqwest::Client, id: String| {
        let url = app.url(&format!("/api/v1/persons?q={id}"));
        async move {
            let found: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            found["items"].as_array().unwrap().len()
        }
    };
    let url = app.url("/api/v1/imports/persons");
    let indexes = person_indexes(&app).await;
    let definitions = |indexes: &[(String, String, i64)]| -> Vec<(String, String)> {
        indexes
            .iter()
            .map(|(n, d, _)| (n.clone(), d.clone()))
            .collect()
    };
    for name in ["persons_by_name", "persons_by_phone"] {
        assert!(indexes.iter().any(|(n, _, _)| n == name), "{indexes:?}");
    }
    // All or nothing, the last row bad: nothing of the 20,000 before it.
    let bad = sheet(&people, &format!("坏行,12345,,{grid}\n"));
    let summary: Value = upload(&client, url.clone(), bad, "all-or-nothing", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["committed"], false, "{summary}");
    assert_eq!(summary["rows"], 20_001, "{summary}");
    for p in [&people[0], &people[10_000], &people[19_999]] {
        assert_eq!(count(client.clone(), p.id.clone()).await, 0, "{}", p.id);
    }
    // Indexes a large import drops to build at its end (SQLite) come back with the rollback.
    assert_eq!(person_indexes(&app).await, indexes);
    // Valid rows: all 20,000, each once.
    let good = sheet(&people, "");
    let summary: Value = upload(&client, url.clone(), good.clone(), "valid-rows", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["inserted"], 20_000, "{summary}");
    assert_eq!(summary["committed"], true, "{summary}");
    for p in [&people[0], &people[8191], &people[8192], &people[19_999]] {
        assert_eq!(count(client.clone(), p.id.clone()).await, 1, "{}", p.id);
    }
    // The same indexes, as the migrations define them; on SQLite the name and phone indexes
    // were built afresh at the end (20,000 rows into a near-empty table), and find people.
    let after = person_indexes(&app).await;
    assert_eq!(definitions(&after), definitions(&indexes));
    if backend == Backend::Sqlite {
        let rebuilt: Vec<&str> = after
            .iter()
            .zip(&indexes)
            .filter(|(a, b)| a.2 != b.2)
            .map(|(a, _)| a.0.as_str())
            .collect();
        assert_eq!(rebuilt, ["persons_by_name", "persons_by_phone"]);
    }
    for p in [&people[1], &people[19_998]] {
        assert_eq!(
            count(client.clone(), p.phone.clone()).await,
            1,
            "{}",
            p.phone
        );
        assert!(
            count(client.clone(), p.name.clone()).await >= 1,
            "{}",
            p.name
        );
    }
    let again: Value = upload(&client, url, good, "valid-rows", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["inserted"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(20_000)),
        "{again}"
    );
}

/// A second sheet with one person's phone changed and tags added to both: that person is
/// updated (a new version, the new phone), the other counts as unchanged, and both get their
/// new tags — an import adds tags, never removes one. What was stored reads back whole.
async fn a_changed_row_updates_its_person_and_new_tags_are_added(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("admin").await;
    let grid = "990102001001001";
    let url = app.url("/api/v1/imports/persons");
    let sheet = |phone: &str, tags: [&str; 2]| {
        format!(
            "姓名,公民身份号码,联系电话,区划代码,标签\n\
             张秀英,11010519491231002X,{phone},{grid},{}\n\
             王五,440524188001010014,,{grid},{}\n",
            tags[0], tags[1]
        )
        .into_bytes()
    };
    let first: Value = upload(
        &client,
        url.clone(),
        sheet("13812345678", ["独居老人", ""]),
        "valid-rows",
        "",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(first["inserted"], 2, "{first}");
    let second: Value = upload(
        &client,
        url,
        sheet("13912345678", ["独居老人、残疾人", "残疾人"]),
        "valid-rows",
        "",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(counts(&second), (Some(0), Some(1), Some(1)), "{second}");
    let person = |number: &'static str| {
        let url = app.url(&format!("/api/v1/persons?q={number}"));
        let client = client.clone();
        async move {
            let found: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            let mut person = found["items"][0].clone();
            let tags = person["tags"].as_array_mut().unwrap();
            tags.sort_by_key(|t| t.as_str().unwrap().to_string());
            person
        }
    };
    let zhang = person("11010519491231002X").await;
    assert_eq!(zhang["version"], 2, "{zhang}");
    assert_eq!(zhang["phone"], "139****5678", "{zhang}");
    assert_eq!(
        zhang["tags"],
        serde_json::json!(["disabled", "elderly_alone"])
    );
    assert_eq!(zhang["sex"], "female", "{zhang}");
    assert_eq!(zhang["birth_date"], "1949-12-31", "{zhang}");
    assert_eq!(zhang["created_by"], "admin", "{zhang}");
    let time =
        |key: &str| chrono::DateTime::parse_from_rfc3339(zhang[key].as_str().unwrap()).unwrap();
    assert!(time("updated_at") > time("created_at"), "{zhang}");
    let wang = person("440524188001010014").await;
    assert_eq!(wang["version"], 1, "{wang}");
    assert_eq!(wang["phone"], Value::Null, "{wang}");
    assert_eq!(wang["tags"], serde_json::json!(["disabled"]));
    assert_eq!(wang["sex"], "male", "{wang}");
    assert_eq!(wang["birth_date"], "1880-01-01", "{wang}");
}
