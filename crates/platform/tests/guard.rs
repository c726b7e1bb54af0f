//! Every registered route is guarded: walks the route registry and proves that each non-public
//! route refuses a caller without a session, and each role-restricted route refuses a signed-in
//! user without the role. Public routes are an explicit list here; adding one is a decision.

use platform::auth::Role;
use platform::routes::{Access, RouteKind};
use testkit::{Backend, backend_tests, spawn_app};

backend_tests!(every_route_but_the_public_list_needs_a_session_and_its_role);

const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/openapi.json",
    "/api/v1/session",
    "/assets/{*path}",
    "/login",
    "/lang/{tag}",
];

fn concrete(path: &str) -> String {
    path.replace("{code}", "990102000000")
        .replace("{*path}", "css/tongxin.css")
        .replace("{tag}", "en")
        .replace("{username}", "admin")
        .replace("{action}", "disable")
}

async fn every_route_but_the_public_list_needs_a_session_and_its_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.client();
    let villager = app.signed_in("v0101").await;
    let mut public: Vec<&str> = Vec::new();
    for route in &app.routes {
        let methods: Vec<String> = match route.kind {
            RouteKind::Api => route.methods.clone(),
            RouteKind::Page => vec!["GET".into(), "POST".into()],
        };
        let url = app.url(&concrete(&route.path));
        if route.access == Access::Public {
            public.push(route.path.as_str());
            continue;
        }
        for method in &methods {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let response = anonymous.request(m.clone(), &url).send().await.unwrap();
            let status = response.status().as_u16();
            match route.kind {
                RouteKind::Api => assert_eq!(
                    status, 401,
                    "{method} {} answered {status} without a session",
                    route.path
                ),
                RouteKind::Page => {
                    // A page either is not routed for this method, or sends the visitor to sign in.
                    if status != 405 {
                        assert_eq!(
                            status, 303,
                            "{method} {} answered {status} without a session",
                            route.path
                        );
                        let location = response.headers()["location"].to_str().unwrap();
                        assert!(
                            location.starts_with("/login?next="),
                            "{method} {} → {location}",
                            route.path
                        );
                    }
                }
            }
            if let Access::Roles(roles) = route.access {
                assert!(
                    !roles.contains(&Role::Village),
                    "pick another outsider for {}",
                    route.path
                );
                let response = villager.request(m, &url).send().await.unwrap();
                let status = response.status().as_u16();
                assert!(
                    status == 403 || status == 405,
                    "{method} {} answered {status} to a village user",
                    route.path
                );
            }
        }
    }
    public.sort();
    let mut expected = PUBLIC.to_vec();
    expected.sort();
    assert_eq!(public, expected, "the public routes changed");
}
