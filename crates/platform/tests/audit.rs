//! The audit log through the real server: every account change and sign-in is chained with who,
//! when, from where and what changed; a failed change leaves no entry; appends from two nodes at
//! once stay gap-free; the table refuses edits; verification names the first tampered entry; and
//! only auditors read the log, filtered and paged, in the API and the UI.

use platform::audit::{Problem, Verdict, verify};
use serde_json::Value;
use testkit::{AppBuilder, Backend, DEMO_PASSWORD, TestApp, backend_tests, spawn_app};

backend_tests!(
    account_changes_and_sign_ins_are_chained_with_who_when_where_and_what,
    a_refused_change_leaves_no_entry,
    appends_from_two_nodes_at_once_keep_the_chain_gap_free,
    the_table_refuses_edits_and_verification_names_the_first_tampered_entry,
    only_auditors_read_the_log,
    auditors_filter_and_page_through_the_log,
    the_audit_page_lists_and_filters_entries,
);

async fn entries(app: &TestApp) -> Vec<platform::audit::Entry> {
    const SQL: &str = "SELECT seq, at, actor_id, actor_name, client_addr, action, record_kind, record_id, \
         area_code, reason, before_json, after_json, prev_hash, hash FROM audit_log ORDER BY seq";
    platform::with_db!(&app.db, pool => sqlx::query_as(SQL).fetch_all(pool).await).unwrap()
}

fn one_time_password(page: &str) -> String {
    page.split("data-testid=\"one-time-password\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the one-time password is shown")
        .to_string()
}

async fn account_changes_and_sign_ins_are_chained_with_who_when_where_and_what(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let created = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "wangwu"),
            ("display_name", "王五"),
            ("role", "village"),
            ("area_code", "990102001001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let password = one_time_password(&created.text().await.unwrap());
    for action in ["disable", "enable", "grant-pii"] {
        let done = admin
            .post(app.url(&format!("/admin/users/wangwu/{action}")))
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 303, "{action}");
    }
    let wangwu = app.client();
    let signed_in = wangwu
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "wangwu", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let changed = wangwu
        .post(app.url("/api/v1/me/password"))
        .json(&serde_json::json!({"current": password, "new": "autumn-harvest-2020"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    let out = wangwu
        .delete(app.url("/api/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let log = entries(&app).await;
    // Gap-free from 1, each linked to the one before.
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.hash, e.computed_hash());
        if i > 0 {
            assert_eq!(e.prev_hash, log[i - 1].hash);
        }
    }
    assert_eq!(log[0].prev_hash, platform::audit::GENESIS);
    assert_eq!(log[0].action, "system.demo");
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.actor_name.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions[1..],
        [
            ("admin", "session.login"),
            ("admin", "user.create"),
            ("admin", "user.disable"),
            ("admin", "user.enable"),
            ("admin", "user.pii_grant"),
            ("wangwu", "session.login"),
            ("wangwu", "user.password_change"),
            ("wangwu", "session.logout_all"),
        ]
    );
    let user = platform::users::repo::get_by_username(&app.db, "wangwu")
        .await
        .unwrap()
        .unwrap();
    let create = &log[2];
    assert_eq!(create.record_kind.as_deref(), Some("user"));
    assert_eq!(create.record_id, Some(user.id.to_string()));
    assert_eq!(create.area_code.as_deref(), Some("990102001001"));
    assert_eq!(create.client_addr.as_deref(), Some("127.0.0.1"));
    let admin_row = platform::users::repo::get_by_username(&app.db, "admin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(create.actor_id, Some(admin_row.id));
    let after: Value = serde_json::from_str(create.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["role"], "village");
    assert_eq!(after["must_change_password"], true);
    let disable = &log[3];
    assert_eq!(disable.before_json.as_deref(), Some("{\"disabled\":false}"));
    assert!(
        disable
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"disabled\":true")
    );
    // No password or hash ever reaches the log.
    for e in &log {
        let text = format!("{:?}{:?}", e.before_json, e.after_json);
        assert!(
            !text.contains(&password) && !text.contains("argon2"),
            "{text}"
        );
    }
    assert_eq!(
        verify(&app.db).await.unwrap(),
        Verdict::Intact {
            entries: log.len() as i64,
            head_hash: log.last().unwrap().hash.clone()
        }
    );
}

async fn a_refused_change_leaves_no_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let before = entries(&app).await.len();
    let taken = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "town01"),
            ("display_name", "重名"),
            ("role", "grid"),
            ("area_code", "990102001001001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    assert_eq!(entries(&app).await.len(), before);
    assert!(matches!(
        verify(&app.db).await.unwrap(),
        Verdict::Intact { .. }
    ));
}

