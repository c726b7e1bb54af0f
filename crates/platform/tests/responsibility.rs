//! 包保 responsibility through the API and the pages: assign, list and end with audit entries;
//! one active leader per subject; the caller's scope; the coverage lists moving as assignments
//! come and go; the default owner a ticket is routed to; and no writing without `registry` write.

use platform::responsibility::{Owner, Subject, default_owner, today};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    an_assignment_is_made_listed_and_ended_with_audit_entries,
    a_second_active_leader_is_refused_until_the_first_is_ended,
    a_township_cannot_assign_or_see_in_another,
    coverage_lists_follow_assignments,
    tickets_route_to_the_department_cadre_grid_worker_leader_then_up_the_area_tree,
    without_registry_write_nothing_is_assigned_or_ended,
    the_pages_show_coverage_and_assign,
);

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

/// (user id, unit id, area code) of a demo account.
async fn account(app: &TestApp, username: &str) -> (i64, i64, String) {
    const SQL: &str = "SELECT id, unit_id, area_code FROM users WHERE username = $1";
    let (id, unit, area): (i64, Option<i64>, String) = platform::with_db!(&app.db, pool =>
        sqlx::query_as(SQL).bind(username).fetch_one(pool).await)
    .unwrap();
    (id, unit.expect("a demo account with a unit"), area)
}

/// Area codes of a level under `root`, in order.
async fn areas_under(app: &TestApp, root: &str, level: &str) -> Vec<String> {
    let (lo, hi) = domain::DivisionCode::parse(root).unwrap().subtree_range();
    const SQL: &str =
        "SELECT code FROM areas WHERE code >= $1 AND code < $2 AND level = $3 ORDER BY code";
    platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL)
        .bind(lo).bind(hi).bind(level).fetch_all(pool).await)
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

async fn assign(client: &reqwest::Client, app: &TestApp, body: Value) -> Value {
    let response = post(client, app, "/api/v1/responsibilities", body.clone()).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body} → {answer}");
    answer
}

/// Registers an above-size enterprise in `area` and answers its id.
async fn enterprise(client: &reqwest::Client, app: &TestApp, area: &str, n: u32) -> i64 {
    let code = domain::Uscc::from_parts(&format!("91{}MA{:07}", &area[..6], n)).unwrap();
    let response = post(
        client,
        app,
        "/api/v1/enterprises",
        json!({"uscc": code.as_str(), "name": format!("测试包保企业{n}有限公司"),
               "industry": "C", "above_size": true, "employees": 300, "area_code": area}),
    )
    .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["enterprise"]["id"].as_i64().unwrap()
}

