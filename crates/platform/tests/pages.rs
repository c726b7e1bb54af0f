//! The web shell as a browser sees it, without a browser: the login form, redirects, the home
//! page, the area browser, user administration with one-time passwords, password change, and the
//! refusal of a cross-site form post.

use testkit::{Backend, DEMO_PASSWORD, TestApp, backend_tests, spawn_app};

backend_tests!(
    the_login_form_signs_in_and_returns_to_the_page_asked_for,
    a_wrong_password_on_the_login_form_shows_the_error_in_chinese,
    the_home_page_shows_the_users_area_and_its_figures,
    the_area_browser_lists_children_and_refuses_other_subtrees,
    an_admin_creates_a_user_who_signs_in_with_the_one_time_password,
    a_non_admin_cannot_reach_user_administration,
    disabling_a_user_ends_their_sessions,
    changing_a_password_ends_the_other_sessions,
    a_cross_site_form_post_is_refused,
    the_language_switch_turns_pages_english,
);

async fn form_login(
    app: &TestApp,
    username: &str,
    password: &str,
    next: &str,
) -> (reqwest::Client, reqwest::Response) {
    let client = app.client();
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    (client, response)
}

async fn the_login_form_signs_in_and_returns_to_the_page_asked_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.client();
    let bounced = anonymous.get(app.url("/areas")).send().await.unwrap();
    assert_eq!(bounced.status(), 303);
    assert_eq!(bounced.headers()["location"], "/login?next=%2Fareas");
    let page = anonymous
        .get(app.url("/login?next=%2Fareas"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<html lang=\"zh-CN\">") && page.contains("用户名") && page.contains("密码"),
        "{page}"
    );
    let (client, response) = form_login(&app, "town01", DEMO_PASSWORD, "/areas").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/areas");
    // An off-site `next` is ignored.
    let (_, offsite) = form_login(&app, "town01", DEMO_PASSWORD, "//evil.example/").await;
    assert_eq!(offsite.headers()["location"], "/");
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    // Signed in, the login page sends the user on.
    assert_eq!(
        client.get(app.url("/login")).send().await.unwrap().status(),
        303
    );
    let out = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.headers()["location"], "/login");
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 303);
}

async fn a_wrong_password_on_the_login_form_shows_the_error_in_chinese(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, response) = form_login(&app, "town01", "wrong-password-1", "/").await;
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    assert!(page.contains("用户名或密码错误"), "{page}");
    assert!(page.contains("value=\"town01\""), "the user name is kept");
}

async fn the_home_page_shows_the_users_area_and_its_figures(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, _) = form_login(&app, "town01", DEMO_PASSWORD, "/").await;
    let page = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("乡镇街道"), "role label");
    assert!(page.contains("值班员，您好"), "greeting: {page}");
    // A tiny township holds 2 villages and 4 grids.
    assert!(figure_value(&page, "村社区") == "2", "{page}");
    assert!(figure_value(&page, "网格") == "4", "{page}");
    assert!(page.contains("暂无待办事项"));
    // Village users do not see the admin entry; admins do.
    assert!(!page.contains("/admin/users"));
    let admin = app.signed_in("admin").await;
    assert!(
        admin
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("href=\"/admin/users\"")
    );
}

