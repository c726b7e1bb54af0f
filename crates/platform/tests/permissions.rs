//! Role × area subtree × module, decided by the route guard alone: a test-only module guarded by
//! `Access::Module` is held by the grassroots by default, by admins and commanders always, by a
//! department only through its unit's grant, never by the auditor; reading and writing are
//! separate; records outside the caller's subtree answer 404 and areas 403.

mod support;

use std::sync::Arc;

use platform::audit::Actor;
use platform::auth::permission::{self, Grantee};
use platform::auth::{Action, Role};
use platform::routes::{Access, Routes};
use serde_json::Value;
use support::Registry;
use testkit::{AppBuilder, Backend, TestApp, backend_tests};

backend_tests!(
    the_grassroots_hold_a_campaign_module_by_default_within_their_area,
    a_department_holds_a_module_only_through_its_units_grant,
    a_user_grant_reads_or_writes_as_granted,
    the_auditor_holds_no_module_and_cannot_be_granted_one,
    records_outside_the_subtree_answer_404_and_areas_403,
);

async fn app(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(Registry))
        .spawn()
        .await
}

async fn status(client: &reqwest::Client, method: &str, url: String) -> u16 {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    client
        .request(method, url)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn ids(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    let page: Value = client
        .get(app.url("/api/v1/registry/residents"))
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
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

async fn the_grassroots_hold_a_campaign_module_by_default_within_their_area(backend: Backend) {
    let app = app(backend).await;
    // A grid worker sees the resident of their grid; the township the residents of its subtree.
    let grid = app.signed_in("g010101").await;
    assert_eq!(ids(&app, &grid).await, vec![1]);
    let town = app.signed_in("town01").await;
    assert_eq!(ids(&app, &town).await, vec![1, 2]);
    assert_eq!(
        status(
            &town,
            "POST",
            app.url("/api/v1/registry/residents/2/visits")
        )
        .await,
        200
    );
    // Admins and commanders hold every module, over the whole district.
    for name in ["admin", "commander"] {
        let client = app.signed_in(name).await;
        assert_eq!(ids(&app, &client).await, vec![1, 2, 3], "{name}");
    }
    // Roles outside the module's defaults do not.
    for name in ["checkpoint01", "enterprise01", "inspector01", "dept-health"] {
        let client = app.signed_in(name).await;
        assert_eq!(
            status(&client, "GET", app.url("/api/v1/registry/residents")).await,
            403,
            "{name}"
        );
        assert_eq!(
            status(&client, "GET", app.url("/registry/residents")).await,
            403,
            "{name}"
        );
    }
}

async fn unit_of(app: &TestApp, username: &str) -> (i64, String) {
    const SQL: &str = "SELECT u.unit_id, u.area_code FROM users u WHERE u.username = $1";
    let (unit, area): (Option<i64>, String) = platform::with_db!(&app.db, pool =>
        sqlx::query_as(SQL).bind(username).fetch_one(pool).await)
    .unwrap();
    (unit.expect("a unit"), area)
}

async fn a_department_holds_a_module_only_through_its_units_grant(backend: Backend) {
    let app = app(backend).await;
    let health = app.signed_in("dept-health").await;
    let industry = app.signed_in("dept-industry").await;
    let list = app.url("/api/v1/registry/residents");
    let write = app.url("/api/v1/registry/residents/3/visits");
    assert_eq!(status(&health, "GET", list.clone()).await, 403);
    let (unit, area) = unit_of(&app, "dept-health").await;
    permission::grant(
        &app.db,
        &Actor::cli(),
        Grantee::Unit { id: unit },
        &area,
        "residents",
        Action::Read,
    )
    .await
    .unwrap();
    assert_eq!(status(&health, "GET", list.clone()).await, 200);
    assert_eq!(ids(&app, &health).await, vec![1, 2, 3], "the district's");
    assert_eq!(
        status(&health, "POST", write.clone()).await,
        403,
        "read only"
    );
    assert_eq!(
        status(&industry, "GET", list.clone()).await,
        403,
        "another department's unit holds nothing"
    );
    permission::grant(
        &app.db,
        &Actor::cli(),
        Grantee::Unit { id: unit },
        &area,
        "residents",
        Action::Write,
    )
    .await
    .unwrap();
    assert_eq!(status(&health, "POST", write).await, 200);
    assert!(
        permission::revoke(
            &app.db,
            &Actor::cli(),
            Grantee::Unit { id: unit },
            &area,
            "residents"
        )
        .await
        .unwrap()
    );
    assert_eq!(status(&health, "GET", list).await, 403);
    const SQL: &str = "SELECT action FROM audit_log WHERE action LIKE 'module.%' ORDER BY seq";
    let actions: Vec<String> =
        platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL).fetch_all(pool).await).unwrap();
    assert_eq!(actions, ["module.grant", "module.grant", "module.revoke"]);
}

