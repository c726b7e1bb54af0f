//! The security headers on every kind of response (a page, an API answer, an error) and the
//! request body limit.

use testkit::{AppBuilder, Backend, backend_tests, spawn_app};

backend_tests!(
    pages_and_api_answers_carry_the_security_headers,
    a_body_over_the_limit_answers_413
);

fn assert_security_headers(response: &reqwest::Response, what: &str) {
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
}

async fn pages_and_api_answers_carry_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("town01").await;
    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_security_headers(&page, "a page");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "no inline script or style"
    );
    let api = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(api.status(), 200);
    assert_security_headers(&api, "an API answer");
    let error = client
        .get(app.url("/api/v1/areas/990102201000"))
        .send()
        .await
        .unwrap();
    assert_eq!(error.status(), 403);
    assert_security_headers(&error, "an API error");
    let login = app.client().get(app.url("/login")).send().await.unwrap();
    assert_security_headers(&login, "the login page");
}

async fn a_body_over_the_limit_answers_413(backend: Backend) {
    let app = AppBuilder::new(backend)
        .configure(|c| c.body_limit = 1024)
        .spawn()
        .await;
    let client = app.signed_in("admin").await;
    let big = serde_json::json!({"username": "admin", "password": "x".repeat(4096)});
    let response = client
        .post(app.url("/api/v1/session"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "payload_too_large");
}