async fn the_area_browser_lists_children_and_refuses_other_subtrees(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let district = admin
        .get(app.url("/areas/990102000000"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        district.contains("同心区") && district.contains("990102001000"),
        "{district}"
    );
    let searched = admin
        .get(app.url("/areas/990102000000?q=%E7%BD%91%E6%A0%BC"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        searched.matches("class=\"cell-link\"").count(),
        8,
        "eight grids match 网格"
    );
    let town = app.signed_in("town01").await;
    let other = town
        .get(app.url("/areas/990102101000"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    assert!(other.text().await.unwrap().contains("您没有权限访问该内容"));
    assert_eq!(
        town.get(app.url("/areas/990102001000"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn an_admin_creates_a_user_who_signs_in_with_the_one_time_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let form = admin
        .get(app.url("/admin/users/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"username\""));
    let bad = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "A"),
            ("display_name", "张三"),
            ("role", "grid"),
            ("area_code", "990102001001001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("用户名须为"));
    let taken = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "town01"),
            ("display_name", "张三"),
            ("role", "grid"),
            ("area_code", "990102001001001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    let created = admin
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "zhangsan"),
            ("display_name", "张三"),
            ("role", "grid"),
            ("area_code", "990102001001001"),
            ("unit_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let page = created.text().await.unwrap();
    let password = page
        .split("data-testid=\"one-time-password\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the one-time password is shown")
        .to_string();
    assert_eq!(password.len(), 12);
    let (client, response) = form_login(&app, "zhangsan", &password, "/").await;
    assert_eq!(response.status(), 303);
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "grid");
    assert_eq!(me["must_change_password"], true);
    // Until the one-time password is changed, pages lead to the password page and the API refuses.
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/account/password");
    let refused = client.get(app.url("/api/v1/areas")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let error: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "password_change_required");
    assert!(
        client
            .get(app.url("/account/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("请先修改密码")
    );
    let changed = client
        .post(app.url("/account/password"))
        .form(&[
            ("current", password.as_str()),
            ("new", "spring-garden-2020"),
            ("confirm", "spring-garden-2020"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    let listed = admin
        .get(app.url("/admin/users?q=zhang"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listed.contains("zhangsan") && listed.contains("张三"));
}

async fn a_non_admin_cannot_reach_user_administration(backend: Backend) {
    let app = spawn_app(backend).await;
    let commander = app.signed_in("commander").await;
    assert_eq!(
        commander
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let post = commander
        .post(app.url("/admin/users/new"))
        .form(&[
            ("username", "intruder"),
            ("display_name", "x"),
            ("role", "admin"),
            ("area_code", "990102000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    assert!(
        platform::users::repo::get_by_username(&app.db, "intruder")
            .await
            .unwrap()
            .is_none()
    );
}

async fn disabling_a_user_ends_their_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let grid = app.signed_in("g010101").await;
    let admin = app.signed_in("admin").await;
    // Used a moment ago (so the node remembers the session), it still ends at once.
    let me = grid.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let response = admin
        .post(app.url("/admin/users/g010101/disable"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        grid.get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let again = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "g010101", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    admin
        .post(app.url("/admin/users/g010101/enable"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.signed_in("g010101")
            .await
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // An admin may not lock themselves out.
    assert_eq!(
        admin
            .post(app.url("/admin/users/admin/disable"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}

async fn changing_a_password_ends_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.signed_in("v0101").await;
    let desk = app.signed_in("v0101").await;
    let weak = desk
        .post(app.url("/account/password"))
        .form(&[
            ("current", DEMO_PASSWORD),
            ("new", "short"),
            ("confirm", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("至少需要 10 个字符"));
    let wrong = desk
        .post(app.url("/account/password"))
        .form(&[
            ("current", "not-my-password"),
            ("new", "spring-2020-plough"),
            ("confirm", "spring-2020-plough"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let done = desk
        .post(app.url("/account/password"))
        .form(&[
            ("current", DEMO_PASSWORD),
            ("new", "spring-2020-plough"),
            ("confirm", "spring-2020-plough"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(
        desk.get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        phone
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let (_, login) = form_login(&app, "v0101", "spring-2020-plough", "/").await;
    assert_eq!(login.status(), 303);
}

async fn a_cross_site_form_post_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let response = admin
        .post(app.url("/admin/users/g010101/disable"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let user = platform::users::repo::get_by_username(&app.db, "g010101")
        .await
        .unwrap()
        .unwrap();
    assert!(!user.disabled, "a refused request changes nothing");
    let same_site = admin
        .post(app.url("/admin/users/g010101/disable"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 303);
}

async fn the_language_switch_turns_pages_english(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let switched = client
        .get(app.url("/lang/en?next=%2Flogin"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/login");
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("Sign in") && page.contains("中文"),
        "{page}"
    );
    let back = client
        .get(app.url("/lang/zh-CN?next=%2Flogin"))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    assert!(
        client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("登录")
    );
}

/// The number on the figure card labelled `label`.
fn figure_value(page: &str, label: &str) -> String {
    let after_label = page
        .split(&format!("<div class=\"figure-label\">{label}</div>"))
        .nth(1)
        .unwrap_or_default();
    let after_value = after_label
        .split("<div class=\"figure-value\">")
        .nth(1)
        .unwrap_or_default();
    after_value
        .split('<')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
