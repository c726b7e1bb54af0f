//! Prevention inspections through the API: a failed stop-work inspection opens a rectification
//! ticket and suspends the enterprise — the rates count it suspended and its own report cannot
//! say resumed — until a re-inspection passes; the stop-work finding and the re-inspections are
//! on the ticket's timeline. Enterprise accounts do not inspect; a bad field is named and
//! changes nothing; photos are evidence, recognised by content.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_stop_work_inspection_suspends_the_enterprise_until_a_passed_reinspection,
    an_enterprise_account_cannot_inspect_and_a_bad_inspection_changes_nothing,
    checklists_are_configurable_and_inspections_follow_them,
    the_demo_holds_inspections_needs_and_producers_at_every_stage,
    every_page_renders_in_chinese
);

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    support::scalar(app, sql, &[]).await
}

async fn figure(app: &TestApp, client: &reqwest::Client, key: &str, area: &str) -> f64 {
    let v: Value = app
        .get_json(client, &format!("/api/v1/figures/{key}?area={area}"))
        .await;
    v["value"].as_f64().unwrap_or_else(|| panic!("{key}: {v}"))
}

fn report(enterprise: i64, status: &str) -> Value {
    let resumed = status.ends_with("resumed") && status != "not_resumed";
    json!({"enterprise_id": enterprise, "status": status, "on_duty": if resumed { 30 } else { 0 },
           "total_staff": 40, "capacity_pct": if resumed { 60 } else { 0 }})
}

fn findings(passes: &[bool]) -> Value {
    Value::Array(
        passes
            .iter()
            .map(|p| json!({"passed": p, "note": if *p { "" } else { "未落实" }}))
            .collect(),
    )
}