async fn an_assignment_is_made_listed_and_ended_with_audit_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let (user_id, unit_id, area) = account(&app, "town01").await;
    let village = &areas_under(&app, &area, "village").await[0];
    let eid = enterprise(&client, &app, village, 1).await;
    let made = assign(
        &client,
        &app,
        json!({"subject_kind": "enterprise", "subject_id": eid, "role": "包保领导",
               "unit_id": unit_id, "user_id": user_id, "note": "重点企业"}),
    )
    .await;
    assert_eq!(made["role"], "leader");
    assert_eq!(made["role_name"], "包保领导");
    assert_eq!(made["subject_name"], "测试包保企业1有限公司");
    assert_eq!(made["area_code"], village.as_str());
    assert_eq!(made["starts_on"], today().to_string());
    assert_eq!(made["ends_on"], Value::Null);
    assert_eq!(made["active"], true);
    assert_eq!(made["created_by"], "town01");
    let id = made["id"].as_i64().unwrap();
    let detail = client
        .get(app.url(&format!("/registry/enterprises/{eid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/responsibility/{id}\"")) && html.contains("包保领导"),
        "the enterprise's page lists its leader"
    );
    for path in [
        format!("/api/v1/responsibilities?subject_kind=enterprise&subject_id={eid}"),
        format!("/api/v1/responsibilities?user_id={user_id}&active=true"),
        format!(
            "/api/v1/responsibilities?unit_id={unit_id}&role=leader&subject_kind=enterprise&subject_id={eid}"
        ),
    ] {
        let listed = app.get_json(&client, &path).await;
        let ids: Vec<i64> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&id), "{path}: {listed}");
    }
    // Ending needs a reason, and changes nothing without one.
    let refused = post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": " "}),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "reason");
    let ended = post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "工作调动", "version": 1}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    let ended: Value = ended.json().await.unwrap();
    assert_eq!(ended["ends_on"], today().to_string());
    assert_eq!(ended["active"], false);
    assert_eq!(ended["end_reason"], "工作调动");
    assert_eq!(ended["version"], 2);
    let again = post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "再次结束"}),
    )
    .await;
    assert_eq!(again.status(), 409);
    let active = app
        .get_json(
            &client,
            &format!(
                "/api/v1/responsibilities?subject_kind=enterprise&subject_id={eid}&active=true"
            ),
        )
        .await;
    assert_eq!(active["items"], json!([]));
    let inactive = app
        .get_json(
            &client,
            &format!(
                "/api/v1/responsibilities?subject_kind=enterprise&subject_id={eid}&active=false"
            ),
        )
        .await;
    assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'responsibility.assign' AND record_kind = 'responsibility'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'responsibility.end' AND record_kind = 'responsibility' AND reason = '工作调动'"
        )
        .await,
        1
    );
    // Bad input names its field and stores nothing.
    for (bad, field) in [
        (
            json!({"subject_kind": "castle", "subject_id": eid, "role": "leader", "unit_id": unit_id}),
            "subject_kind",
        ),
        (
            json!({"subject_kind": "enterprise", "role": "leader", "unit_id": unit_id}),
            "subject_id",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": eid, "role": "老板", "unit_id": unit_id}),
            "role",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre"}),
            "unit_id",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre", "unit_id": 999999}),
            "unit_id",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre", "user_id": 999999}),
            "user_id",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": 999999, "role": "cadre", "unit_id": unit_id}),
            "subject_id",
        ),
        (
            json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre", "unit_id": unit_id,
                "starts_on": "2020-03-10", "ends_on": "2020-03-09"}),
            "ends_on",
        ),
    ] {
        let response = post(&client, &app, "/api/v1/responsibilities", bad.clone()).await;
        assert_eq!(response.status(), 422, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{bad}: {error}");
    }
    // A household that does not exist: refused on its id, or on its kind while the household
    // registry is not there.
    let response = post(
        &client,
        &app,
        "/api/v1/responsibilities",
        json!({"subject_kind": "household", "subject_id": 999999, "role": "cadre", "unit_id": unit_id}),
    )
    .await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    let field = error["error"]["field"].as_str().unwrap();
    assert!(field == "subject_id" || field == "subject_kind", "{error}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'responsibility.%'"
        )
        .await,
        2
    );
}

async fn a_second_active_leader_is_refused_until_the_first_is_ended(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let (user_id, unit_id, area) = account(&app, "town01").await;
    let village = &areas_under(&app, &area, "village").await[0];
    let eid = enterprise(&client, &app, village, 2).await;
    let leader = json!({"subject_kind": "enterprise", "subject_id": eid, "role": "leader",
                        "user_id": user_id});
    let first = assign(&client, &app, leader.clone()).await;
    let refused = post(&client, &app, "/api/v1/responsibilities", leader.clone()).await;
    assert_eq!(refused.status(), 409);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "role");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("包保领导") && message.contains("结束"),
        "{message}"
    );
    // Cadres and departments may be several.
    let cadre = json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre",
                       "unit_id": unit_id});
    assign(&client, &app, cadre.clone()).await;
    assign(&client, &app, cadre).await;
    // A future leader overlapping the open-ended one is refused too.
    let mut later = leader.clone();
    later["starts_on"] = json!("2099-01-01");
    let refused = post(&client, &app, "/api/v1/responsibilities", later).await;
    assert_eq!(refused.status(), 409);
    let id = first["id"].as_i64().unwrap();
    let ended = post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "交接"}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    // Ended today, a successor from today does not overlap.
    let second = assign(&client, &app, leader).await;
    assert_eq!(second["active"], true);
    let active = app.get_json(&client, &format!("/api/v1/responsibilities?subject_kind=enterprise&subject_id={eid}&role=leader&active=true"),
    )
    .await;
    assert_eq!(active["items"].as_array().unwrap().len(), 1);
    assert_eq!(active["items"][0]["id"], second["id"]);
}

