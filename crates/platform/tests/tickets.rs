//! The ticket engine through the API and the pages: a matter from report to close with every
//! step on the timeline and in the right inbox, parties' rights per kind, the complaint's
//! callback, pauses and extensions moving the deadline, the deadline sweep's warning, overdue
//! mark and escalation, bad input refused with nothing stored, and area scope.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    a_matter_goes_from_dispatch_to_close_with_every_step_on_the_timeline,
    a_complaint_is_due_in_13_working_days_and_closes_only_after_the_callback,
    a_pause_stops_the_clock_and_an_extension_moves_the_deadline,
    the_sweep_warns_marks_overdue_and_escalates_once,
    bad_input_is_refused_and_stores_nothing,
    the_pages_open_move_and_list_matters,
    photos_and_documents_attach_as_evidence_and_other_files_are_refused,
    a_matter_about_an_enterprise_goes_to_its_responsible_unit,
    a_retried_creation_with_one_idempotency_key_makes_one_ticket,
    a_dissatisfied_reporter_reopens_a_complaint_once,
    attachments_can_live_in_a_directory,
);

async fn me(app: &TestApp, client: &reqwest::Client) -> Value {
    client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client.post(app.url(path)).json(&body).send().await.unwrap()
}

/// Moves ticket `t` (as last read) and answers the new ticket, asserting success.
async fn act(
    client: &reqwest::Client,
    app: &TestApp,
    t: &Value,
    action: &str,
    extra: Value,
) -> Value {
    let mut body = json!({"action": action, "version": t["version"]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let path = format!("/api/v1/tickets/{}/actions", t["id"]);
    let response = post(client, app, &path, body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{action}: {answer}");
    answer
}

/// A township (town01) and one of its villages (v0101) with their units.
struct Parties {
    town: reqwest::Client,
    village: reqwest::Client,
    village_area: String,
    village_unit: i64,
}

async fn parties(app: &TestApp) -> Parties {
    let town = app.signed_in("town01").await;
    let village = app.signed_in("v0101").await;
    let v = me(app, &village).await;
    Parties {
        town,
        village_area: v["area_code"].as_str().unwrap().to_string(),
        village_unit: v["unit_id"].as_i64().expect("the village cadre has a unit"),
        village,
    }
}

async fn open(p: &Parties, app: &TestApp, body: Value) -> Value {
    let response = post(&p.town, app, "/api/v1/tickets", body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    answer
}

async fn a_matter_goes_from_dispatch_to_close_with_every_step_on_the_timeline(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "general", "title": "东风村垃圾堆放点清理", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "priority": "high"}),
    )
    .await;
    assert_eq!(t["state"], "dispatched");
    assert_eq!(t["time_limit"], "1 working day");
    assert!(t["due_at"].is_string());

    // The village sees it in its work; another township does not see it at all.
    let inbox = app.get_json(&p.village, "/api/v1/inbox").await;
    assert!(
        inbox["todo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == t["id"]),
        "{inbox}"
    );
    assert!(
        inbox["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "assigned"),
        "{inbox}"
    );
    let stranger = app.signed_in("town02").await;
    let hidden = stranger
        .get(app.url(&format!("/api/v1/tickets/{}", t["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);

    // The owner may not close its own work; the refusal says so in Chinese.
    let detail = app
        .get_json(&p.village, &format!("/api/v1/tickets/{}", t["id"]))
        .await;
    assert_eq!(detail["actions"], json!(["accept", "return"]), "{detail}");
    let refused = post(
        &p.village,
        &app,
        &format!("/api/v1/tickets/{}/actions", t["id"]),
        json!({"action": "close", "version": t["version"]}),
    )
    .await;
    assert!(refused.status() == 409 || refused.status() == 403);
    let message: Value = refused.json().await.unwrap();
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("销号"),
        "{message}"
    );

    let t = act(&p.village, &app, &t, "accept", json!({})).await;
    assert_eq!(t["state"], "in_progress");
    // A stale version is refused.
    let stale = post(
        &p.village,
        &app,
        &format!("/api/v1/tickets/{}/actions", t["id"]),
        json!({"action": "handle", "version": 1}),
    )
    .await;
    assert_eq!(stale.status(), 409);
    let t = act(&p.village, &app, &t, "handle", json!({})).await;
    let town_inbox = app.get_json(&p.town, "/api/v1/inbox").await;
    assert!(
        town_inbox["to_verify"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == t["id"]),
        "{town_inbox}"
    );
    let t = act(&p.town, &app, &t, "verify", json!({})).await;
    let t = act(&p.town, &app, &t, "close", json!({})).await;
    assert_eq!(t["state"], "closed");
    assert!(t["closed_at"].is_string());

    let detail = app
        .get_json(&p.town, &format!("/api/v1/tickets/{}", t["id"]))
        .await;
    let steps: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["create", "dispatch", "accept", "handle", "verify", "close"]
    );
    assert_eq!(detail["actions"], json!(["reopen"]), "{detail}");
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect()
    };
    let closed = app
        .get_json(&p.town, "/api/v1/tickets?state=closed&limit=500")
        .await;
    assert!(ids(&closed).contains(&t["id"].as_i64().unwrap()));
    assert!(
        closed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["state"] == "closed")
    );
    let open_only = app
        .get_json(&p.town, "/api/v1/tickets?open=true&limit=500")
        .await;
    assert!(!ids(&open_only).contains(&t["id"].as_i64().unwrap()));
}

async fn a_complaint_is_due_in_13_working_days_and_closes_only_after_the_callback(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "complaint", "title": "噪音扰民", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "source": "hotline",
               "reporter_name": "张先生", "reporter_phone": "13812345678"}),
    )
    .await;
    assert_eq!(t["reporter_phone"], "138****5678");
    assert_eq!(t["time_limit"], "13 working days");
    let from: DateTime<Utc> = t["clock_from"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = t["due_at"].as_str().unwrap().parse().unwrap();
    let expected = domain::deadline::due(
        from,
        domain::TimeLimit::WorkingDays(13),
        &domain::WorkCalendar::official(),
        &domain::WorkingHours::default(),
    );
    assert_eq!(due, expected.value);

    let t = act(&p.village, &app, &t, "accept", json!({})).await;
    let t = act(&p.village, &app, &t, "handle", json!({})).await;
    let early = post(
        &p.town,
        &app,
        &format!("/api/v1/tickets/{}/actions", t["id"]),
        json!({"action": "close", "version": t["version"]}),
    )
    .await;
    assert_eq!(early.status(), 409);
    let message: Value = early.json().await.unwrap();
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("回访"),
        "{message}"
    );
    let done = post(
        &p.town,
        &app,
        &format!("/api/v1/tickets/{}/callback", t["id"]),
        json!({"text": "已电话回访，群众满意"}),
    )
    .await;
    assert_eq!(done.status(), 204);
    let t = app
        .get_json(&p.town, &format!("/api/v1/tickets/{}", t["id"]))
        .await["ticket"]
        .clone();
    let t = act(&p.town, &app, &t, "close", json!({})).await;
    assert_eq!(t["state"], "closed");
}