async fn a_stop_work_inspection_suspends_the_enterprise_until_a_passed_reinspection(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let inspector = app.signed_in("town01").await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("commander").await;
    let (lo, hi) = domain::DivisionCode::parse(&district)
        .unwrap()
        .subtree_range();
    let today = support::today();

    // The enterprise works today.
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report(own, "fully_resumed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let before = support::expected(&app, &lo, &hi, today).await;
    let suspended_before =
        figure(&app, &commander, "economy.enterprises_suspended", &district).await;
    let done_before = figure(&app, &commander, "economy.inspections_done", &district).await;
    let failed_before = figure(&app, &commander, "economy.inspections_failed", &district).await;
    let open_before = figure(&app, &commander, "economy.rectifications_open", &district).await;

    // A spot check fails two items and stops work.
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "kind": "spot",
            "items": findings(&[true, false, true, false, true, true]),
            "stop_work": true, "rectify_within": "3 working days", "note": "测温点无人值守"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let stop: Value = r.json().await.unwrap();
    assert_eq!(stop["passed"], json!(false));
    assert_eq!(stop["enterprise_suspended"], json!(true));
    let ticket = stop["ticket_id"].as_i64().expect("a rectification ticket");

    let t: Value = app
        .get_json(&inspector, &format!("/api/v1/tickets/{ticket}"))
        .await;
    assert_eq!(t["ticket"]["kind"], json!("rectification"));
    assert_eq!(t["ticket"]["subject_id"].as_i64(), Some(own));
    assert_eq!(t["ticket"]["time_limit"], json!("3 working days"));
    assert!(t["ticket"]["due_at"].is_string(), "{t}");

    // The rates count it suspended though its latest report says fully resumed.
    let during = support::expected(&app, &lo, &hi, today).await;
    assert_eq!(during.resumed, before.resumed - 1);
    let rates: Value = app.get_json(&commander, "/api/v1/economy/resumption").await;
    assert_eq!(rates["total"]["resumed"].as_i64(), Some(during.resumed));
    assert_eq!(rates["total"]["on_duty"].as_i64(), Some(during.on_duty));
    assert_eq!(
        figure(&app, &commander, "economy.enterprises_suspended", &district).await,
        suspended_before + 1.0
    );
    assert_eq!(
        figure(&app, &commander, "economy.inspections_done", &district).await,
        done_before + 1.0
    );
    assert_eq!(
        figure(&app, &commander, "economy.inspections_failed", &district).await,
        failed_before + 1.0
    );
    assert_eq!(
        figure(&app, &commander, "economy.rectifications_open", &district).await,
        open_before + 1.0
    );

    // Meanwhile the enterprise cannot report itself resumed, by API or on the phone form.
    let reports = count(&app, "SELECT COUNT(*) FROM eco_reports").await;
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report(own, "partly_resumed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], json!("status"));
    let form = account
        .post(app.url("/economy/report"))
        .form(&[
            ("status", "fully_resumed"),
            ("on_duty", "30"),
            ("total_staff", "40"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 422);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("复查合格前不能填报为已复工")
    );
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report(own, "suspended"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "reporting the suspension itself is fine");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM eco_reports").await,
        reports
    );

    // A pass dated before the suspension began cannot lift it.
    let yesterday = today - chrono::Duration::days(1);
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "date": yesterday.to_string(),
            "items": findings(&[true; 6])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["field"],
        json!("date")
    );

    // A re-inspection that fails again keeps it suspended, and says so on the ticket.
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "reinspection_of": stop["id"],
            "items": findings(&[true, true, true, false, true, true])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["enterprise_suspended"], json!(true));
    assert_eq!(again["reinspection_of"], stop["id"]);

    // One that passes lifts the suspension; the enterprise may report resumed again.
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "items": findings(&[true; 6])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let passed: Value = r.json().await.unwrap();
    assert_eq!(passed["passed"], json!(true));
    assert_eq!(passed["enterprise_suspended"], json!(false));
    assert_eq!(
        passed["reinspection_of"], stop["id"],
        "the open suspension's inspection"
    );
    assert!(passed["ticket_id"].is_null());
    assert_eq!(
        figure(&app, &commander, "economy.enterprises_suspended", &district).await,
        suspended_before
    );
    let r = account
        .post(app.url("/api/v1/economy/reports"))
        .json(&report(own, "fully_resumed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(support::expected(&app, &lo, &hi, today).await, before);

    // Both the stop-work finding and the re-inspections are on the ticket's timeline.
    let t: Value = app
        .get_json(&inspector, &format!("/api/v1/tickets/{ticket}"))
        .await;
    let timeline = t["timeline"].as_array().unwrap();
    let actions: Vec<(&str, Option<&str>)> = timeline
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["reason"].as_str()))
        .collect();
    assert!(actions.contains(&("stop_work", None)), "{actions:?}");
    assert!(
        actions.contains(&("reinspection", Some("failed"))),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("reinspection", Some("passed"))),
        "{actions:?}"
    );
    let stop_line = timeline
        .iter()
        .find(|e| e["action"] == "stop_work")
        .unwrap();
    assert!(
        stop_line["detail"].as_str().unwrap().contains("门口测温"),
        "{stop_line}"
    );
}

