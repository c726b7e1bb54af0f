//! Every epidemic route is guarded: without a session an API answers 401 and a page sends the
//! visitor to sign in; a user without the `epidemic` module (the auditor, a department not
//! granted it, an enterprise) is refused; only the listed routes are public.

mod support;

use platform::routes::{Access, RouteKind};
use testkit::{Backend, backend_tests};

backend_tests!(every_epidemic_route_needs_a_session_and_the_module);

/// Routes anyone may open: the one-time health-check link a person uses.
const PUBLIC: &[&str] = &["/c/{token}"];

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{token}", "not-a-token")
        .replace("{format}", "csv")
        .replace("{kind}", "lab_results")
}

async fn every_epidemic_route_needs_a_session_and_the_module(backend: Backend) {
    let app = support::spawn(backend).await;
    let anonymous = app.client();
    let outsiders = [
        app.signed_in("auditor").await,
        app.signed_in("dept-industry").await,
        app.signed_in("enterprise01").await,
    ];
    let mut public = Vec::new();
    let mut checked = 0;
    for route in app
        .routes
        .iter()
        .filter(|r| r.path.contains("epidemic") || r.path.starts_with("/c/"))
    {
        if route.access == Access::Public {
            public.push(route.path.as_str());
            continue;
        }
        assert!(
            matches!(
                route.access,
                Access::Module("epidemic", _) | Access::Roles(_)
            ),
            "{} is guarded by {:?}",
            route.path,
            route.access
        );
        let methods: Vec<String> = match route.kind {
            RouteKind::Api => route.methods.clone(),
            RouteKind::Page => vec!["GET".into(), "POST".into()],
        };
        let url = app.url(&concrete(&route.path));
        for method in &methods {
            checked += 1;
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let status = anonymous
                .request(m.clone(), &url)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            match route.kind {
                RouteKind::Api => assert_eq!(status, 401, "{method} {}", route.path),
                RouteKind::Page => assert!(
                    status == 303 || status == 405,
                    "{method} {} answered {status}",
                    route.path
                ),
            }
            for outsider in &outsiders {
                let status = outsider
                    .request(m.clone(), &url)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
                assert!(
                    status == 403 || status == 405,
                    "{method} {} answered {status} to a user without the module",
                    route.path
                );
            }
        }
    }
    assert!(checked >= 20, "only {checked} routes checked");
    public.sort();
    assert_eq!(
        public,
        PUBLIC.to_vec(),
        "the public epidemic routes changed"
    );
}
