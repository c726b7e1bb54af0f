//! `spawn_app`: the application as production assembles it, on port 0, over a fresh database.

use std::net::SocketAddr;
use std::sync::Arc;

use platform::demo::Scale;
use platform::routes::RouteInfo;
use platform::{AppState, Config, Db, Module};

use crate::database::{self, Backend, DbGuard};

/// Password of every account of the generated demo district in tests.
pub const DEMO_PASSWORD: &str = "tongxin-test-2020";

pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub db: Db,
    pub db_url: String,
    pub state: AppState,
    pub routes: Vec<RouteInfo>,
    pub backend: Backend,
    server: tokio::task::JoinHandle<()>,
    // Declared last: dropped after the server task is aborted.
    _guard: Arc<DbGuard>,
}

/// Adjusts the configuration of one test's node.
type ConfigureFn = Box<dyn FnOnce(&mut Config)>;

pub struct AppBuilder {
    backend: Backend,
    modules: Vec<Arc<dyn Module>>,
    demo: Option<Scale>,
    configure: Option<ConfigureFn>,
    shared: Option<(String, Arc<DbGuard>)>,
}

/// The kernel over a tiny demo district.
pub async fn spawn_app(backend: Backend) -> TestApp {
    AppBuilder::new(backend).spawn().await
}

impl AppBuilder {
    pub fn new(backend: Backend) -> Self {
        AppBuilder {
            backend,
            modules: vec![
                Arc::new(platform::Kernel),
                Arc::new(platform::Registries),
                Arc::new(platform::Tickets),
            ],
            demo: Some(Scale::Tiny),
            configure: None,
            shared: None,
        }
    }

    /// Adds a module after the kernel.
    pub fn module(mut self, module: Arc<dyn Module>) -> Self {
        self.modules.push(module);
        self
    }

    /// The demo district at `scale` instead of the tiny one (benchmarks).
    pub fn scale(mut self, scale: Scale) -> Self {
        self.demo = Some(scale);
        self
    }

    /// An empty database instead of the tiny demo district.
    pub fn empty(mut self) -> Self {
        self.demo = None;
        self
    }

    pub fn configure(mut self, f: impl FnOnce(&mut Config) + 'static) -> Self {
        self.configure = Some(Box::new(f));
        self
    }

    /// A second node on the same database as `other` (no demo generation).
    pub fn same_database_as(mut self, other: &TestApp) -> Self {
        self.shared = Some((other.db_url.clone(), other._guard.clone()));
        self.demo = None;
        self.backend = other.backend;
        self
    }

    pub async fn spawn(self) -> TestApp {
        let (url, guard) = match self.shared {
            Some((url, guard)) => (url, guard),
            None => {
                let (url, guard) = database::fresh_database(self.backend)
                    .await
                    .expect("a fresh test database");
                (url, Arc::new(guard))
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("bound address");
        let mut config = Config::new(url.clone(), addr);
        config.max_connections = 5;
        config.run_jobs = false;
        if let Some(f) = self.configure {
            f(&mut config);
        }
        let db = platform::db::connect(&url, config.max_connections)
            .await
            .expect("connect to the test database");
        platform::db::migrate(&db).await.expect("migrations apply");
        if let Some(scale) = self.demo {
            let summary = platform::demo::generate(&db, scale, 7, DEMO_PASSWORD)
                .await
                .expect("demo district");
            let ctx = platform::demo::DemoContext {
                db: db.clone(),
                seed: 7,
                scale,
                root: summary.root,
            };
            for module in &self.modules {
                module.demo(&ctx).await.expect("module demo data");
            }
        }
        let app = platform::assemble(config, db.clone(), self.modules)
            .expect("the application assembles");
        let state = app.state.clone();
        let routes = app.routes.clone();
        let server = tokio::spawn(async move {
            let _ = platform::serve(app, listener, std::future::pending()).await;
        });
        TestApp {
            addr,
            base: format!("http://{addr}"),
            db,
            db_url: url,
            state,
            routes,
            backend: self.backend,
            server,
            _guard: guard,
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client")
    }

    /// `GET path` as `client`, which must answer 200 with JSON.
    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> serde_json::Value {
        let response = client.get(self.url(path)).send().await.expect("a response");
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// The root of the area `username` works in, as `/api/v1/me` says.
    pub async fn area_of(&self, username: &str) -> String {
        let client = self.signed_in(username).await;
        let me = self.get_json(&client, "/api/v1/me").await;
        me["area_code"].as_str().expect("an area").to_string()
    }

    /// A session of `username` of the demo district as a `Cookie` header value, for load tests
    /// that share one sign-in among many connections.
    pub async fn session_cookie(&self, username: &str) -> String {
        let response = reqwest::Client::new()
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(response.status(), 200, "sign in as {username}");
        response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A client signed in through the API as `username` of the demo district.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(
            response.status(),
            200,
            "sign in as {username}: {}",
            response.text().await.unwrap_or_default()
        );
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}