async fn a_pause_stops_the_clock_and_an_extension_moves_the_deadline(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "general", "title": "道路破损", "area_code": p.village_area,
               "owner_unit_id": p.village_unit}),
    )
    .await;
    let due_before: DateTime<Utc> = t["due_at"].as_str().unwrap().parse().unwrap();
    // A pause needs a reason.
    let bare = post(
        &p.town,
        &app,
        &format!("/api/v1/tickets/{}/actions", t["id"]),
        json!({"action": "pause", "version": t["version"]}),
    )
    .await;
    assert_eq!(bare.status(), 422);
    let error: Value = bare.json().await.unwrap();
    assert_eq!(error["error"]["field"], "reason", "{error}");
    let t = act(&p.town, &app, &t, "pause", json!({"reason": "等待材料"})).await;
    assert_eq!(t["state"], "paused");
    assert_eq!(t["paused_from"], "dispatched");
    assert!(t["due_at"].is_null());
    let t = act(&p.town, &app, &t, "resume", json!({})).await;
    assert_eq!(t["state"], "dispatched");
    let due_after: DateTime<Utc> = t["due_at"].as_str().unwrap().parse().unwrap();
    assert!(due_after >= due_before, "{due_before} then {due_after}");

    // An extension sets a later deadline; an earlier one is refused.
    let earlier = post(
        &p.town,
        &app,
        &format!("/api/v1/tickets/{}/actions", t["id"]),
        json!({"action": "extend", "version": t["version"], "reason": "工程量大", "new_due": "2020-01-01"}),
    )
    .await;
    assert_eq!(earlier.status(), 422);
    let t = act(
        &p.town,
        &app,
        &t,
        "extend",
        json!({"reason": "工程量大", "new_due": "2099-12-31"}),
    )
    .await;
    assert!(
        t["due_at"].as_str().unwrap().starts_with("2099-12-31"),
        "{t}"
    );
    assert_eq!(t["state"], "dispatched");
}

