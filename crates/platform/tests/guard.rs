//! Every registered route is guarded: walks the route registry — the kernel's and a test-only
//! campaign module's — and proves that each non-public route refuses a caller without a session
//! (or with a junk token), each role-restricted route a signed-in user without the role, each
//! module-restricted route a user without the module, and every route but the account's own a user
//! who must still change an admin-set password. Public routes are an explicit list here; adding
//! one is a decision.

mod support;

use std::sync::Arc;

use platform::audit::Actor;
use platform::auth::{Role, hash_password};
use platform::routes::{Access, RouteKind};
use platform::users::NewUser;
use testkit::{AppBuilder, Backend, backend_tests};

backend_tests!(every_route_but_the_public_list_needs_a_session_its_role_and_its_module);

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
        .replace("{id}", "1")
}

async fn every_route_but_the_public_list_needs_a_session_its_role_and_its_module(backend: Backend) {
    let app = AppBuilder::new(backend)
        .module(Arc::new(support::Registry))
        .spawn()
        .await;
    let anonymous = app.client();
    let villager = app.signed_in("v0101").await;
    // The auditor holds no module; a department holds none it was not granted.
    let auditor = app.signed_in("auditor").await;
    let department = app.signed_in("dept-health").await;
    // An account an admin just made, whose password must be changed first.
    let password = "first-password-2020";
    platform::users::service::create(
        &app.db,
        &Actor::cli(),
        &NewUser {
            username: "newcomer".into(),
            display_name: "新人".into(),
            password_hash: hash_password(password).await.unwrap(),
            role: Role::Admin,
            area_code: "990102000000".into(),
            unit_id: None,
            must_change_password: true,
            enterprise_id: None,
        },
    )
    .await
    .unwrap();
    let newcomer = app.client();
    let signed_in = newcomer
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "newcomer", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let mut public: Vec<&str> = Vec::new();
    let mut module_routes = 0;
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
            let junk = anonymous
                .request(m.clone(), &url)
                .bearer_auth("tongxin_not-a-token")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let response = anonymous.request(m.clone(), &url).send().await.unwrap();
            let status = response.status().as_u16();
            assert_eq!(
                junk, status,
                "{method} {}: a junk token is no one",
                route.path
            );
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
            // Their own account's routes (signing out among them) are theirs; the rest refuse.
            let pending = if route.access == Access::OwnAccount {
                None
            } else {
                Some(newcomer.request(m.clone(), &url).send().await.unwrap())
            };
            if let Some(pending) = pending.filter(|p| p.status() != 405) {
                let pending_status = pending.status().as_u16();
                match route.kind {
                    RouteKind::Api => {
                        assert_eq!(pending_status, 403, "{method} {}", route.path);
                        let error: serde_json::Value = pending.json().await.unwrap();
                        assert_eq!(
                            error["error"]["code"], "password_change_required",
                            "{method} {}",
                            route.path
                        );
                    }
                    RouteKind::Page => {
                        assert_eq!(pending_status, 303, "{method} {}", route.path);
                        assert_eq!(
                            pending.headers()["location"],
                            "/account/password",
                            "{method} {}",
                            route.path
                        );
                    }
                }
            }
            if let Access::Module(module, _) = route.access {
                module_routes += 1;
                // Departments hold a module only when it says so (the registries do).
                let departments_hold = app
                    .state
                    .module_default_roles(module)
                    .is_some_and(|roles| roles.contains(&Role::Department));
                let outsiders: &[&reqwest::Client] = if module == "kernel" || departments_hold {
                    &[&auditor]
                } else {
                    &[&auditor, &department]
                };
                for outsider in outsiders {
                    let response = outsider.request(m.clone(), &url).send().await.unwrap();
                    let status = response.status().as_u16();
                    assert!(
                        status == 403 || status == 405,
                        "{method} {} answered {status} to a user without module {module}",
                        route.path
                    );
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
    assert!(
        module_routes >= 8,
        "only {module_routes} module routes checked"
    );
    public.sort();
    let mut expected = PUBLIC.to_vec();
    expected.sort();
    assert_eq!(public, expected, "the public routes changed");
}
