//! Personal data through the real server, on a test-only module holding residents: full ID numbers
//! and phone numbers appear in no response of any route to a user without the `pii` permission;
//! with it, one field of one record is revealed for a reason, audited in the same transaction; an
//! export of full data needs the same; tokens never reveal.

mod support;

use std::sync::Arc;

use platform::routes::RouteKind;
use serde_json::Value;
use support::{FULL_ID_NUMBERS, FULL_PHONES, Registry};
use testkit::{AppBuilder, Backend, TestApp, backend_tests};

backend_tests!(
    full_id_numbers_appear_in_no_response_to_a_user_without_the_pii_permission,
    a_holder_reveals_one_field_for_a_reason_and_the_reveal_is_audited,
    a_full_export_needs_the_permission_and_a_reason_and_is_audited,
    the_permission_is_granted_and_withdrawn_by_an_admin_and_audited,
);

async fn app(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(Registry))
        .spawn()
        .await
}

fn concrete(path: &str) -> String {
    path.replace("{code}", "990102000000")
        .replace("{*path}", "css/tongxin.css")
        .replace("{tag}", "en")
        .replace("{username}", "admin")
        .replace("{action}", "disable")
        .replace("{id}", "1")
}

fn assert_no_full_values(text: &str, context: &str) {
    for full in FULL_ID_NUMBERS.iter().chain(FULL_PHONES) {
        assert!(
            !text.contains(full),
            "{context} shows {full} in full: {text}"
        );
    }
}

async fn grant_pii(app: &TestApp, username: &str) {
    let admin = app.signed_in("admin").await;
    let done = admin
        .post(app.url(&format!("/admin/users/{username}/grant-pii")))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
}