async fn an_enterprise_account_cannot_inspect_and_a_bad_inspection_changes_nothing(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let inspector = app.signed_in("town01").await;
    let inspections = "SELECT COUNT(*) FROM eco_inspections";
    let tickets = "SELECT COUNT(*) FROM tickets";
    let audit = "SELECT COUNT(*) FROM audit_log";
    let (i0, t0, a0) = (
        count(&app, inspections).await,
        count(&app, tickets).await,
        count(&app, audit).await,
    );

    let r = account
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "items": findings(&[true; 6])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for (body, field) in [
        (
            json!({"enterprise_id": own, "items": findings(&[true, false])}),
            "items",
        ),
        (
            json!({"enterprise_id": own, "items": findings(&[true; 6]), "stop_work": true}),
            "stop_work",
        ),
        (
            json!({"enterprise_id": own, "items": findings(&[false; 6]), "rectify_within": "soon"}),
            "rectify_within",
        ),
        (
            json!({"enterprise_id": own, "items": findings(&[true; 6]), "kind": "raid"}),
            "kind",
        ),
    ] {
        let r = inspector
            .post(app.url("/api/v1/economy/inspections"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], json!(field), "{e}");
    }
    assert_eq!(count(&app, inspections).await, i0);
    assert_eq!(count(&app, tickets).await, t0);
    assert_eq!(count(&app, audit).await, a0);

    // Photos: an image is kept as evidence, a text file is refused.
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "items": findings(&[true; 6])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let part = reqwest::multipart::Part::bytes(png.clone()).file_name("门口.png");
    let r = inspector
        .post(app.url(&format!("/api/v1/economy/inspections/{id}/photos")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let photo = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let part = reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("x.png");
    let r = inspector
        .post(app.url(&format!("/api/v1/economy/inspections/{id}/photos")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let got = inspector
        .get(app.url(&format!("/api/v1/economy/inspections/{id}/photos/{photo}")))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), png);
    // The enterprise sees its own inspections, photos included; never another's.
    let mine: Value = app
        .get_json(&account, &format!("/api/v1/economy/inspections/{id}"))
        .await;
    assert_eq!(mine["photos"].as_array().unwrap().len(), 1);
    let other = support::neighbour_of(&app, "enterprise01", own).await;
    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": other, "items": findings(&[true; 6])}))
        .send()
        .await
        .unwrap();
    let theirs = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = account
        .get(app.url(&format!("/api/v1/economy/inspections/{theirs}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = account
        .get(app.url(&format!(
            "/api/v1/economy/inspections?enterprise_id={other}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn checklists_are_configurable_and_inspections_follow_them(backend: Backend) {
    let app = support::spawn(backend).await;
    let inspector = app.signed_in("town01").await;
    let account = app.signed_in("enterprise01").await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let lists: Value = app.get_json(&inspector, "/api/v1/economy/checklists").await;
    let default = &lists[0];
    assert_eq!(default["is_default"], json!(true));
    let items: Vec<&str> = default["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        items.contains(&"员工健康台账") && items.contains(&"隔离观察室"),
        "{items:?}"
    );

    let r = account
        .post(app.url("/api/v1/economy/checklists"))
        .json(&json!({"name": "x", "items": ["a"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = inspector
        .post(app.url("/api/v1/economy/checklists"))
        .json(&json!({"name": "食品企业检查表", "items": ["从业人员健康证", " ", "冷链消杀记录"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let food: Value = r.json().await.unwrap();
    assert_eq!(
        food["items"].as_array().unwrap().len(),
        2,
        "blank items dropped"
    );
    let r = inspector
        .post(app.url("/api/v1/economy/checklists"))
        .json(&json!({"name": "", "items": ["a"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    let r = inspector
        .post(app.url("/api/v1/economy/inspections"))
        .json(&json!({"enterprise_id": own, "checklist_id": food["id"],
            "items": findings(&[true, false])}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let done: Value = r.json().await.unwrap();
    let labels: Vec<&str> = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["从业人员健康证", "冷链消杀记录"]);

    // Renaming an item later does not rewrite what an inspection recorded.
    let r = inspector
        .put(app.url(&format!("/api/v1/economy/checklists/{}", food["id"])))
        .json(&json!({"name": "食品企业检查表", "items": ["健康证", "消杀记录", "通风"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let again: Value = app
        .get_json(
            &inspector,
            &format!("/api/v1/economy/inspections/{}", done["id"]),
        )
        .await;
    assert_eq!(again["items"][0]["label"], json!("从业人员健康证"));

    // The phone form shows the default checklist's items.
    let page = inspector
        .get(app.url("/economy/inspect"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("门口测温") && html.contains("item_5"),
        "{html}"
    );
}

async fn the_demo_holds_inspections_needs_and_producers_at_every_stage(backend: Backend) {
    let app = support::spawn(backend).await;
    let n = |sql: &'static str| support::scalar(&app, sql, &[]);
    assert!(n("SELECT COUNT(*) FROM eco_inspections").await > 10);
    assert!(n("SELECT COUNT(*) FROM eco_inspections WHERE kind = 'spot'").await > 0);
    assert!(
        n(
            "SELECT COUNT(*) FROM eco_inspections i JOIN tickets t ON t.id = i.ticket_id \
           WHERE NOT i.passed AND t.kind = 'rectification'"
        )
        .await
            > 0
    );
    assert_eq!(
        n("SELECT COUNT(*) FROM eco_inspections WHERE NOT passed AND ticket_id IS NULL").await,
        0,
        "every failure opened a ticket"
    );
    // Every demo suspension matches the enterprise's own reports: suspended on its first day.
    assert_eq!(
        n("SELECT COUNT(*) FROM eco_suspensions s WHERE NOT EXISTS (SELECT 1 FROM eco_reports r \
           WHERE r.enterprise_id = s.enterprise_id AND r.report_on = s.suspended_on AND r.status = 'suspended')")
        .await,
        0
    );
    assert_eq!(
        n(
            "SELECT COUNT(*) FROM eco_suspensions s WHERE s.lifted_on IS NOT NULL AND NOT EXISTS \
           (SELECT 1 FROM eco_inspections i WHERE i.id = s.lifted_by AND i.passed)"
        )
        .await,
        0,
        "lifted only by a passed re-inspection"
    );
    for state in ["dispatched", "in_progress", "handled", "closed"] {
        let sql: &'static str = match state {
            "dispatched" => {
                "SELECT COUNT(*) FROM eco_needs n JOIN tickets t ON t.id = n.ticket_id WHERE t.state = 'dispatched'"
            }
            "in_progress" => {
                "SELECT COUNT(*) FROM eco_needs n JOIN tickets t ON t.id = n.ticket_id WHERE t.state = 'in_progress'"
            }
            "handled" => {
                "SELECT COUNT(*) FROM eco_needs n JOIN tickets t ON t.id = n.ticket_id WHERE t.state = 'handled'"
            }
            _ => {
                "SELECT COUNT(*) FROM eco_needs n JOIN tickets t ON t.id = n.ticket_id WHERE t.state = 'closed'"
            }
        };
        assert!(n(sql).await > 0, "no demo need is {state}");
    }
    assert!(n("SELECT COUNT(*) FROM eco_needs WHERE category <> ''").await > 0);
    assert!(n("SELECT COUNT(*) FROM eco_ppe_output").await > 0);
    assert_eq!(
        n("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'economy.%'").await,
        0,
        "the demo writes no audit entries of its own"
    );
}

async fn every_page_renders_in_chinese(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let account = app.signed_in("enterprise01").await;
    let failed: Value = app
        .get_json(&town, "/api/v1/economy/inspections?failed=true")
        .await;
    let inspection = failed["items"][0]["id"]
        .as_i64()
        .expect("a failed demo inspection");
    let needs: Value = app.get_json(&town, "/api/v1/economy/needs").await;
    let need = needs["items"][0]["id"].as_i64().expect("a demo need");
    for (client, path, text) in [
        (&town, "/economy/inspections".to_string(), "防疫检查记录"),
        (
            &town,
            format!("/economy/inspections/{inspection}"),
            "整改工单",
        ),
        (&town, "/economy/inspect".to_string(), "暗访抽查"),
        (&town, "/economy/needs".to_string(), "企业诉求"),
        (&town, format!("/economy/needs/{need}"), "办理过程"),
        (&account, "/economy/need".to_string(), "诉求类别"),
        (&account, "/economy/needs".to_string(), "企业诉求"),
        (&town, "/economy/ppe".to_string(), "防疫物资产能与产量"),
    ] {
        let r = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(text), "{path} lacks {text}");
    }
}
