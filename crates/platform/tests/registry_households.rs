//! The household registry through the API and the pages: a household registers with its head
//! and members, a person is in one household at most (moving needs `move: true`), the head
//! stays until replaced, search by head's name, a member's full document number or address,
//! keyset pages, village scope, versions, audit entries, and the demo's households.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    a_household_registers_with_its_head_and_members_who_come_back_masked,
    bad_input_names_its_field_and_changes_nothing,
    a_person_in_another_household_is_refused_until_moved,
    the_head_cannot_be_removed_until_another_member_heads,
    lists_find_by_head_name_member_document_or_address_and_page_by_keyset,
    a_village_sees_only_its_own_households,
    stale_versions_are_refused,
    the_tiny_demo_has_households_whose_members_point_back,
    the_pages_list_show_register_and_change_households,
    a_household_ledger_imports_by_head_moves_members_and_exports_masked,
);

async fn me(app: &TestApp, user: &str) -> Value {
    let client = app.signed_in(user).await;
    client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The first grid of a village user's village.
async fn grid_of(app: &TestApp, user: &str) -> String {
    let area = me(app, user).await["area_code"]
        .as_str()
        .unwrap()
        .to_string();
    format!("{}001", &area[..12])
}

/// A valid resident ID number for the `n`th test person.
fn id_number(n: u16) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1960 + i32::from(n), 3, 1).unwrap();
    domain::IdNumber::from_parts("110105", birth, 100 + n)
        .unwrap()
        .as_str()
        .to_string()
}

