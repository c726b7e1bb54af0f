//! API tokens through the real server: an admin creates one (API or page), it is shown once and
//! stored hashed; `Authorization: Bearer` is accepted wherever a session is, within the token's
//! role, area and modules; CSRF does not apply to it, while a forged cookie request gains nothing
//! from a bearer header; revoked and expired tokens answer 401; all of it audited.

mod support;

use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::Registry;
use testkit::{AppBuilder, Backend, TestApp, backend_tests};

backend_tests!(
    an_admin_creates_a_token_that_is_shown_once_and_stored_hashed,
    a_token_acts_within_its_role_area_and_modules,
    csrf_does_not_apply_to_tokens_and_a_bearer_header_does_not_carry_a_cookie,
    revoked_and_expired_tokens_answer_401,
    tokens_are_refused_bad_scopes,
    admins_manage_tokens_on_a_page,
);

async fn app(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(Registry))
        .spawn()
        .await
}

/// Creates a token as the admin; answers (id, secret).
async fn create(app: &TestApp, body: Value) -> (i64, String) {
    let admin = app.signed_in("admin").await;
    let response = admin
        .post(app.url("/api/v1/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    (
        created["id"].as_i64().unwrap(),
        created["token"].as_str().unwrap().to_string(),
    )
}

fn bearer(app: &TestApp, method: &str, path: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url(path),
        )
        .bearer_auth(token)
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

async fn an_admin_creates_a_token_that_is_shown_once_and_stored_hashed(backend: Backend) {
    let app = app(backend).await;
    let (id, token) = create(
        &app,
        serde_json::json!({"name": "东风街道卡口设备 03", "role": "checkpoint",
            "area_code": "990102001000", "modules": ["residents:read"], "days": 30}),
    )
    .await;
    assert!(token.starts_with("tongxin_") && token.len() > 40, "{token}");
    const SQL: &str = "SELECT token_hash FROM api_tokens WHERE id = $1";
    let stored: String = platform::with_db!(&app.db, pool =>
        sqlx::query_scalar(SQL).bind(id).fetch_one(pool).await)
    .unwrap();
    assert_eq!(stored, hex::encode(Sha256::digest(token.as_bytes())));
    let admin = app.signed_in("admin").await;
    let listed = admin
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("东风街道卡口设备 03") && listed.contains("residents:read"));
    assert!(!listed.contains(&token), "the secret is never listed");
    const AUDIT: &str =
        "SELECT actor_name, after_json FROM audit_log WHERE action = 'token.create'";
    let (actor, after): (String, String) =
        platform::with_db!(&app.db, pool => sqlx::query_as(AUDIT).fetch_one(pool).await).unwrap();
    assert_eq!(actor, "admin");
    assert!(after.contains("checkpoint") && !after.contains(&token));
}

async fn a_token_acts_within_its_role_area_and_modules(backend: Backend) {
    let app = app(backend).await;
    let (_, token) = create(
        &app,
        serde_json::json!({"name": "设备", "role": "checkpoint", "area_code": "990102001000",
            "modules": ["residents:read"]}),
    )
    .await;
    let me: Value = bearer(&app, "GET", "/api/v1/me", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "token:设备");
    assert_eq!(me["role"], "checkpoint");
    assert_eq!(me["area_code"], "990102001000");
    // Its module, read only, within its area.
    let residents: Value = bearer(&app, "GET", "/api/v1/registry/residents", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(residents["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/registry/residents/3", &token)).await,
        404
    );
    assert_eq!(
        status(bearer(
            &app,
            "POST",
            "/api/v1/registry/residents/1/visits",
            &token
        ))
        .await,
        403,
        "read only"
    );
    // Nothing its role lacks: users, tokens, the audit log; no reveal of personal data.
    for (method, path) in [
        ("GET", "/api/v1/tokens"),
        ("GET", "/api/v1/audit"),
        ("GET", "/admin/users"),
    ] {
        assert_eq!(
            status(bearer(&app, method, path, &token)).await,
            403,
            "{path}"
        );
    }
    let reveal = bearer(&app, "POST", "/api/v1/registry/residents/1/reveal", &token)
        .json(&serde_json::json!({"field": "phone", "reason": "核实"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reveal.status(), 403);
    // Nor the kernel's module, which it was not given.
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/areas", &token)).await,
        403
    );
    // A token has no password and no sessions.
    let password = bearer(&app, "POST", "/api/v1/me/password", &token)
        .json(&serde_json::json!({"current": "x", "new": "autumn-harvest-2020"}))
        .send()
        .await
        .unwrap();
    assert_eq!(password.status(), 403);
    // Its use is audited under its name.
    let (_, writer) = create(
        &app,
        serde_json::json!({"name": "统计局数据交换", "role": "township", "area_code": "990102001000",
            "modules": ["residents", "kernel:read"]}),
    )
    .await;
    assert_eq!(
        status(bearer(
            &app,
            "POST",
            "/api/v1/registry/residents/1/visits",
            &writer
        ))
        .await,
        200
    );
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/areas/990102001000", &writer)).await,
        200
    );
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/areas/990102201000", &writer)).await,
        403
    );
    // Pages accept it too.
    assert_eq!(
        status(bearer(&app, "GET", "/registry/residents", &writer)).await,
        200
    );
}