async fn full_id_numbers_appear_in_no_response_to_a_user_without_the_pii_permission(
    backend: Backend,
) {
    let app = app(backend).await;
    // The commander sees every resident; every GET route, API and page, is read as them.
    let commander = app.signed_in("commander").await;
    let mut read = 0;
    for route in &app.routes {
        let gets = match route.kind {
            RouteKind::Api => route.methods.iter().any(|m| m == "GET"),
            RouteKind::Page => true,
        };
        // The language switch would only turn the rest English.
        if !gets || route.path.starts_with("/lang/") {
            continue;
        }
        for suffix in ["", "?full=1&reason=x"] {
            let url = app.url(&format!("{}{suffix}", concrete(&route.path)));
            let response = commander.get(&url).send().await.unwrap();
            let text = response.text().await.unwrap();
            assert_no_full_values(&text, &url);
            read += 1;
        }
    }
    assert!(read > 20, "only {read} responses read");
    let list: Value = commander
        .get(app.url("/api/v1/registry/residents"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id_number"], "110105********002X");
    assert_eq!(list["items"][0]["phone"], "138****5678");
    assert_eq!(list["items"][0]["address"], "同心区东风街道幸****");
    // Asking for a reveal without the permission is refused, whatever the reason.
    let refused = commander
        .post(app.url("/api/v1/registry/residents/1/reveal"))
        .json(&serde_json::json!({"field": "id_number", "reason": "核实身份"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "pii_forbidden");
    assert_eq!(error["error"]["message"], "您没有查看完整个人信息的权限。");
}

async fn audit(app: &TestApp) -> Vec<(String, String, Option<String>, Option<String>)> {
    const SQL: &str = "SELECT actor_name, action, reason, after_json FROM audit_log ORDER BY seq";
    platform::with_db!(&app.db, pool => sqlx::query_as(SQL).fetch_all(pool).await).unwrap()
}

async fn a_holder_reveals_one_field_for_a_reason_and_the_reveal_is_audited(backend: Backend) {
    let app = app(backend).await;
    grant_pii(&app, "town01").await;
    let town = app.signed_in("town01").await;
    let me: Value = town
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["can_reveal_pii"], true);
    // Lists stay masked for holders too.
    let list = town
        .get(app.url("/api/v1/registry/residents"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_no_full_values(&list, "the list");
    let url = app.url("/api/v1/registry/residents/1/reveal");
    for reason in ["", "   "] {
        let response = town
            .post(&url)
            .json(&serde_json::json!({"field": "id_number", "reason": reason}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], "reason");
    }
    let before = audit(&app).await.len();
    let revealed: Value = town
        .post(&url)
        .json(&serde_json::json!({"field": "id_number", "reason": "核实隔离人员身份"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["value"], FULL_ID_NUMBERS[0]);
    let log = audit(&app).await;
    assert_eq!(log.len(), before + 1);
    let (actor, action, reason, after) = log.last().unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), reason.as_deref()),
        ("town01", "pii.reveal", Some("核实隔离人员身份"))
    );
    assert_eq!(after.as_deref(), Some("{\"field\":\"id_number\"}"));
    // The auditor sees who revealed what and why, never the value.
    let auditor = app.signed_in("auditor").await;
    let entries = auditor
        .get(app.url("/api/v1/audit?action=pii.reveal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        entries.contains("核实隔离人员身份") && entries.contains("registry.resident"),
        "{entries}"
    );
    assert_no_full_values(&entries, "the audit log");
    // A record outside the holder's area does not exist for them.
    let outside = town
        .post(app.url("/api/v1/registry/residents/3/reveal"))
        .json(&serde_json::json!({"field": "phone", "reason": "核实"}))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    let reveals = audit(&app)
        .await
        .into_iter()
        .filter(|(_, action, _, _)| action == "pii.reveal")
        .count();
    assert_eq!(reveals, 1, "nothing revealed, nothing logged");
}

async fn a_full_export_needs_the_permission_and_a_reason_and_is_audited(backend: Backend) {
    let app = app(backend).await;
    let commander = app.signed_in("commander").await;
    let url = app.url("/api/v1/registry/export");
    let masked = commander.get(&url).send().await.unwrap();
    assert_eq!(masked.status(), 200);
    let csv = masked.text().await.unwrap();
    assert!(csv.contains("110105********002X"), "{csv}");
    assert_no_full_values(&csv, "a masked export");
    let refused = commander
        .get(format!("{url}?full=1&reason=周报"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    grant_pii(&app, "commander").await;
    let commander = app.signed_in("commander").await;
    let no_reason = commander.get(format!("{url}?full=1")).send().await.unwrap();
    assert_eq!(no_reason.status(), 422);
    let full = commander
        .get(format!("{url}?full=1&reason=报送卫健委"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for id in FULL_ID_NUMBERS {
        assert!(full.contains(id), "{full}");
    }
    let log = audit(&app).await;
    let (actor, action, reason, after) = log.last().unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), reason.as_deref()),
        ("commander", "export.pii", Some("报送卫健委"))
    );
    let after: Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
    assert_eq!(after["rows"], 3);
}

async fn the_permission_is_granted_and_withdrawn_by_an_admin_and_audited(backend: Backend) {
    let app = app(backend).await;
    let admin = app.signed_in("admin").await;
    let list = admin
        .get(app.url("/admin/users?q=v0101"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("/admin/users/v0101/grant-pii"), "{list}");
    grant_pii(&app, "v0101").await;
    let list = admin
        .get(app.url("/admin/users?q=v0101"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("/admin/users/v0101/revoke-pii") && list.contains("可查看完整信息"));
    admin
        .post(app.url("/admin/users/v0101/revoke-pii"))
        .send()
        .await
        .unwrap();
    let village = app.signed_in("v0101").await;
    let refused = village
        .post(app.url("/api/v1/registry/residents/1/reveal"))
        .json(&serde_json::json!({"field": "phone", "reason": "回访"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // Auditors read who saw what; they are never allowed to see it themselves.
    let auditor = admin
        .post(app.url("/admin/users/auditor/grant-pii"))
        .send()
        .await
        .unwrap();
    assert_eq!(auditor.status(), 422);
    let actions: Vec<String> = audit(&app)
        .await
        .into_iter()
        .map(|(_, action, _, _)| action)
        .filter(|a| a.starts_with("user.pii"))
        .collect();
    assert_eq!(actions, ["user.pii_grant", "user.pii_revoke"]);
}
