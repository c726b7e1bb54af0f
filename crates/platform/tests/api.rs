//! The API conventions through the real server: sign-in, the signed-in user, areas with keyset
//! pagination and scope, errors in the request's language, health, metrics, OpenAPI, and
//! sessions shared by several nodes on one database.

use serde_json::Value;
use testkit::{AppBuilder, Backend, DEMO_PASSWORD, backend_tests, spawn_app};

backend_tests!(
    signing_in_sets_a_session_cookie_and_me_answers_the_user,
    a_wrong_password_answers_401_with_a_chinese_message_by_default_and_english_on_request,
    signing_out_ends_the_session,
    areas_page_through_children_by_keyset_without_gaps_or_repeats,
    a_township_user_cannot_see_another_township,
    bad_paging_and_bad_codes_answer_422_naming_the_field,
    malformed_bodies_and_unknown_routes_answer_json_errors,
    health_readiness_and_metrics_answer,
    the_openapi_document_covers_every_api_route,
    a_session_made_on_one_node_is_accepted_by_another,
    an_idle_session_expires,
    only_one_node_takes_a_job_lease,
);

async fn signing_in_sets_a_session_cookie_and_me_answers_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("tongxin_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["area_code"], "990102000000");
    assert_eq!(me["area_name"], "同心区");
}

async fn a_wrong_password_answers_401_with_a_chinese_message_by_default_and_english_on_request(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let body = serde_json::json!({"username": "admin", "password": "not-the-password"});
    let response = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("set-cookie").is_none());
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "bad_credentials");
    assert_eq!(error["error"]["message"], "用户名或密码错误。");
    let english: Value = app
        .client()
        .post(app.url("/api/v1/session"))
        .header("accept-language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(english["error"]["message"], "Wrong user name or password.");
    // An unknown user fails exactly like a wrong password.
    let unknown = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "nobody", "password": "whatever-it-is"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}

async fn signing_out_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let out = client
        .delete(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(after.status(), 401);
    let error: Value = after.json().await.unwrap();
    assert_eq!(error["error"]["code"], "unauthenticated");
}

async fn areas_page_through_children_by_keyset_without_gaps_or_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("admin").await;
    // Without a parent: the user's own area.
    let own: Value = client
        .get(app.url("/api/v1/areas"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own["items"][0]["code"], "990102000000");
    assert_eq!(own["next_cursor"], Value::Null);
    // The tiny district's grids, one per page, under each village.
    let mut seen = Vec::new();
    for township in own_children(&app, &client, "990102000000").await {
        for village in own_children(&app, &client, &township).await {
            let mut cursor: Option<String> = None;
            loop {
                let mut url = format!("/api/v1/areas?parent={village}&limit=1");
                if let Some(c) = &cursor {
                    url.push_str(&format!("&cursor={c}"));
                }
                let page: Value = client
                    .get(app.url(&url))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let items = page["items"].as_array().unwrap();
                assert!(items.len() <= 1);
                seen.extend(
                    items
                        .iter()
                        .map(|i| i["code"].as_str().unwrap().to_string()),
                );
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
            }
        }
    }
    const SQL: &str = "SELECT code FROM areas WHERE level = 'grid' ORDER BY code";
    let rows: Vec<(String,)> =
        platform::with_db!(&app.db, pool => sqlx::query_as(SQL).fetch_all(pool).await).unwrap();
    let expected: Vec<String> = rows.into_iter().map(|r| r.0).collect();
    assert_eq!(seen, expected);
    assert_eq!(seen.len(), 8);
}