async fn a_user_grant_reads_or_writes_as_granted(backend: Backend) {
    let app = app(backend).await;
    let checkpoint = app.signed_in("checkpoint01").await;
    let user = platform::users::repo::get_by_username(&app.db, "checkpoint01")
        .await
        .unwrap()
        .unwrap();
    permission::grant(
        &app.db,
        &Actor::cli(),
        Grantee::User { id: user.id },
        &user.area_code,
        "residents",
        Action::Read,
    )
    .await
    .unwrap();
    assert_eq!(ids(&app, &checkpoint).await, vec![1, 2]);
    assert_eq!(
        status(
            &checkpoint,
            "POST",
            app.url("/api/v1/registry/residents/1/visits")
        )
        .await,
        403
    );
}

async fn the_auditor_holds_no_module_and_cannot_be_granted_one(backend: Backend) {
    let app = app(backend).await;
    let auditor = app.signed_in("auditor").await;
    assert_eq!(
        status(&auditor, "GET", app.url("/api/v1/registry/residents")).await,
        403
    );
    let user = platform::users::repo::get_by_username(&app.db, "auditor")
        .await
        .unwrap()
        .unwrap();
    let refused = permission::grant(
        &app.db,
        &Actor::cli(),
        Grantee::User { id: user.id },
        &user.area_code,
        "residents",
        Action::Read,
    )
    .await
    .unwrap_err();
    assert_eq!(refused.key, "module.not_for_auditors");
}

async fn records_outside_the_subtree_answer_404_and_areas_403(backend: Backend) {
    let app = app(backend).await;
    let town = app.signed_in("town01").await;
    // Resident 3 lives in the other township.
    assert_eq!(
        status(&town, "GET", app.url("/api/v1/registry/residents/1")).await,
        200
    );
    for (method, path) in [
        ("GET", "/api/v1/registry/residents/3"),
        ("POST", "/api/v1/registry/residents/3/visits"),
    ] {
        let response = town
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "not_found");
    }
    assert_eq!(
        status(&town, "GET", app.url("/api/v1/areas/990102201000")).await,
        403
    );
}

struct Misnamed;

impl platform::Module for Misnamed {
    fn name(&self) -> &'static str {
        "misnamed"
    }

    fn routes(&self, r: &mut Routes) {
        r.page(
            Access::Module("no-such-module", Action::Read),
            "/misnamed",
            axum::routing::get(|| async { "x" }),
        );
    }
}

#[tokio::test]
async fn a_route_needing_an_unregistered_module_stops_the_assembly() {
    let (url, _guard) = testkit::fresh_database(Backend::Sqlite).await.unwrap();
    let db = platform::db::connect(&url, 2).await.unwrap();
    platform::db::migrate(&db).await.unwrap();
    let config = platform::Config::new(url, "127.0.0.1:0".parse().unwrap());
    let err = platform::assemble(
        config,
        db,
        vec![Arc::new(platform::Kernel), Arc::new(Misnamed)],
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("no-such-module"), "{err}");
}

#[test]
fn module_defaults_are_the_grassroots_unless_a_module_says_otherwise() {
    use platform::Module;
    assert_eq!(
        Registry.default_roles(),
        &[Role::Township, Role::Village, Role::Grid]
    );
    assert!(!platform::Kernel.default_roles().contains(&Role::Auditor));
}
