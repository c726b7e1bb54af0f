//! Sessions through the real server: the cookie holds a 256-bit token the database keeps only
//! hashed, `Secure` when configured, absolute expiry; signing out everywhere by API or from the
//! password page; and an account with an admin-set password reaches only the password page,
//! signing out and static files until the password is changed.

use serde_json::Value;
use sha2::{Digest, Sha256};
use testkit::{AppBuilder, Backend, DEMO_PASSWORD, TestApp, backend_tests, spawn_app};

backend_tests!(
    the_cookie_holds_a_random_token_the_database_keeps_only_hashed,
    a_session_ends_at_its_absolute_expiry_however_busy,
    signing_out_everywhere_by_api_ends_every_session_of_the_user,
    the_password_page_signs_out_everywhere,
    an_admin_set_password_must_be_changed_before_anything_else,
);

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

async fn the_cookie_holds_a_random_token_the_database_keeps_only_hashed(backend: Backend) {
    let app = AppBuilder::new(backend)
        .configure(|c| c.secure_cookies = true)
        .spawn()
        .await;
    let response = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "v0101", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"),
        "{cookie}"
    );
    let token = cookie
        .strip_prefix("tongxin_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    // 32 random bytes, base64url without padding.
    assert_eq!(token.len(), 43, "{token}");
    const SQL: &str = "SELECT token_hash FROM sessions";
    let stored: Vec<String> =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await).unwrap();
    assert_eq!(stored, vec![hex::encode(Sha256::digest(token.as_bytes()))]);
}

async fn a_session_ends_at_its_absolute_expiry_however_busy(backend: Backend) {
    let app = AppBuilder::new(backend)
        .configure(|c| c.session_absolute = std::time::Duration::from_millis(1500))
        .spawn()
        .await;
    let client = app.signed_in("town01").await;
    for _ in 0..3 {
        assert_eq!(status(&client, app.url("/api/v1/me")).await, 200);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(status(&client, app.url("/api/v1/me")).await, 401);
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    const SQL: &str = "SELECT action FROM audit_log ORDER BY seq";
    platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await).unwrap()
}

async fn signing_out_everywhere_by_api_ends_every_session_of_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.signed_in("g010101").await;
    let desk = app.signed_in("g010101").await;
    let other = app.signed_in("g010102").await;
    // Used a moment ago (so the node remembers the session), it still ends at once.
    assert_eq!(status(&phone, app.url("/api/v1/me")).await, 200);
    let out = desk
        .delete(app.url("/api/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(status(&phone, app.url("/api/v1/me")).await, 401);
    assert_eq!(status(&desk, app.url("/api/v1/me")).await, 401);
    assert_eq!(
        status(&other, app.url("/api/v1/me")).await,
        200,
        "others stay"
    );
    assert!(
        audit_actions(&app)
            .await
            .contains(&"session.logout_all".to_string())
    );
    // Without a session there is nothing to end.
    assert_eq!(
        app.client()
            .delete(app.url("/api/v1/sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn the_password_page_signs_out_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.signed_in("v0102").await;
    let desk = app.signed_in("v0102").await;
    let page = desk
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("action=\"/account/sessions/end\"") && page.contains("退出所有设备"));
    let out = desk
        .post(app.url("/account/sessions/end"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/login");
    assert_eq!(status(&phone, app.url("/api/v1/me")).await, 401);
    assert_eq!(status(&desk, app.url("/api/v1/me")).await, 401);
    // Signing out once is audited too.
    let again = app.signed_in("v0102").await;
    assert_eq!(status(&again, app.url("/api/v1/me")).await, 200);
    again.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(status(&again, app.url("/api/v1/me")).await, 401);
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"session.logout_all".to_string()));
    assert!(actions.contains(&"session.logout".to_string()));
}

async fn an_admin_set_password_must_be_changed_before_anything_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let created = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "zhaoliu"),
            ("display_name", "赵六"),
            ("role", "township"),
            ("area_code", "990102001000"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let password = created
        .split("data-testid=\"one-time-password\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let client = app.client();
    let signed_in = client
        .post(app.url("/login"))
        .form(&[
            ("username", "zhaoliu"),
            ("password", password.as_str()),
            ("next", "/areas"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    // Every page but the password page leads there; the API refuses with a code.
    for path in ["/", "/areas", "/areas/990102001000", "/admin/users"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(
            response.headers()["location"],
            "/account/password",
            "{path}"
        );
    }
    for path in ["/api/v1/areas", "/api/v1/areas/990102001000"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "password_change_required");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("请先修改密码")
        );
    }
    // What stays reachable: who am I, the password page, static files.
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);
    assert_eq!(status(&client, app.url("/account/password")).await, 200);
    assert_eq!(
        status(&client, app.url("/assets/css/tongxin.css")).await,
        200
    );
    // Changing it by API opens the rest.
    let weak = client
        .post(app.url("/api/v1/me/password"))
        .json(&serde_json::json!({"current": password, "new": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    let error: Value = weak.json().await.unwrap();
    assert_eq!(error["error"]["field"], "new");
    let changed = client
        .post(app.url("/api/v1/me/password"))
        .json(&serde_json::json!({"current": password, "new": "winter-plum-2020"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(status(&client, app.url("/api/v1/areas")).await, 200);
    assert_eq!(status(&client, app.url("/")).await, 200);
    // Signing out works for such a user as well.
    let second = app.client();
    second
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "zhaoliu", "password": "winter-plum-2020"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        second
            .post(app.url("/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}