async fn a_township_cannot_assign_or_see_in_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let town1 = app.signed_in("town01").await;
    let town2 = app.signed_in("town02").await;
    let (_, unit1, area1) = account(&app, "town01").await;
    let (_, unit2, area2) = account(&app, "town02").await;
    let grid2 = &areas_under(&app, &area2, "grid").await[0];
    let village2 = &areas_under(&app, &area2, "village").await[0];
    let theirs = enterprise(&town2, &app, village2, 3).await;
    // An area of another township: 403; a record there does not exist for the caller.
    let refused = post(
        &town1,
        &app,
        "/api/v1/responsibilities",
        json!({"subject_kind": "area", "subject_area": grid2, "role": "grid_worker", "unit_id": unit1}),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let refused = post(
        &town1,
        &app,
        "/api/v1/responsibilities",
        json!({"subject_kind": "enterprise", "subject_id": theirs, "role": "cadre", "unit_id": unit1}),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "subject_id");
    // Their own assignment is invisible to the other township, in lists and by id.
    let made = assign(
        &town2,
        &app,
        json!({"subject_kind": "enterprise", "subject_id": theirs, "role": "cadre", "unit_id": unit2}),
    )
    .await;
    let id = made["id"].as_i64().unwrap();
    let response = town1
        .get(app.url(&format!("/api/v1/responsibilities/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = post(
        &town1,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "越权"}),
    )
    .await;
    assert_eq!(response.status(), 404);
    let listed = app
        .get_json(&town1, "/api/v1/responsibilities?limit=500")
        .await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["area_code"].as_str().unwrap().starts_with(&area1[..9])),
        "{listed}"
    );
    let response = town1
        .get(app.url(&format!("/api/v1/responsibilities?area={area2}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = town1
        .get(app.url(&format!(
            "/api/v1/responsibilities/coverage/grids-without-worker?area={area2}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'responsibility.%'"
        )
        .await,
        1
    );
}

async fn coverage_lists_follow_assignments(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let (user_id, unit_id, area) = account(&app, "town01").await;
    const ENTERPRISES: &str = "/api/v1/responsibilities/coverage/enterprises-without-leader";
    const GRIDS: &str = "/api/v1/responsibilities/coverage/grids-without-worker";
    let before = app.get_json(&client, ENTERPRISES).await;
    let total = before["total"].as_i64().unwrap();
    let village = &areas_under(&app, &area, "village").await[0];
    let eid = enterprise(&client, &app, village, 4).await;
    let listed = app
        .get_json(&client, &format!("{ENTERPRISES}?limit=500"))
        .await;
    assert_eq!(listed["total"].as_i64().unwrap(), total + 1);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == eid),
        "{listed}"
    );
    // A cadre is not a leader.
    assign(
        &client,
        &app,
        json!({"subject_kind": "enterprise", "subject_id": eid, "role": "cadre", "unit_id": unit_id}),
    )
    .await;
    assert_eq!(app.get_json(&client, ENTERPRISES).await["total"], total + 1);
    let leader = assign(
        &client,
        &app,
        json!({"subject_kind": "enterprise", "subject_id": eid, "role": "leader", "user_id": user_id}),
    )
    .await;
    let listed = app
        .get_json(&client, &format!("{ENTERPRISES}?limit=500"))
        .await;
    assert_eq!(listed["total"].as_i64().unwrap(), total);
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == eid)
    );
    let id = leader["id"].as_i64().unwrap();
    post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "调离"}),
    )
    .await;
    assert_eq!(app.get_json(&client, ENTERPRISES).await["total"], total + 1);

    // The demo leaves one grid of the tiny district uncovered.
    let admin = app.signed_in("admin").await;
    let all = app.get_json(&admin, GRIDS).await;
    assert!(all["total"].as_i64().unwrap() >= 1, "{all}");
    let before = app.get_json(&client, GRIDS).await;
    let total = before["total"].as_i64().unwrap();
    let workers = app
        .get_json(
            &client,
            "/api/v1/responsibilities?subject_kind=area&role=grid_worker&active=true",
        )
        .await;
    let worker = &workers["items"][0];
    let grid = worker["subject_area"].as_str().unwrap().to_string();
    let id = worker["id"].as_i64().unwrap();
    let ended = post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "网格员离职"}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    let listed = app.get_json(&client, &format!("{GRIDS}?limit=500")).await;
    assert_eq!(listed["total"].as_i64().unwrap(), total + 1);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == grid.as_str())
    );
    assign(
        &client,
        &app,
        json!({"subject_kind": "area", "subject_area": grid, "role": "网格员", "user_id": user_id}),
    )
    .await;
    assert_eq!(app.get_json(&client, GRIDS).await["total"], total);
    // Pages of one follow each other by cursor.
    let first = app.get_json(&admin, &format!("{GRIDS}?limit=1")).await;
    if let Some(cursor) = first["next_cursor"].as_str() {
        let next = app
            .get_json(&admin, &format!("{GRIDS}?limit=1&cursor={cursor}"))
            .await;
        assert!(next["items"][0]["code"].as_str() > first["items"][0]["code"].as_str());
    }
}