async fn appends_from_two_nodes_at_once_keep_the_chain_gap_free(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = AppBuilder::new(backend)
        .same_database_as(&first)
        .spawn()
        .await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let node = if i % 2 == 0 { &first } else { &second };
        let url = node.url("/api/v1/session");
        let username = ["town01", "town02", "v0101", "g010101"][i % 4];
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let log = entries(&first).await;
    assert_eq!(log.len(), 13, "the demo entry and twelve sign-ins");
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=13).collect::<Vec<_>>()
    );
    assert!(matches!(
        verify(&first.db).await.unwrap(),
        Verdict::Intact { entries: 13, .. }
    ));
}

/// Drops the append-only triggers, as a database administrator could.
async fn drop_guards(app: &TestApp) {
    let statements: &[&str] = match app.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
    };
    for sql in statements {
        platform::with_db!(&app.db, pool => sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(pool).await.map(|r| r.rows_affected()))
            .unwrap();
    }
}

async fn exec(app: &TestApp, sql: &'static str) -> Result<u64, sqlx::Error> {
    platform::with_db!(&app.db, pool => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()))
}

async fn the_table_refuses_edits_and_verification_names_the_first_tampered_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["admin", "town01", "v0101", "g010101", "town02"] {
        app.signed_in(name).await;
    }
    // Six entries: the demo and five sign-ins. The table itself refuses changes.
    assert!(
        exec(&app, "UPDATE audit_log SET actor_name = 'x' WHERE seq = 3")
            .await
            .is_err()
    );
    assert!(
        exec(&app, "DELETE FROM audit_log WHERE seq = 3")
            .await
            .is_err()
    );
    assert!(matches!(
        verify(&app.db).await.unwrap(),
        Verdict::Intact { entries: 6, .. }
    ));
    drop_guards(&app).await;
    // An edited entry.
    exec(
        &app,
        "UPDATE audit_log SET client_addr = '10.9.9.9' WHERE seq = 4",
    )
    .await
    .unwrap();
    assert_eq!(
        verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 4,
            problem: Problem::Changed
        }
    );
    exec(
        &app,
        "UPDATE audit_log SET client_addr = '127.0.0.1' WHERE seq = 4",
    )
    .await
    .unwrap();
    assert!(matches!(
        verify(&app.db).await.unwrap(),
        Verdict::Intact { .. }
    ));
    // Two entries swapped (their positions exchanged).
    exec(&app, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
        .await
        .unwrap();
    exec(&app, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
        .await
        .unwrap();
    exec(&app, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
        .await
        .unwrap();
    assert_eq!(
        verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 2,
            problem: Problem::Changed
        }
    );
    exec(&app, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
        .await
        .unwrap();
    exec(&app, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
        .await
        .unwrap();
    exec(&app, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
        .await
        .unwrap();
    // A deleted entry in the middle, then at the end.
    exec(&app, "DELETE FROM audit_log WHERE seq = 6")
        .await
        .unwrap();
    assert_eq!(
        verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 6,
            problem: Problem::TailMissing { head: 6 }
        }
    );
    exec(&app, "DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    assert_eq!(
        verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 3,
            problem: Problem::Missing { next: 4 }
        }
    );
}

async fn only_auditors_read_the_log(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["admin", "commander", "town01", "v0101", "dept-health"] {
        let client = app.signed_in(name).await;
        let api = client.get(app.url("/api/v1/audit")).send().await.unwrap();
        assert_eq!(api.status(), 403, "{name}");
        let error: Value = api.json().await.unwrap();
        assert_eq!(error["error"]["code"], "forbidden");
        assert_eq!(
            client.get(app.url("/audit")).send().await.unwrap().status(),
            403,
            "{name}"
        );
    }
    assert_eq!(
        app.client()
            .get(app.url("/api/v1/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let auditor = app.signed_in("auditor").await;
    let page: Value = auditor
        .get(app.url("/api/v1/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items[0]["action"], "session.login");
    assert_eq!(items[0]["actor"], "auditor");
    assert_eq!(items.last().unwrap()["action"], "system.demo");
    // The auditor reads the log and nothing else.
    assert_eq!(
        auditor
            .get(app.url("/api/v1/areas"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        auditor
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn auditors_filter_and_page_through_the_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    for action in ["disable", "enable", "disable", "enable"] {
        admin
            .post(app.url(&format!("/admin/users/g010101/{action}")))
            .send()
            .await
            .unwrap();
    }
    app.signed_in("town01").await;
    let auditor = app.signed_in("auditor").await;
    let base = app.url("/api/v1/audit");
    let by_actor = get_json(&auditor, format!("{base}?actor=admin")).await;
    let actions: Vec<&str> = by_actor["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.enable",
            "user.disable",
            "user.enable",
            "user.disable",
            "session.login"
        ]
    );
    let exact = get_json(&auditor, format!("{base}?action=user.disable")).await;
    assert_eq!(exact["items"].as_array().unwrap().len(), 2);
    let prefix = get_json(&auditor, format!("{base}?action=user.")).await;
    assert_eq!(prefix["items"].as_array().unwrap().len(), 4);
    let grid = platform::users::repo::get_by_username(&app.db, "g010101")
        .await
        .unwrap()
        .unwrap();
    let record = get_json(
        &auditor,
        format!("{base}?record_kind=user&record_id={}", grid.id),
    )
    .await;
    assert_eq!(record["items"].as_array().unwrap().len(), 4);
    assert_eq!(record["items"][0]["before"]["disabled"], true);
    assert_eq!(record["items"][0]["after"]["disabled"], false);
    // Dates are Beijing days; today holds everything, yesterday nothing.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let yesterday = today.pred_opt().unwrap();
    let all = get_json(
        &auditor,
        format!("{base}?from={today}&to={today}&limit=500"),
    )
    .await;
    let count = all["items"].as_array().unwrap().len();
    assert!(count >= 8, "{all}");
    let none = get_json(&auditor, format!("{base}?to={yesterday}")).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    let bad = auditor
        .get(format!("{base}?from=2020-13-45"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["field"], "from");
    // Keyset pages of 3 walk every entry once, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}?limit=3");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(&auditor, url).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["seq"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let total = entries(&app).await.len() as i64;
    assert_eq!(seen, (1..=total).rev().collect::<Vec<_>>());
}

async fn the_audit_page_lists_and_filters_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    admin
        .post(app.url("/admin/users/g010101/disable"))
        .send()
        .await
        .unwrap();
    let auditor = app.signed_in("auditor").await;
    let home = auditor
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/audit\""), "the auditor's navigation");
    assert!(!home.contains("href=\"/areas\""));
    let page = auditor
        .get(app.url("/audit?action=user.disable"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("审计日志") && page.contains("id=\"audit-table\""));
    assert!(page.contains("<code>user.disable</code>"), "{page}");
    assert!(!page.contains("<code>session.login</code>"));
    assert!(page.contains("127.0.0.1"));
    let bad = auditor
        .get(app.url("/audit?from=not-a-date"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(bad.contains("id=\"f-from-error\" role=\"alert\""), "{bad}");
}