async fn person(client: &reqwest::Client, app: &TestApp, n: u16, name: &str, grid: &str) -> i64 {
    let response = client
        .post(app.url("/api/v1/persons"))
        .json(&json!({"doc_number": id_number(n), "name": name, "area_code": grid}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["person"]["id"].as_i64().unwrap()
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

/// Registers a household of `head` and `members` (person id, relation); answers its id.
async fn household(
    client: &reqwest::Client,
    app: &TestApp,
    grid: &str,
    head: i64,
    members: &[(i64, &str)],
) -> i64 {
    let members: Vec<Value> = members
        .iter()
        .map(|(id, relation)| json!({"person_id": id, "relation": relation}))
        .collect();
    let (status, body) = post(
        client,
        app,
        "/api/v1/households",
        json!({"head_person_id": head, "address": "同心区顺桥街道示范路8号", "area_code": grid, "members": members}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn a_household_registers_with_its_head_and_members_who_come_back_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "王建国", &grid).await;
    let spouse = person(&client, &app, 2, "李秀英", &grid).await;
    let child = person(&client, &app, 30, "王小明", &grid).await;
    let (status, body) = post(
        &client,
        &app,
        "/api/v1/households",
        json!({
            "head_person_id": head, "address": "同心区顺桥街道示范路8号", "area_code": grid,
            "members": [{"person_id": spouse, "relation": "配偶"}, {"person_id": child, "relation": "child"}]
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["head_person_id"], head);
    assert_eq!(body["head_name"], "王建国");
    assert_eq!(body["member_count"], 3);
    assert_eq!(body["created_by"], "v0101");
    let members = body["members"].as_array().unwrap();
    let relations: Vec<(i64, &str)> = members
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["household_relation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        relations,
        vec![(head, "head"), (spouse, "spouse"), (child, "child")]
    );
    for m in members {
        assert_eq!(m["household_id"], id);
        assert!(m["doc_number"].as_str().unwrap().contains("********"));
    }
    for n in [1, 2, 30] {
        assert!(!body.to_string().contains(&id_number(n)), "numbers masked");
    }
    assert!(!body.to_string().contains("示范路8号"), "address masked");
    let (status, again) = get(&client, &app, &format!("/api/v1/households/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(again["members"].as_array().unwrap().len(), 3);
    let (_, spouse_view) = get(&client, &app, &format!("/api/v1/persons/{spouse}")).await;
    assert_eq!(spouse_view["household_id"], id);
    assert_eq!(spouse_view["household_relation"], "spouse");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.create' \
             AND record_kind = 'registry.household'"
        )
        .await,
        1
    );
}

async fn bad_input_names_its_field_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "王建国", &grid).await;
    let other = person(&client, &app, 2, "李秀英", &grid).await;
    let households = count(&app, "SELECT COUNT(*) FROM households").await;
    let base = json!({"head_person_id": head, "address": "示范路8号", "area_code": grid});
    for (change, status, field) in [
        (json!({"address": " "}), 422, "address"),
        (json!({"area_code": &grid[..9]}), 422, "area_code"),
        (json!({"area_code": "99"}), 422, "area_code"),
        (json!({"head_person_id": 999_999}), 422, "head_person_id"),
        (
            json!({"members": [{"person_id": other, "relation": "户主"}]}),
            422,
            "members",
        ),
        (
            json!({"members": [{"person_id": other, "relation": "朋友"}]}),
            422,
            "members",
        ),
        (
            json!({"members": [{"person_id": head, "relation": "child"}]}),
            422,
            "members",
        ),
        (
            json!({"members": [{"person_id": 999_999, "relation": "child"}]}),
            422,
            "members",
        ),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (got, error) = post(&client, &app, "/api/v1/households", body).await;
        assert_eq!(got, status, "{change}: {error}");
        assert_eq!(error["error"]["field"], field, "{change}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM persons WHERE household_id IS NOT NULL AND created_by = 'v0101'"
        )
        .await,
        0,
        "no one was put in a household"
    );
}

async fn a_person_in_another_household_is_refused_until_moved(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let a_head = person(&client, &app, 1, "王建国", &grid).await;
    let wanderer = person(&client, &app, 2, "李秀英", &grid).await;
    let b_head = person(&client, &app, 3, "赵大海", &grid).await;
    let a = household(&client, &app, &grid, a_head, &[(wanderer, "spouse")]).await;
    let b = household(&client, &app, &grid, b_head, &[]).await;
    let path = format!("/api/v1/households/{b}/members");
    let (status, error) = post(
        &client,
        &app,
        &path,
        json!({"person_id": wanderer, "relation": "配偶"}),
    )
    .await;
    assert_eq!(status, 409, "{error}");
    assert_eq!(error["error"]["field"], "person_id");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("李秀英") && message.contains(&format!("第 {a} 号")),
        "{message}"
    );
    // Registering a household with them is refused the same way, and stores nothing.
    let c_head = person(&client, &app, 4, "孙红", &grid).await;
    let before = count(&app, "SELECT COUNT(*) FROM households").await;
    let (status, _) = post(
        &client,
        &app,
        "/api/v1/households",
        json!({"head_person_id": c_head, "address": "示范路9号", "area_code": grid,
               "members": [{"person_id": wanderer, "relation": "other"}]}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM households").await, before);
    let (_, still) = get(&client, &app, &format!("/api/v1/persons/{c_head}")).await;
    assert_eq!(still["household_id"], Value::Null);
    // With move, they move; the former household loses them and says so in its history.
    let (status, moved) = post(
        &client,
        &app,
        &path,
        json!({"person_id": wanderer, "relation": "配偶", "move": true}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["member_count"], 2);
    let (_, former) = get(&client, &app, &format!("/api/v1/households/{a}")).await;
    assert_eq!(former["member_count"], 1);
    assert_eq!(former["version"], 2);
    let (_, view) = get(&client, &app, &format!("/api/v1/persons/{wanderer}")).await;
    assert_eq!(view["household_id"], b);
    assert_eq!(view["household_relation"], "spouse");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.member_remove'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.member_add'"
        )
        .await,
        1
    );
    // A head never moves away from the household they head, move or not.
    let (status, error) = post(
        &client,
        &app,
        &path,
        json!({"person_id": a_head, "relation": "sibling", "move": true}),
    )
    .await;
    assert_eq!(status, 409);
    assert!(error["error"]["message"].as_str().unwrap().contains("户主"));
}

async fn the_head_cannot_be_removed_until_another_member_heads(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "王建国", &grid).await;
    let spouse = person(&client, &app, 2, "李秀英", &grid).await;
    let outsider = person(&client, &app, 3, "赵大海", &grid).await;
    let id = household(&client, &app, &grid, head, &[(spouse, "spouse")]).await;
    let remove = |person: i64| {
        client
            .delete(app.url(&format!("/api/v1/households/{id}/members/{person}")))
            .send()
    };
    let refused = remove(head).await.unwrap();
    assert_eq!(refused.status(), 409);
    let error: Value = refused.json().await.unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("户主"));
    let patch = |body: Value| {
        client
            .patch(app.url(&format!("/api/v1/households/{id}")))
            .json(&body)
            .send()
    };
    let not_member = patch(json!({"version": 1, "head_person_id": outsider}))
        .await
        .unwrap();
    assert_eq!(not_member.status(), 422);
    let changed =
        patch(json!({"version": 1, "head_person_id": spouse, "former_head_relation": "配偶"}))
            .await
            .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["head_person_id"], spouse);
    assert_eq!(changed["head_name"], "李秀英");
    assert_eq!(changed["version"], 2);
    let members = changed["members"].as_array().unwrap();
    assert_eq!(members[0]["id"], spouse);
    assert_eq!(members[0]["household_relation"], "head");
    assert_eq!(members[1]["household_relation"], "spouse");
    let removed = remove(head).await.unwrap();
    assert_eq!(removed.status(), 200);
    let removed: Value = removed.json().await.unwrap();
    assert_eq!(removed["member_count"], 1);
    let (_, former) = get(&client, &app, &format!("/api/v1/persons/{head}")).await;
    assert_eq!(former["household_id"], Value::Null);
    assert_eq!(former["household_relation"], Value::Null);
    assert_eq!(
        remove(outsider).await.unwrap().status(),
        404,
        "not a member"
    );
}

async fn lists_find_by_head_name_member_document_or_address_and_page_by_keyset(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "欧阳建国", &grid).await;
    let child = person(&client, &app, 30, "欧阳小明", &grid).await;
    let loner = person(&client, &app, 5, "诸葛亮", &grid).await;
    let id = household(&client, &app, &grid, head, &[(child, "child")]).await;
    let child_number = id_number(30);
    for q in [
        "欧阳建".to_string(),
        child_number.clone(),
        child_number.to_lowercase(),
        "示范路8".to_string(),
    ] {
        let (status, page) = get(
            &client,
            &app,
            &format!("/api/v1/households?q={}", urlencode(&q)),
        )
        .await;
        assert_eq!(status, 200);
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&id), "{q}: {page}");
        if q.chars().any(|c| c.is_ascii_digit()) && !q.starts_with('示') {
            assert_eq!(
                ids,
                vec![id],
                "a document number finds exactly its household"
            );
            assert!(!page.to_string().contains(&child_number));
        }
    }
    // A person in no household, and a stranger's number, find nothing.
    for q in [id_number(5), id_number(40)] {
        let (_, page) = get(&client, &app, &format!("/api/v1/households?q={q}")).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 0, "{q}");
    }
    let _ = loner;
    // Keyset pages over everything the village holds: in id order, no repeats, all of them.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = "/api/v1/households?limit=2".to_string();
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = get(&client, &app, &url).await;
        assert_eq!(status, 200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    let area = me(&app, "v0101").await["area_code"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, all) = get(&client, &app, "/api/v1/households?limit=500").await;
    assert_eq!(all["items"].as_array().unwrap().len(), seen.len());
    assert!(seen.len() > 2, "the demo's households and the new one");
    assert!(seen.contains(&id));
    let (status, _) = get(
        &client,
        &app,
        &format!("/api/v1/households?area={area}&cursor=junk"),
    )
    .await;
    assert_eq!(status, 422);
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn a_village_sees_only_its_own_households(backend: Backend) {
    let app = spawn_app(backend).await;
    let mine = me(&app, "v0101").await["area_code"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs = me(&app, "v0102").await["area_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(mine, theirs);
    let admin = app.signed_in("admin").await;
    let (_, other) = get(&admin, &app, &format!("/api/v1/households?area={theirs}")).await;
    let other_id = other["items"][0]["id"]
        .as_i64()
        .expect("the demo puts households in every village");
    let village = app.signed_in("v0101").await;
    let (status, _) = get(&village, &app, &format!("/api/v1/households?area={theirs}")).await;
    assert_eq!(status, 403);
    let (status, _) = get(&village, &app, &format!("/api/v1/households/{other_id}")).await;
    assert_eq!(status, 404);
    let patched = village
        .patch(app.url(&format!("/api/v1/households/{other_id}")))
        .json(&json!({"version": 1, "address": "改了"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 404);
    let my_grid = grid_of(&app, "v0101").await;
    let mine_person = person(&village, &app, 1, "王建国", &my_grid).await;
    let (status, _) = post(
        &village,
        &app,
        &format!("/api/v1/households/{other_id}/members"),
        json!({"person_id": mine_person, "relation": "other"}),
    )
    .await;
    assert_eq!(status, 404);
    // Nor can they put another village's people in their own household.
    let their_member = other["items"][0]["head_person_id"].as_i64().unwrap();
    let (status, error) = post(
        &village,
        &app,
        "/api/v1/households",
        json!({"head_person_id": mine_person, "address": "示范路8号", "area_code": my_grid,
               "members": [{"person_id": their_member, "relation": "other"}], "move": true}),
    )
    .await;
    assert_eq!(status, 422, "{error}");
    let (_, listed) = get(&village, &app, "/api/v1/households?limit=500").await;
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|h| h["area_code"].as_str().unwrap().starts_with(&mine[..12]))
    );
}

async fn stale_versions_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "王建国", &grid).await;
    let child = person(&client, &app, 30, "王小明", &grid).await;
    let id = household(&client, &app, &grid, head, &[]).await;
    let url = app.url(&format!("/api/v1/households/{id}"));
    let changed = client
        .patch(&url)
        .json(&json!({"version": 1, "address": "示范路10号"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["version"], 2);
    let stale = client
        .patch(&url)
        .json(&json!({"version": 1, "address": "示范路11号"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let error: Value = stale.json().await.unwrap();
    assert_eq!(error["error"]["field"], "version");
    let (status, _) = post(
        &client,
        &app,
        &format!("/api/v1/households/{id}/members"),
        json!({"person_id": child, "relation": "child", "version": 1}),
    )
    .await;
    assert_eq!(status, 409);
    let (_, view) = get(&client, &app, &format!("/api/v1/persons/{child}")).await;
    assert_eq!(
        view["household_id"],
        Value::Null,
        "a refused change changes nothing"
    );
    let (status, added) = post(
        &client,
        &app,
        &format!("/api/v1/households/{id}/members"),
        json!({"person_id": child, "relation": "child", "version": 2}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(added["version"], 3);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.update'"
        )
        .await,
        1
    );
}

async fn the_tiny_demo_has_households_whose_members_point_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let households = count(&app, "SELECT COUNT(*) FROM households").await;
    assert!(
        (80 / 6..=80 / 2).contains(&households),
        "{households} households over 80 people"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM persons WHERE household_id IS NULL"
        )
        .await,
        0,
        "every demo person is in a household"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM households h JOIN persons p ON p.id = h.head_person_id \
             WHERE p.household_id = h.id AND p.household_relation = 'head'"
        )
        .await,
        households,
        "each head is a member, as head"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM persons WHERE household_relation = 'head'"
        )
        .await,
        households,
        "one head per household"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM persons p WHERE NOT EXISTS \
             (SELECT 1 FROM households h WHERE h.id = p.household_id AND h.area_code = p.area_code)"
        )
        .await,
        0,
        "members point at a household of their grid"
    );
    let admin = app.signed_in("admin").await;
    let (_, page) = get(&admin, &app, "/api/v1/households?limit=1").await;
    let id = page["items"][0]["id"].as_i64().unwrap();
    let (_, one) = get(&admin, &app, &format!("/api/v1/households/{id}")).await;
    let members = one["members"].as_array().unwrap();
    assert_eq!(members.len() as i64, one["member_count"].as_i64().unwrap());
    assert!(members.iter().all(|m| m["household_id"] == id));
    assert_eq!(members[0]["household_relation"], "head");
}

async fn the_pages_list_show_register_and_change_households(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let head = person(&client, &app, 1, "王建国", &grid).await;
    let child = person(&client, &app, 30, "王小明", &grid).await;
    let list = client
        .get(app.url("/registry/households"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("家庭户登记"));
    assert!(
        html.contains("href=\"/registry/households\""),
        "in the navigation"
    );
    let form = client
        .get(app.url("/registry/households/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("/ui/pick/persons"));
    let bad = client
        .post(app.url("/registry/households/new"))
        .form(&[
            ("head_person_id", ""),
            ("address", "示范路8号"),
            ("area_code", grid.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("请选择户主"));
    let posted = client
        .post(app.url("/registry/households/new"))
        .form(&[
            ("head_person_id", head.to_string().as_str()),
            ("address", "同心区顺桥街道示范路8号"),
            ("area_code", grid.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let location = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/registry/households/"));
    let id: i64 = location["/registry/households/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let added = client
        .post(app.url(&format!("/registry/households/{id}/members")))
        .form(&[
            ("person_id", child.to_string().as_str()),
            ("relation", "child"),
            ("move", "false"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 303);
    let detail = client
        .get(app.url(&format!("/registry/households/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    assert!(html.contains("王建国") && html.contains("王小明"));
    assert!(html.contains("子女"));
    assert!(!html.contains(&id_number(30)), "document numbers masked");
    assert!(html.contains("registry.household.member_add"));
    assert!(html.contains(&format!("/registry/households/{id}/members/{child}/remove")));
    assert!(!html.contains(&format!("/registry/households/{id}/members/{head}/remove")));
    let refused = client
        .post(app.url(&format!("/registry/households/{id}/members/{head}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("户主不能移出本户"));
    let removed = client
        .post(app.url(&format!("/registry/households/{id}/members/{child}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 303);
    let person_page = client
        .get(app.url(&format!("/registry/persons/{head}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(person_page.contains(&format!("href=\"/registry/households/{id}\"")));
    assert!(person_page.contains("户主"));
}

async fn upload(client: &reqwest::Client, app: &TestApp, text: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("家庭户.csv"),
        )
        .text("mode", "valid-rows");
    let response = client
        .post(app.url("/api/v1/imports/households"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn a_household_ledger_imports_by_head_moves_members_and_exports_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("v0101").await;
    let grid = grid_of(&app, "v0101").await;
    let mut ids = std::collections::HashMap::new();
    for (n, name) in [
        (1, "王建国"),
        (2, "李秀英"),
        (30, "王小明"),
        (42, "赵六"),
        (5, "张伟"),
        (6, "刘芳"),
        (40, "张强"),
        (7, "孙大山"),
        (41, "孙七"),
    ] {
        ids.insert(n, person(&client, &app, n, name, &grid).await);
    }
    // 孙七 lives in 孙大山's household; the ledger puts him in 王建国's.
    let old = household(&client, &app, &grid, ids[&7], &[(ids[&41], "其他")]).await;
    let (_, old_before) = get(&client, &app, &format!("/api/v1/households/{old}")).await;
    let households_before = count(&app, "SELECT COUNT(*) FROM households").await;
    let n = |k: u16| id_number(k);
    let address = "同心区顺桥街道示范路8号";
    let sheet = format!(
        "序号,户主姓名,户主身份证号,成员姓名,成员身份证号,与户主关系,家庭住址,区划代码\n\
         1,王建国,{h1},王建国,{h1},户主,{address},{grid}\n\
         2,王建国,{h1},李秀英,{m2},妻子,{address},{grid}\n\
         3,王建国,{h1},王小明,{m30},长子,{address},{grid}\n\
         4,王建国,{h1},赵六,{m42},表弟,{address},{grid}\n\
         5,张伟,{h5},张伟,{h5},本人,同心区顺桥街道示范路9号,{grid}\n\
         6,张伟,{h5},刘芳,{m6},配偶,同心区顺桥街道示范路9号,{grid}\n\
         7,张伟,{h5},李秀英,{m2},配偶,同心区顺桥街道示范路9号,{grid}\n\
         8,张伟,{h5},张强,{m40},子,同心区顺桥街道示范路9号,{grid}\n\
         9,张伟,{h5},陈未登,{m50},女,同心区顺桥街道示范路9号,{grid}\n\
         10,王建国,{h1},孙七,{m41},孙子,{address},{grid}\n",
        h1 = n(1),
        m2 = n(2),
        m30 = n(30),
        m42 = n(42),
        h5 = n(5),
        m6 = n(6),
        m40 = n(40),
        m50 = n(50),
        m41 = n(41),
    );
    let summary = upload(&client, &app, &sheet).await;
    assert_eq!(summary["rows"], 10, "{summary}");
    assert_eq!(summary["inserted"], 7, "{summary}");
    assert_eq!(summary["updated"], 0, "{summary}");
    let rejected: Vec<(i64, String)> = summary["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["errors"].to_string()))
        .collect();
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![5, 8, 10],
        "{summary}"
    );
    assert!(rejected[0].1.contains("无法识别的与户主关系"), "{summary}");
    assert!(rejected[1].1.contains("同一成员"), "{summary}");
    assert!(
        rejected[2].1.contains("陈未登") && rejected[2].1.contains("请先导入人员台账"),
        "{summary}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households_before + 2
    );

    // The members' household and relation are set; 孙七 moved, 赵六 and 陈未登 are in none.
    let household_of = |n: u16| {
        let client = &client;
        let app = &app;
        let id = ids.get(&n).copied();
        async move {
            let (_, p) = get(client, app, &format!("/api/v1/persons/{}", id.unwrap())).await;
            (p["household_id"].as_i64(), p["household_relation"].clone())
        }
    };
    let (wang, relation) = household_of(1).await;
    assert_eq!(relation, "head");
    let wang = wang.unwrap();
    for (k, expected) in [(2, "spouse"), (30, "child"), (41, "grandchild")] {
        assert_eq!(household_of(k).await, (Some(wang), json!(expected)), "{k}");
    }
    let (zhang, _) = household_of(5).await;
    let zhang = zhang.unwrap();
    assert_ne!(zhang, wang);
    for (k, expected) in [(6, "spouse"), (40, "child")] {
        assert_eq!(household_of(k).await, (Some(zhang), json!(expected)), "{k}");
    }
    assert_eq!(household_of(42).await.0, None);
    let (_, detail) = get(&client, &app, &format!("/api/v1/households/{wang}")).await;
    assert_eq!(detail["member_count"], 4, "{detail}");
    assert_eq!(detail["head_name"], "王建国");
    let (_, old_after) = get(&client, &app, &format!("/api/v1/households/{old}")).await;
    assert_eq!(old_after["member_count"], 1, "{old_after}");
    assert!(
        old_after["version"].as_i64() > old_before["version"].as_i64(),
        "the household a member left gets a new version"
    );

    // The same file again changes nothing.
    let again = upload(&client, &app, &sheet).await;
    assert_eq!(
        (&again["inserted"], &again["updated"], &again["unchanged"]),
        (&json!(0), &json!(0), &json!(7)),
        "{again}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM households").await,
        households_before + 2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.import'"
        )
        .await,
        2
    );

    let csv = client
        .get(app.url(&format!("/registry/households/export/csv?q={}", n(2))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in ["王建国", "李秀英", "王小明", "孙七", "配偶", "孙子女"] {
        assert!(csv.contains(name), "{name}: {csv}");
    }
    assert!(!csv.contains("张伟"), "the filter holds: {csv}");
    for k in [1, 2, 30, 41] {
        assert!(!csv.contains(&n(k)), "numbers masked: {csv}");
        assert!(csv.contains(&format!("{}********", &n(k)[..6])), "{csv}");
    }
    assert!(!csv.contains("示范路8号"), "addresses masked: {csv}");
    let all = client
        .get(app.url("/registry/households/export/csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(all.contains("张伟") && all.contains("刘芳"), "{all}");

    let template = client
        .get(app.url("/registry/households/template"))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 200);
    let page = client
        .get(app.url("/registry/households/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("迁入表中的家庭户"));
    let list = client
        .get(app.url("/registry/households"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("/registry/households/import")
            && list.contains("/registry/households/export/csv")
    );
}