async fn csrf_does_not_apply_to_tokens_and_a_bearer_header_does_not_carry_a_cookie(
    backend: Backend,
) {
    let app = app(backend).await;
    let (_, token) = create(
        &app,
        serde_json::json!({"name": "系统", "role": "township", "area_code": "990102001000",
            "modules": ["residents"]}),
    )
    .await;
    let cross_site = |request: reqwest::RequestBuilder| {
        request
            .header("sec-fetch-site", "cross-site")
            .header("origin", "http://evil.example")
    };
    assert_eq!(
        status(cross_site(bearer(
            &app,
            "POST",
            "/api/v1/registry/residents/1/visits",
            &token
        )))
        .await,
        200
    );
    // A browser session doing the same is refused by the CSRF layer.
    let town = app.signed_in("town01").await;
    assert_eq!(
        status(cross_site(
            town.post(app.url("/api/v1/registry/residents/1/visits"))
        ))
        .await,
        403
    );
    // A forged request adding a junk bearer header to the victim's cookie gets nothing.
    assert_eq!(
        status(cross_site(
            town.post(app.url("/api/v1/registry/residents/1/visits"))
                .bearer_auth("tongxin_forged")
        ))
        .await,
        401
    );
    assert_eq!(
        status(town.get(app.url("/api/v1/me")).bearer_auth("junk")).await,
        401
    );
}

async fn revoked_and_expired_tokens_answer_401(backend: Backend) {
    let app = app(backend).await;
    let body = serde_json::json!({"name": "临时", "role": "village", "area_code": "990102001001",
        "modules": ["residents:read"]});
    let (id, token) = create(&app, body.clone()).await;
    assert_eq!(status(bearer(&app, "GET", "/api/v1/me", &token)).await, 200);
    let admin = app.signed_in("admin").await;
    let revoked = admin
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let again = admin
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let refused = bearer(&app, "GET", "/api/v1/me", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "unauthenticated");
    // Expiry: move one token's end into the past.
    let (id, token) = create(&app, body).await;
    const SQL: &str = "UPDATE api_tokens SET expires_at = $2 WHERE id = $1";
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    platform::with_db!(&app.db, pool => sqlx::query(SQL).bind(id).bind(past).execute(pool).await.map(|r| r.rows_affected()))
        .unwrap();
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/registry/residents", &token)).await,
        401
    );
    const AUDIT: &str = "SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke'";
    let n: i64 =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(AUDIT).fetch_one(pool).await)
            .unwrap();
    assert_eq!(n, 1);
}

async fn tokens_are_refused_bad_scopes(backend: Backend) {
    let app = app(backend).await;
    let admin = app.signed_in("admin").await;
    for (body, field) in [
        (
            serde_json::json!({"name": "x", "role": "admin", "area_code": "990102000000"}),
            "role",
        ),
        (
            serde_json::json!({"name": "x", "role": "grid", "area_code": "990102000000", "modules": ["nosuch"]}),
            "modules",
        ),
        (
            serde_json::json!({"name": "x", "role": "grid", "area_code": "990102000000", "days": 0}),
            "days",
        ),
        (
            serde_json::json!({"name": " ", "role": "grid", "area_code": "990102000000"}),
            "name",
        ),
        (
            serde_json::json!({"name": "x", "role": "grid", "area_code": "990102999000"}),
            "area_code",
        ),
    ] {
        let response = admin
            .post(app.url("/api/v1/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{body}");
    }
    // Only admins manage tokens.
    let commander = app.signed_in("commander").await;
    assert_eq!(status(commander.get(app.url("/api/v1/tokens"))).await, 403);
    assert_eq!(
        status(
            commander.post(app.url("/api/v1/tokens")).json(
                &serde_json::json!({"name": "x", "role": "grid", "area_code": "990102000000"})
            )
        )
        .await,
        403
    );
}

async fn admins_manage_tokens_on_a_page(backend: Backend) {
    let app = app(backend).await;
    let admin = app.signed_in("admin").await;
    let page = admin
        .get(app.url("/admin/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("API 令牌") && page.contains("name=\"modules\""));
    assert!(
        page.contains("residents") && page.contains("kernel"),
        "modules are offered"
    );
    let bad = admin
        .post(app.url("/admin/tokens"))
        .form(&[
            ("name", "设备"),
            ("role", "checkpoint"),
            ("area_code", "990102001000"),
            ("modules", "nosuch"),
            ("days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("没有名为“nosuch”的模块"));
    let created = admin
        .post(app.url("/admin/tokens"))
        .form(&[
            ("name", "西山卡口"),
            ("role", "checkpoint"),
            ("area_code", "990102201000"),
            ("modules", "residents:read"),
            ("days", "30"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = created
        .split("data-testid=\"token-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret is shown once")
        .to_string();
    let residents: Value = bearer(&app, "GET", "/api/v1/registry/residents", &secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(residents["items"][0]["id"], 3);
    let listed = admin
        .get(app.url("/admin/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("西山卡口") && !listed.contains(&secret));
    let id: i64 = listed
        .split("action=\"/admin/tokens/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .parse()
        .unwrap();
    let revoked = admin
        .post(app.url(&format!("/admin/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    assert!(
        admin
            .get(app.url("/admin/tokens"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("已收回")
    );
    assert_eq!(
        status(bearer(&app, "GET", "/api/v1/registry/residents", &secret)).await,
        401
    );
    let village = app.signed_in("v0101").await;
    assert_eq!(status(village.get(app.url("/admin/tokens"))).await, 403);
}
