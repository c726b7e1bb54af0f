//! Every command route needs a session and the `command` module: a village worker, an auditor
//! and a department without the grant are refused; editing bulletin templates is the command
//! office's alone (a township holding the module is refused too).

mod support;

use platform::routes::{Access, RouteKind};
use testkit::{Backend, backend_tests};

backend_tests!(every_command_route_needs_a_session_and_the_module);

async fn every_command_route_needs_a_session_and_the_module(backend: Backend) {
    let app = support::spawn(backend).await;
    let anonymous = app.client();
    let outsiders = [
        app.signed_in("auditor").await,
        app.signed_in("dept-industry").await,
        app.signed_in("v0101").await,
    ];
    let township = app.signed_in("town01").await;
    let mut checked = 0;
    for route in app.routes.iter().filter(|r| r.path.contains("command")) {
        let editors_only = match route.access {
            Access::Module("command", _) => false,
            Access::Roles(roles) if roles == command::bulletin::EDITORS => true,
            other => panic!("{} is guarded by {other:?}", route.path),
        };
        let url = app.url(
            &route
                .path
                .replace("{key}", "epidemic.screenings")
                .replace("{name}", "dual-campaign")
                .replace("{id}", "1"),
        );
        let methods: Vec<String> = match route.kind {
            RouteKind::Api => route.methods.clone(),
            RouteKind::Page
                if route.path.ends_with("/archive") || route.path.ends_with("/reset") =>
            {
                vec!["POST".into()]
            }
            RouteKind::Page => vec!["GET".into()],
        };
        for method in &methods {
            checked += 1;
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let status = anonymous
                .request(m.clone(), &url)
                .send()
                .await
                .unwrap()
                .status();
            match route.kind {
                RouteKind::Api => assert_eq!(status, 401, "{}", route.path),
                RouteKind::Page => assert_eq!(status, 303, "{}", route.path),
            }
            let refused: Vec<&reqwest::Client> = if editors_only {
                outsiders.iter().chain([&township]).collect()
            } else {
                outsiders.iter().collect()
            };
            for outsider in refused {
                let status = outsider
                    .request(m.clone(), &url)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 403, "{method} {}", route.path);
            }
        }
    }
    assert_eq!(checked, 22);
}
