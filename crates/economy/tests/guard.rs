//! Every economy route is guarded: without a session an API answers 401 and a page sends the
//! visitor to sign in; a user without the `economy` module (the auditor, a department not
//! granted it, checkpoint staff) is refused; no economy route is public.

mod support;

use platform::routes::{Access, RouteKind};
use testkit::{Backend, backend_tests};

backend_tests!(every_economy_route_needs_a_session_and_the_module);

/// Routes anyone may open: none.
const PUBLIC: &[&str] = &[];

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{token}", "not-a-token")
        .replace("{format}", "csv")
        .replace("{kind}", "resumption_reports")
        .replace("{photo_id}", "1")
        .replace("{enterprise_id}", "1")
}

async fn every_economy_route_needs_a_session_and_the_module(backend: Backend) {
    let app = support::spawn(backend).await;
    let anonymous = app.client();
    let outsiders = [
        app.signed_in("auditor").await,
        app.signed_in("dept-health").await,
        app.signed_in("checkpoint01").await,
    ];
    let mut public = Vec::new();
    let mut checked = 0;
    for route in app
        .routes
        .iter()
        .filter(|r| r.path.contains("economy") || r.path.contains("resumption"))
    {
        if route.access == Access::Public {
            public.push(route.path.as_str());
            continue;
        }
        assert!(
            matches!(route.access, Access::Module("economy", _)),
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
    assert!(checked >= 10, "only {checked} routes checked");
    public.sort();
    assert_eq!(public, PUBLIC.to_vec(), "the public economy routes changed");
}