async fn the_sweep_warns_marks_overdue_and_escalates_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "general", "title": "井盖缺失", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "time_limit": "24小时"}),
    )
    .await;
    let due: DateTime<Utc> = t["due_at"].as_str().unwrap().parse().unwrap();
    // The demo's tickets are swept too; what is checked is this ticket's timeline.
    let sweep = |at: DateTime<Utc>| platform::tickets::escalation::sweep(&app.state, at);
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let client = &p.town;
    let app_ref = &app;
    let steps = || async {
        let detail = app_ref.get_json(client, &path).await;
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    sweep(due - TimeDelta::hours(12)).await.unwrap();
    assert_eq!(
        steps().await,
        ["create", "dispatch"],
        "nothing half a day ahead"
    );
    sweep(due - TimeDelta::hours(2)).await.unwrap();
    assert_eq!(steps().await, ["create", "dispatch", "warn"]);
    sweep(due - TimeDelta::hours(1)).await.unwrap();
    assert_eq!(steps().await, ["create", "dispatch", "warn"], "warned once");
    sweep(due + TimeDelta::minutes(1)).await.unwrap();
    assert_eq!(steps().await, ["create", "dispatch", "warn", "overdue"]);
    let inbox = app.get_json(&p.village, "/api/v1/inbox").await;
    assert!(
        inbox["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == t["id"]),
        "{inbox}"
    );
    sweep(due + TimeDelta::hours(25)).await.unwrap();
    let settled = sweep(due + TimeDelta::hours(30)).await.unwrap();
    assert_eq!(settled, Default::default(), "every step happens once");
    assert_eq!(
        steps().await,
        ["create", "dispatch", "warn", "overdue", "escalate"]
    );
    let detail = app.get_json(&p.town, &path).await;
    assert_eq!(detail["ticket"]["escalation_level"], 1);
    // The superior level (the township's office) has the escalation in its notices.
    let town_inbox = app.get_json(&p.town, "/api/v1/inbox").await;
    assert!(
        town_inbox["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "escalate"),
        "{town_inbox}"
    );
}

async fn bad_input_is_refused_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let other_town = me(&app, &app.signed_in("town02").await).await["area_code"]
        .as_str()
        .unwrap()
        .to_string();
    let base = json!({"kind": "general", "title": "事项", "area_code": p.village_area});
    let cases = [
        (json!({"kind": "unknown"}), 422, "kind"),
        (json!({"title": "  "}), 422, "title"),
        (json!({"priority": "asap"}), 422, "priority"),
        (json!({"source": "rumour"}), 422, "source"),
        (json!({"subject_kind": "enterprise"}), 422, "subject_id"),
        (
            json!({"subject_kind": "enterprise", "subject_id": 999999}),
            422,
            "subject_id",
        ),
        (json!({"owner_unit_id": 999999}), 422, "owner_unit_id"),
        (json!({"reporter_phone": "123"}), 422, "reporter_phone"),
        (json!({"time_limit": "soon"}), 422, "time_limit"),
        (json!({"area_code": other_town}), 403, "area_code"),
    ];
    for (change, status, field) in cases {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let response = post(&p.town, &app, "/api/v1/tickets", body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        if status == 422 {
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["field"], field, "{error}");
            assert!(!error["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    let listed = app.get_json(&p.town, "/api/v1/tickets?limit=500").await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["created_by"] == "demo"),
        "only the demo's tickets: {listed}"
    );
    let bad_filter = p
        .town
        .get(app.url("/api/v1/tickets?kind=nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_filter.status(), 422);
}

async fn the_pages_open_move_and_list_matters(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let before = app.get_json(&p.village, "/api/v1/inbox").await["todo"]
        .as_array()
        .unwrap()
        .len();
    let form = p
        .town
        .get(app.url("/tickets/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("事项标题") && form.contains("承办单位"),
        "{form}"
    );
    let created = p
        .town
        .post(app.url("/tickets/new"))
        .form(&[
            ("kind", "general"),
            ("title", "路灯不亮"),
            ("area_code", p.village_area.as_str()),
            ("priority", "normal"),
            ("source", "grid_patrol"),
            ("owner_unit_id", p.village_unit.to_string().as_str()),
            ("idempotency_key", "form-0001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let to = created.headers()["location"].to_str().unwrap().to_string();
    let resubmitted = p
        .town
        .post(app.url("/tickets/new"))
        .form(&[
            ("kind", "general"),
            ("title", "路灯不亮"),
            ("area_code", p.village_area.as_str()),
            ("owner_unit_id", p.village_unit.to_string().as_str()),
            ("idempotency_key", "form-0001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resubmitted.headers()["location"].to_str().unwrap(),
        to,
        "submitting the same form twice opens one matter"
    );
    assert!(to.starts_with("/tickets/"), "{to}");
    let page = p
        .town
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("路灯不亮") && page.contains("办理记录"),
        "{page}"
    );
    let bad = p
        .town
        .post(app.url("/tickets/new"))
        .form(&[
            ("kind", "general"),
            ("title", ""),
            ("area_code", p.village_area.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("请填写事项标题"));

    let inbox = p
        .village
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains("待我办理") && inbox.contains("路灯不亮"),
        "{inbox}"
    );
    assert!(
        inbox.contains(&format!(
            "<span class=\"nav-count\" data-testid=\"nav-count\">{}</span>",
            before + 1
        )),
        "the navigation counts the open work: {inbox}"
    );
    let listed = app.get_json(&p.village, "/api/v1/inbox").await;
    let id = listed["todo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "路灯不亮")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let detail = p
        .village
        .get(app.url(&format!("/tickets/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("data-testid=\"move-accept\""), "{detail}");
    let moved = p
        .village
        .post(app.url(&format!("/tickets/{id}/act")))
        .form(&[("action", "accept"), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 303);
    let after = p
        .village
        .get(app.url(&format!("/tickets/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("办理中") || after.contains("in_progress"),
        "{after}"
    );
    let list = p
        .town
        .get(app.url("/tickets?open=true"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("路灯不亮"), "{list}");
}

async fn attach(
    client: &reqwest::Client,
    app: &TestApp,
    id: &Value,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    client
        .post(app.url(&format!("/api/v1/tickets/{id}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn photos_and_documents_attach_as_evidence_and_other_files_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "rectification", "title": "消防通道堵塞整改", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "source": "inspection"}),
    )
    .await;
    let mut photo = b"\x89PNG\r\n\x1a\n".to_vec();
    photo.extend((0..2048).map(|i| (i % 251) as u8));
    let done = attach(&p.village, &app, &t["id"], "现场照片.png", photo.clone()).await;
    assert_eq!(done.status(), 201);
    let view: Value = done.json().await.unwrap();
    assert_eq!(view["content_type"], "image/png");

    let refused = attach(
        &p.village,
        &app,
        &t["id"],
        "evil.png",
        b"MZ\x90\x00binary".to_vec(),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert!(
        error["error"]["message"].as_str().unwrap().contains("PDF"),
        "{error}"
    );
    let empty = attach(&p.village, &app, &t["id"], "a.pdf", Vec::new()).await;
    assert_eq!(empty.status(), 422);

    let detail = app
        .get_json(&p.town, &format!("/api/v1/tickets/{}", t["id"]))
        .await;
    assert_eq!(
        detail["attachments"].as_array().unwrap().len(),
        1,
        "{detail}"
    );
    assert!(
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "attach" && e["detail"] == "现场照片.png"),
        "{detail}"
    );
    let path = format!("/api/v1/tickets/{}/attachments/{}", t["id"], view["id"]);
    let back = p.town.get(app.url(&path)).send().await.unwrap();
    assert_eq!(back.status(), 200);
    assert_eq!(back.headers()["content-type"], "image/png");
    assert_eq!(back.bytes().await.unwrap().to_vec(), photo);
    let stranger = app.signed_in("town02").await;
    assert_eq!(
        stranger.get(app.url(&path)).send().await.unwrap().status(),
        404
    );
}

async fn a_matter_about_an_enterprise_goes_to_its_responsible_unit(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let enterprises = app.get_json(&p.town, "/api/v1/enterprises?limit=1").await;
    let enterprise = &enterprises["items"][0];
    let assigned = post(
        &p.town,
        &app,
        "/api/v1/responsibilities",
        json!({"subject_kind": "enterprise", "subject_id": enterprise["id"], "role": "department",
               "unit_id": p.village_unit}),
    )
    .await;
    assert_eq!(assigned.status(), 201, "{}", assigned.text().await.unwrap());
    let t = open(
        &p,
        &app,
        json!({"kind": "rectification", "title": "测温登记不规范", "area_code": enterprise["area_code"],
               "subject_kind": "enterprise", "subject_id": enterprise["id"], "source": "inspection"}),
    )
    .await;
    assert_eq!(t["owner_unit_id"], p.village_unit, "{t}");
    assert_eq!(t["state"], "dispatched");
    let about = app
        .get_json(
            &p.town,
            &format!("/api/v1/tickets?subject=enterprise:{}", enterprise["id"]),
        )
        .await;
    assert_eq!(about["items"].as_array().unwrap().len(), 1, "{about}");
}

async fn a_retried_creation_with_one_idempotency_key_makes_one_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let body = json!({"kind": "general", "title": "重复提交测试", "area_code": p.village_area,
                      "owner_unit_id": p.village_unit});
    let send = |key: &'static str| {
        let client = p.town.clone();
        let url = app.url("/api/v1/tickets");
        let body = body.clone();
        async move {
            client
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send("phone-7f3a").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send("phone-7f3a").await;
    assert_eq!(again.status(), 200, "a retry answers the first ticket");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let other = send("phone-8b1c").await;
    assert_eq!(other.status(), 201, "another key is another ticket");
    let listed = app.get_json(&p.town, "/api/v1/tickets?limit=500").await;
    let same_title = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["title"] == "重复提交测试")
        .count();
    assert_eq!(same_title, 2);
    let bad = p
        .town
        .post(app.url("/api/v1/tickets"))
        .header("Idempotency-Key", "with space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

async fn a_dissatisfied_reporter_reopens_a_complaint_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "complaint", "title": "供水不稳定", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "source": "hotline"}),
    )
    .await;
    let t = act(&p.village, &app, &t, "accept", json!({})).await;
    let t = act(&p.village, &app, &t, "handle", json!({})).await;
    let path = format!("/api/v1/tickets/{}/callback", t["id"]);
    let bad = post(
        &p.town,
        &app,
        &path,
        json!({"text": "回访", "rating": "meh"}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let first = post(
        &p.town,
        &app,
        &path,
        json!({"text": "群众不满意", "rating": "dissatisfied"}),
    )
    .await;
    assert_eq!(first.status(), 204);
    let t = app
        .get_json(&p.town, &format!("/api/v1/tickets/{}", t["id"]))
        .await["ticket"]
        .clone();
    assert_eq!(t["state"], "in_progress", "reopened for more work: {t}");
    assert_eq!(t["rating"], "dissatisfied");
    let t = act(&p.village, &app, &t, "handle", json!({})).await;
    let second = post(
        &p.town,
        &app,
        &path,
        json!({"text": "仍不满意", "rating": "dissatisfied"}),
    )
    .await;
    assert_eq!(second.status(), 204);
    let t = app
        .get_json(&p.town, &format!("/api/v1/tickets/{}", t["id"]))
        .await["ticket"]
        .clone();
    assert_eq!(t["state"], "handled", "reopened only once: {t}");
    let t = act(&p.town, &app, &t, "close", json!({})).await;
    assert_eq!(t["state"], "closed");
}

async fn attachments_can_live_in_a_directory(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let app = testkit::AppBuilder::new(backend)
        .configure(move |c| c.attachments_dir = Some(path))
        .spawn()
        .await;
    let p = parties(&app).await;
    let t = open(
        &p,
        &app,
        json!({"kind": "general", "title": "围墙倒塌", "area_code": p.village_area,
               "owner_unit_id": p.village_unit}),
    )
    .await;
    let pdf = b"%PDF-1.4\n% evidence\n".to_vec();
    let done = attach(&p.village, &app, &t["id"], "整改报告.pdf", pdf.clone()).await;
    assert_eq!(done.status(), 201);
    let view: Value = done.json().await.unwrap();
    let on_disk = dir.path().join(format!("{}/{}", t["id"], view["id"]));
    assert_eq!(
        std::fs::read(&on_disk).unwrap(),
        pdf,
        "the file is in the directory"
    );
    let back = p
        .town
        .get(app.url(&format!(
            "/api/v1/tickets/{}/attachments/{}",
            t["id"], view["id"]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf);
}