async fn own_children(
    app: &testkit::TestApp,
    client: &reqwest::Client,
    parent: &str,
) -> Vec<String> {
    let page: Value = client
        .get(app.url(&format!("/api/v1/areas?parent={parent}&limit=500")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

async fn a_township_user_cannot_see_another_township(backend: Backend) {
    let app = spawn_app(backend).await;
    let town1 = app.signed_in("town01").await;
    let me: Value = town1
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = me["area_code"].as_str().unwrap().to_string();
    let admin = app.signed_in("admin").await;
    let townships = own_children(&app, &admin, "990102000000").await;
    let other = townships.iter().find(|c| **c != mine).unwrap();
    assert_eq!(
        town1
            .get(app.url(&format!("/api/v1/areas/{mine}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let refused = town1
        .get(app.url(&format!("/api/v1/areas/{other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let refused_children = town1
        .get(app.url(&format!("/api/v1/areas?parent={other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused_children.status(), 403);
    // Nor the district above.
    assert_eq!(
        town1
            .get(app.url("/api/v1/areas/990102000000"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // Searching stays inside the subtree.
    let found: Value = town1
        .get(app.url("/api/v1/areas?q=网格"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for item in found["items"].as_array().unwrap() {
        assert!(
            item["code"].as_str().unwrap().starts_with(&mine[..9]),
            "{item}"
        );
    }
    assert!(!found["items"].as_array().unwrap().is_empty());
    // The detail carries the path from the top.
    let detail: Value = admin
        .get(app.url(&format!("/api/v1/areas/{other}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["path"][0]["code"], "990102000000");
    assert_eq!(detail["path"][1]["code"], other.as_str());
}

async fn bad_paging_and_bad_codes_answer_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("admin").await;
    for (url, field) in [
        ("/api/v1/areas?parent=990102000000&limit=0", "limit"),
        ("/api/v1/areas?parent=990102000000&limit=501", "limit"),
        ("/api/v1/areas?parent=990102000000&cursor=%25%25", "cursor"),
        ("/api/v1/areas?parent=12ab", "parent"),
        ("/api/v1/areas/99010200000", "code"),
    ] {
        let response = client.get(app.url(url)).send().await.unwrap();
        assert_eq!(response.status(), 422, "{url}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation", "{url}");
        assert_eq!(error["error"]["field"], field, "{url}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let missing = client
        .get(app.url("/api/v1/areas/990102999000"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

async fn malformed_bodies_and_unknown_routes_answer_json_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let broken = client
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let error: Value = broken.json().await.unwrap();
    assert_eq!(error["error"]["code"], "bad_request");
    let shape = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"user": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(shape.status(), 422);
    let unknown = client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!(error["error"]["code"], "not_found");
    assert_eq!(error["error"]["message"], "找不到该页面或记录。");
    let method = client.put(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(method.status(), 405);
    let error: Value = method.json().await.unwrap();
    assert_eq!(error["error"]["code"], "method_not_allowed");
    // A browser gets a page in Chinese.
    let page = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().await.unwrap().contains("找不到该页面或记录"));
}

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready: Value = client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(
        ready["backend"],
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let _ = app.signed_in("admin").await;
    let metrics = client.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("# TYPE tongxin_http_requests_total counter"),
        "{text}"
    );
    assert!(text.contains("tongxin_http_requests_total{method=\"POST\",route=\"/api/v1/session\",status=\"200\"} 1"), "{text}");
    assert!(
        text.contains(
            "tongxin_http_request_duration_seconds_bucket{route=\"/readyz\",le=\"+Inf\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("tongxin_db_pool_connections "), "{text}");
    // Every sample line is `name{labels} value` or `name value`.
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "not a sample: {line}");
    }
}

async fn the_openapi_document_covers_every_api_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = app
        .client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    let api_routes: Vec<_> = app
        .routes
        .iter()
        .filter(|r| r.kind == platform::routes::RouteKind::Api)
        .collect();
    assert!(api_routes.len() >= 9);
    for route in api_routes {
        let item = paths
            .get(&route.path)
            .unwrap_or_else(|| panic!("{} missing from OpenAPI", route.path));
        for method in &route.methods {
            let op = &item[method.to_lowercase()];
            assert!(op.is_object(), "{method} {} missing", route.path);
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {} has no responses",
                route.path
            );
        }
    }
    for required in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/areas",
        "/api/v1/areas/{code}",
        "/api/v1/calendar/add-working-days",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(required), "{required}");
    }
    // References resolve.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

async fn a_session_made_on_one_node_is_accepted_by_another(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = AppBuilder::new(backend)
        .same_database_as(&first)
        .spawn()
        .await;
    let client = first.signed_in("commander").await;
    let on_second: Value = client
        .get(second.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(on_second["username"], "commander");
    client
        .delete(second.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .get(first.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn an_idle_session_expires(backend: Backend) {
    let app = AppBuilder::new(backend)
        .configure(|c| c.session_idle = std::time::Duration::from_millis(1500))
        .spawn()
        .await;
    let client = app.signed_in("v0101").await;
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn only_one_node_takes_a_job_lease(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::seconds(60);
    assert!(
        platform::db::try_take_lease(&app.db, "test.job", "node-a", now, until)
            .await
            .unwrap()
    );
    assert!(
        !platform::db::try_take_lease(&app.db, "test.job", "node-b", now, until)
            .await
            .unwrap()
    );
    // The holder renews; after expiry another node takes over.
    assert!(
        platform::db::try_take_lease(&app.db, "test.job", "node-a", now, until)
            .await
            .unwrap()
    );
    let later = until + chrono::Duration::seconds(1);
    assert!(
        platform::db::try_take_lease(
            &app.db,
            "test.job",
            "node-b",
            later,
            later + chrono::Duration::seconds(60)
        )
        .await
        .unwrap()
    );
}