async fn tickets_route_to_the_department_cadre_grid_worker_leader_then_up_the_area_tree(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let (town_user, town_unit, area) = account(&app, "town01").await;
    let (v_user, v_unit, village) = account(&app, "v0101").await;
    let on = today();
    // The demo gives a grid its worker, and leaves the last grid of the district without one.
    let grids = areas_under(&app, &area, "grid").await;
    let covered = &grids[0];
    const WORKER: &str = "SELECT id, unit_id FROM users WHERE role = 'grid' AND area_code = $1";
    let (g_user, g_unit): (i64, Option<i64>) = platform::with_db!(&app.db, pool =>
        sqlx::query_as(WORKER).bind(covered).fetch_one(pool).await)
    .unwrap();
    let eid = enterprise(&client, &app, covered, 5).await;
    let owner = |unit: Option<i64>, user: Option<i64>| {
        Some(Owner {
            unit_id: unit,
            user_id: user,
        })
    };
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(
        routed,
        owner(g_unit, Some(g_user)),
        "the grid worker of its grid"
    );
    let add = |role: &str, unit: Option<i64>, user: Option<i64>| {
        json!({"subject_kind": "enterprise", "subject_id": eid, "role": role,
               "unit_id": unit, "user_id": user})
    };
    assign(&client, &app, add("leader", None, Some(town_user))).await;
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(routed, owner(None, Some(town_user)), "its own leader");
    assign(&client, &app, add("grid_worker", Some(v_unit), None)).await;
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(routed, owner(Some(v_unit), None), "its own grid worker");
    assign(&client, &app, add("cadre", Some(town_unit), Some(v_user))).await;
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(routed, owner(Some(town_unit), Some(v_user)), "its cadre");
    let department = assign(&client, &app, add("department", Some(town_unit), None)).await;
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(routed, owner(Some(town_unit), None), "its department");
    let id = department["id"].as_i64().unwrap();
    post(
        &client,
        &app,
        &format!("/api/v1/responsibilities/{id}/end"),
        json!({"reason": "撤销"}),
    )
    .await;
    let routed = default_owner(&app.db, Subject::Enterprise(eid), on)
        .await
        .unwrap();
    assert_eq!(
        routed,
        owner(Some(town_unit), Some(v_user)),
        "back to its cadre"
    );

    // A place in the uncovered grid (in the other township) walks up to the grid worker of its
    // village.
    let admin = app.signed_in("admin").await;
    let uncovered: Value = app
        .get_json(
            &admin,
            "/api/v1/responsibilities/coverage/grids-without-worker",
        )
        .await;
    let bare = uncovered["items"][0]["code"].as_str().unwrap().to_string();
    let bare_village = &bare[..12];
    let place = post(
        &admin,
        &app,
        "/api/v1/places",
        json!({"kind": "market", "name": "包保测试农贸市场", "area_code": bare}),
    )
    .await;
    assert_eq!(place.status(), 201);
    let pid = place.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        default_owner(&app.db, Subject::Place(pid), on)
            .await
            .unwrap(),
        None
    );
    assign(
        &admin,
        &app,
        json!({"subject_kind": "area", "subject_area": bare_village, "role": "grid_worker",
               "unit_id": v_unit, "user_id": v_user}),
    )
    .await;
    assert_eq!(
        default_owner(&app.db, Subject::Place(pid), on)
            .await
            .unwrap(),
        owner(Some(v_unit), Some(v_user))
    );
    let bare_code = domain::DivisionCode::parse(&bare).unwrap();
    assert_eq!(
        default_owner(&app.db, Subject::Area(bare_code), on)
            .await
            .unwrap(),
        owner(Some(v_unit), Some(v_user)),
        "an area walks up from its parent"
    );
    assert!(village.len() >= 12);
    // Before its start an assignment routes nothing.
    let tomorrow = on.succ_opt().unwrap();
    let responsible =
        platform::responsibility::responsible(&app.db, Subject::Enterprise(eid), tomorrow)
            .await
            .unwrap();
    assert_eq!(
        responsible.len(),
        3,
        "leader, grid worker and cadre hold on"
    );
}

