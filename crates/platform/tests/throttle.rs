//! Sign-in throttling through the real server: after five failures in fifteen minutes an account
//! or an address is refused — even with the right password — with 429, a Chinese message naming
//! the Beijing time to retry and `Retry-After`, in the API and on the login page; across nodes;
//! and the throttle and successful sign-ins are audited.

use std::time::Duration;

use chrono::{Timelike, Utc};
use serde_json::Value;
use testkit::{AppBuilder, Backend, DEMO_PASSWORD, TestApp, backend_tests, spawn_app};

backend_tests!(
    six_wrong_passwords_then_the_right_one_answer_429_with_the_time_to_retry,
    the_login_page_refuses_a_throttled_account_with_the_time_to_retry,
    failures_on_many_accounts_from_one_address_throttle_the_address,
    a_throttle_holds_on_another_node_and_ends_after_the_window,
    guesses_in_parallel_get_no_more_than_five_tries,
    a_success_forgets_the_accounts_earlier_failures,
    colleagues_signing_in_at_once_from_one_address_are_not_throttled,
    behind_a_trusted_proxy_the_forwarded_address_is_the_clients,
    a_client_cannot_choose_its_address_without_a_trusted_proxy,
);

async fn attempt(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Beijing time `minutes` from now, rounded up to the minute, as the message prints it.
fn beijing_in(minutes: i64) -> String {
    let at = Utc::now() + chrono::Duration::minutes(minutes) + chrono::Duration::hours(8);
    let at = if at.second() > 0 || at.nanosecond() > 0 {
        at + chrono::Duration::minutes(1)
    } else {
        at
    };
    at.format("%H:%M").to_string()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    const SQL: &str = "SELECT actor_name, action FROM audit_log ORDER BY seq";
    platform::with_db!(&app.db, pool => sqlx::query_as(SQL).fetch_all(pool).await).unwrap()
}

async fn six_wrong_passwords_then_the_right_one_answer_429_with_the_time_to_retry(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    for i in 1..=5 {
        let response = attempt(&app, "town01", "wrong-password-x").await;
        assert_eq!(response.status(), 401, "failure {i}");
    }
    let sixth = attempt(&app, "town01", "wrong-password-x").await;
    assert_eq!(sixth.status(), 429);
    let right = attempt(&app, "town01", DEMO_PASSWORD).await;
    assert_eq!(right.status(), 429, "even the right password is refused");
    assert!(right.headers().get("set-cookie").is_none());
    let retry_after: u64 = right.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    let error: Value = right.json().await.unwrap();
    assert_eq!(error["error"]["code"], "throttled");
    let message = error["error"]["message"].as_str().unwrap();
    let expected = [beijing_in(15), beijing_in(14)];
    assert!(
        expected
            .iter()
            .any(|t| message == format!("登录失败次数过多，请于 {t} 后再试。")),
        "{message} (expected around {expected:?})"
    );
    let english: Value = app
        .client()
        .post(app.url("/api/v1/session"))
        .header("accept-language", "en")
        .json(&serde_json::json!({"username": "town01", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        english["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many failed sign-ins. Try again after "),
        "{english}"
    );
    // The throttle is audited once, when it starts, against the account and the address.
    let actions = audit_actions(&app).await;
    let throttles: Vec<_> = actions
        .iter()
        .filter(|(_, a)| a == "session.throttled")
        .collect();
    assert_eq!(throttles.len(), 1, "{actions:?}");
    assert_eq!(throttles[0].0, "anonymous");
    assert!(!actions.iter().any(|(_, a)| a == "session.login"));
}

async fn the_login_page_refuses_a_throttled_account_with_the_time_to_retry(backend: Backend) {
    let app = spawn_app(backend).await;
    let form = |password: &'static str| {
        let client = app.client();
        let url = app.url("/login");
        async move {
            client
                .post(url)
                .form(&[("username", "v0101"), ("password", password), ("next", "/")])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..6 {
        form("wrong-password-y").await;
    }
    let refused = form(DEMO_PASSWORD).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(refused.headers().get("set-cookie").is_none());
    let page = refused.text().await.unwrap();
    assert!(page.contains("登录失败次数过多，请于 "), "{page}");
    assert!(page.contains("value=\"v0101\""), "the user name is kept");
}

async fn failures_on_many_accounts_from_one_address_throttle_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["town01", "town02", "v0101", "v0102", "nobody-at-all"] {
        assert_eq!(attempt(&app, name, "wrong-password-z").await.status(), 401);
    }
    let other = attempt(&app, "g010101", DEMO_PASSWORD).await;
    assert_eq!(other.status(), 429, "this address made five failures");
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(_, a)| a == "session.throttled")
            .count(),
        1
    );
}

async fn a_throttle_holds_on_another_node_and_ends_after_the_window(backend: Backend) {
    let first = AppBuilder::new(backend)
        .configure(|c| c.login_window = Duration::from_secs(3))
        .spawn()
        .await;
    let second = AppBuilder::new(backend)
        .same_database_as(&first)
        .configure(|c| c.login_window = Duration::from_secs(3))
        .spawn()
        .await;
    for _ in 0..5 {
        attempt(&first, "town02", "wrong-password-w").await;
    }
    assert_eq!(
        attempt(&second, "town02", DEMO_PASSWORD).await.status(),
        429
    );
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(
        attempt(&second, "town02", DEMO_PASSWORD).await.status(),
        200
    );
}

async fn guesses_in_parallel_get_no_more_than_five_tries(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let url = app.url("/api/v1/session");
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(
                    &serde_json::json!({"username": "commander", "password": "guess-guess-guess"}),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut checked = 0;
    for task in tasks {
        match task.await.unwrap() {
            401 => checked += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked");
    // Refused guesses do not count: the account is throttled once five were checked.
    let expected = if checked == 5 { 429 } else { 200 };
    assert_eq!(
        attempt(&app, "commander", DEMO_PASSWORD).await.status(),
        expected
    );
}

async fn a_success_forgets_the_accounts_earlier_failures(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..4 {
        assert_eq!(
            attempt(&app, "town01", "wrong-password-v").await.status(),
            401
        );
    }
    assert_eq!(attempt(&app, "town01", DEMO_PASSWORD).await.status(), 200);
    for _ in 0..4 {
        assert_eq!(
            attempt(&app, "town01", "wrong-password-v").await.status(),
            401
        );
    }
    assert_eq!(attempt(&app, "town01", DEMO_PASSWORD).await.status(), 200);
    let logins = audit_actions(&app)
        .await
        .into_iter()
        .filter(|(actor, a)| actor == "town01" && a == "session.login")
        .count();
    assert_eq!(logins, 2, "successful sign-ins are audited");
}

async fn colleagues_signing_in_at_once_from_one_address_are_not_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tasks = Vec::new();
    for name in [
        "town01",
        "town02",
        "v0101",
        "v0102",
        "g010101",
        "g010102",
        "commander",
        "auditor",
    ] {
        let url = app.url("/api/v1/session");
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({"username": name, "password": DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
}

async fn attempt_from(
    app: &TestApp,
    forwarded: &str,
    username: &str,
    password: &str,
) -> reqwest::StatusCode {
    app.client()
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", forwarded)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn behind_a_trusted_proxy_the_forwarded_address_is_the_clients(backend: Backend) {
    let app = AppBuilder::new(backend)
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()])
        .spawn()
        .await;
    for name in ["town01", "town02", "v0101", "v0102", "g010101"] {
        assert_eq!(
            attempt_from(&app, "203.0.113.7", name, "wrong-password-u").await,
            401
        );
    }
    assert_eq!(
        attempt_from(&app, "203.0.113.7", "commander", DEMO_PASSWORD).await,
        429,
        "that client made five failures"
    );
    assert_eq!(
        attempt_from(
            &app,
            "198.51.100.1, 203.0.113.8",
            "commander",
            DEMO_PASSWORD
        )
        .await,
        200,
        "another client behind the same balancer is not"
    );
    const SQL: &str =
        "SELECT client_addr FROM audit_log WHERE action = 'session.login' ORDER BY seq DESC";
    let addr: Option<String> =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await).unwrap();
    assert_eq!(addr.as_deref(), Some("203.0.113.8"));
}

async fn a_client_cannot_choose_its_address_without_a_trusted_proxy(backend: Backend) {
    let app = spawn_app(backend).await;
    for (i, name) in ["town01", "town02", "v0101", "v0102", "g010101"]
        .iter()
        .enumerate()
    {
        let forged = format!("203.0.113.{i}");
        assert_eq!(
            attempt_from(&app, &forged, name, "wrong-password-t").await,
            401
        );
    }
    assert_eq!(
        attempt_from(&app, "198.51.100.99", "commander", DEMO_PASSWORD).await,
        429
    );
}
