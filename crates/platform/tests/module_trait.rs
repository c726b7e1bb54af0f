//! How a campaign module plugs in, kept as documentation: `Example` registers a catalog, an API
//! route, a page, a navigation entry, a figure, a periodic job and demo data — the same things
//! every campaign crate registers — and the tests prove each reaches the running application.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use futures::FutureExt;
use futures::future::BoxFuture;
use platform::auth::{CurrentUser, Role};
use platform::demo::DemoContext;
use platform::i18n::{Lang, Tr};
use platform::module::{FigureDef, JobDef, NavItem};
use platform::routes::{Access, Routes};
use platform::{AppState, Module};
use testkit::{AppBuilder, Backend, backend_tests};

/// The example module.
struct Example;

const COMMANDERS: &[Role] = &[Role::Commander];
static TICKS: AtomicU64 = AtomicU64::new(0);

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Hello {
    message: String,
    area_code: String,
}

/// `GET /api/v1/example/hello`: documented once, in OpenAPI and here.
#[utoipa::path(get, path = "/api/v1/example/hello", tag = "example",
    responses((status = 200, description = "A greeting for the caller's area", body = Hello)))]
async fn hello(user: CurrentUser, tr: Tr) -> Json<Hello> {
    Json(Hello {
        message: tr.t("example.hello").to_string(),
        area_code: user.area.as_str().to_string(),
    })
}

async fn page(State(_state): State<AppState>, user: CurrentUser) -> Html<String> {
    Html(format!(
        "<h1>{}</h1>",
        platform::web::escape_html(&user.display_name)
    ))
}

impl Module for Example {
    fn name(&self) -> &'static str {
        "example"
    }

    fn catalogs(&self) -> Vec<(Lang, &'static str, &'static str)> {
        vec![
            (
                Lang::ZhCn,
                "example zh",
                "\"example.hello\" = \"你好\"\n\"example.nav\" = \"示例\"\n\"example.figure\" = \"辖区总数\"",
            ),
            (
                Lang::En,
                "example en",
                "\"example.hello\" = \"Hello\"\n\"example.nav\" = \"Example\"\n\"example.figure\" = \"Areas in all\"",
            ),
        ]
    }

    fn routes(&self, routes: &mut Routes) {
        routes.api(Access::SignedIn, utoipa_axum::routes!(hello));
        routes.page(Access::Roles(COMMANDERS), "/example", get(page));
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![NavItem {
            label_key: "example.nav",
            href: "/example",
            roles: COMMANDERS,
            order: 500,
            on_phone_bar: false,
        }]
    }

    fn figures(&self) -> Vec<FigureDef> {
        vec![FigureDef {
            key: "example.areas_total",
            label_key: "example.figure",
            unit_key: "unit.ge",
            compute: |state, area, _date| {
                async move {
                    let mut total = 0;
                    for level in domain::AreaLevel::ALL {
                        total += platform::areas::repo::count_in_subtree(state.db(), area, level)
                            .await?;
                    }
                    Ok(total as f64)
                }
                .boxed()
            },
        }]
    }

    fn jobs(&self) -> Vec<JobDef> {
        vec![JobDef {
            name: "example.tick",
            every: Duration::from_secs(3600),
            run: |_state| {
                async {
                    TICKS.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
                .boxed()
            },
        }]
    }

    fn demo<'a>(&'a self, ctx: &'a DemoContext) -> BoxFuture<'a, anyhow::Result<()>> {
        async move {
            platform::users::units::insert(&ctx.db, "示例单位", "team", ctx.root.as_str(), None)
                .await?;
            Ok(())
        }
        .boxed()
    }
}

backend_tests!(a_module_s_routes_navigation_figures_and_demo_data_reach_the_application);

async fn a_module_s_routes_navigation_figures_and_demo_data_reach_the_application(
    backend: Backend,
) {
    let app = AppBuilder::new(backend)
        .module(Arc::new(Example))
        .spawn()
        .await;
    // The API route answers in the caller's language, is guarded and documented.
    let village = app.signed_in("v0101").await;
    let hello: serde_json::Value = village
        .get(app.url("/api/v1/example/hello"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hello["message"], "你好");
    assert_eq!(
        app.client()
            .get(app.url("/api/v1/example/hello"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let doc: serde_json::Value = app
        .client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/example/hello"]["get"].is_object());
    // The page and its navigation entry are the commander's only.
    assert_eq!(
        village
            .get(app.url("/example"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert!(
        !village
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("href=\"/example\"")
    );
    let commander = app.signed_in("commander").await;
    assert_eq!(
        commander
            .get(app.url("/example"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let home = commander
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("<a href=\"/example\">示例</a>"), "{home}");
    // The figure is registered and computed for an area: the tiny district has 15 areas.
    assert!(home.contains("辖区总数"));
    let figure = app.state.figure("example.areas_total").expect("registered");
    let root = domain::DivisionCode::parse("990102000000").unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 3, 6).unwrap();
    assert_eq!(
        (figure.compute)(&app.state, &root, today).await.unwrap(),
        15.0
    );
    // The demo data went in after the kernel's.
    assert!(
        platform::users::units::find(&app.db, "990102000000", "示例单位")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_on_one_node_of_two() {
    let app = AppBuilder::new(Backend::Sqlite)
        .module(Arc::new(Example))
        .spawn()
        .await;
    let node = |name: &str| {
        let mut config = platform::Config::new(app.db_url.clone(), "127.0.0.1:0".parse().unwrap());
        config.node_id = name.to_string();
        platform::assemble(
            config,
            app.db.clone(),
            vec![Arc::new(platform::Kernel), Arc::new(Example)],
        )
        .unwrap()
    };
    let (a, b) = (node("node-a"), node("node-b"));
    assert!(
        a.jobs.names().contains(&"example.tick")
            && a.jobs.names().contains(&"kernel.purge_sessions")
    );
    let before = TICKS.load(Ordering::SeqCst);
    assert!(a.jobs.run_once("example.tick").await.unwrap());
    assert!(
        !b.jobs.run_once("example.tick").await.unwrap(),
        "node b must wait for node a's lease"
    );
    assert_eq!(TICKS.load(Ordering::SeqCst), before + 1);
    // The kernel's own job purges sessions.
    assert!(a.jobs.run_once("kernel.purge_sessions").await.unwrap());
}