async fn without_registry_write_nothing_is_assigned_or_ended(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, unit, area) = account(&app, "town01").await;
    let grid = &areas_under(&app, &area, "grid").await[0];
    let admin = app.signed_in("admin").await;
    let made = assign(
        &admin,
        &app,
        json!({"subject_kind": "area", "subject_area": &area, "role": "leader", "unit_id": unit}),
    )
    .await;
    let id = made["id"].as_i64().unwrap();
    let created = post(
        &admin,
        &app,
        "/api/v1/tokens",
        json!({"name": "包保查询", "role": "township", "area_code": area,
               "modules": ["registry:read"]}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let token: Value = created.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let reader = reqwest::Client::new();
    let listed = reader
        .get(app.url("/api/v1/responsibilities"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let refused = reader
        .post(app.url("/api/v1/responsibilities"))
        .bearer_auth(&token)
        .json(&json!({"subject_kind": "area", "subject_area": grid, "role": "cadre", "unit_id": unit}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused = reader
        .post(app.url(&format!("/api/v1/responsibilities/{id}/end")))
        .bearer_auth(&token)
        .json(&json!({"reason": "无权"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    for username in ["auditor", "enterprise01"] {
        let client = app.signed_in(username).await;
        let response = client
            .get(app.url("/api/v1/responsibilities"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{username}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'responsibility.%'"
        )
        .await,
        1
    );
}

async fn the_pages_show_coverage_and_assign(backend: Backend) {
    let app = spawn_app(backend).await;
    // The demo's uncovered grid lies in the second township: the district sees it.
    let client = app.signed_in("admin").await;
    let (user_id, unit_id, area) = account(&app, "town01").await;
    let page = client.get(app.url("/responsibility")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for text in [
        "包保责任",
        "规上企业未落实包保领导",
        "未配备网格员的网格",
        "网格员",
    ] {
        assert!(html.contains(text), "{text}");
    }
    let grids = app
        .get_json(
            &client,
            "/api/v1/responsibilities/coverage/grids-without-worker",
        )
        .await;
    let total = grids["total"].as_i64().unwrap();
    let page = client
        .get(app.url("/responsibility/coverage/grids"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("未配备网格员的网格 {total} 个")),
        "{html}"
    );
    let grid = grids["items"][0]["code"].as_str().unwrap().to_string();
    assert!(html.contains(&format!("subject_area={grid}")));
    let form = client
        .get(app.url(&format!(
            "/responsibility/new?subject_kind=area&subject_area={grid}&role=grid_worker"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains(&grid) && html.contains("/ui/pick/users"));
    let enterprises = client
        .get(app.url("/responsibility/coverage/enterprises"))
        .send()
        .await
        .unwrap();
    assert_eq!(enterprises.status(), 200);
    assert!(
        enterprises
            .text()
            .await
            .unwrap()
            .contains("规上企业未落实包保领导")
    );
    // Without a responsible unit or person the form says so and stores nothing.
    let refused = client
        .post(app.url("/responsibility/new"))
        .form(&[
            ("subject_kind", "area"),
            ("subject_area", &grid),
            ("role", "grid_worker"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("至少填一项"));
    let user = user_id.to_string();
    let unit = unit_id.to_string();
    let created = client
        .post(app.url("/responsibility/new"))
        .form(&[
            ("subject_kind", "area"),
            ("subject_area", &grid),
            ("enterprise_id", ""),
            ("role", "grid_worker"),
            ("unit_id", &unit),
            ("user_id", &user),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/responsibility/"), "{location}");
    let detail = client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    assert!(html.contains("结束包保责任") && html.contains("在任"));
    let id = location
        .trim_start_matches("/responsibility/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let ended = client
        .post(app.url(&format!("/responsibility/{id}/end")))
        .form(&[("reason", "测试结束"), ("ends_on", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 303);
    let picked = client
        .get(app.url("/ui/pick/users"))
        .query(&[("field", "user_id"), ("user_id", "值班员")])
        .send()
        .await
        .unwrap();
    assert_eq!(picked.status(), 200);
    assert!(
        picked
            .text()
            .await
            .unwrap()
            .contains(&format!("data-pick-value=\"{user_id}\""))
    );
    // The nav item is there for a village, not for a grid worker.
    let village = app.signed_in("v0101").await;
    let home = village
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/responsibility\""));
    let grid_worker = app.signed_in("g010101").await;
    let home = grid_worker
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("href=\"/responsibility\""));
    assert!(area.len() == 12);
}
