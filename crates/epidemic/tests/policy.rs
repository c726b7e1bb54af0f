//! The epidemic policy is configuration: every node reads the stored one; the command changes
//! it, checked and audited; others cannot.

mod support;

use serde_json::Value;
use testkit::{Backend, backend_tests};

backend_tests!(the_command_changes_the_policy_and_others_cannot);

async fn the_command_changes_the_policy_and_others_cannot(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let audited = support::count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'epidemic.policy.update'",
    )
    .await;
    let mut policy: Value = app.get_json(&commander, "/api/v1/epidemic/policy").await;
    assert_eq!(policy["fever_threshold_dc"], 373);
    assert_eq!(policy["quarantine"]["centralized_days"], 14);

    policy["quarantine"]["centralized_days"] = 7.into();
    let put = commander
        .put(app.url("/api/v1/epidemic/policy"))
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let village = app.signed_in("v0101").await;
    let read: Value = app.get_json(&village, "/api/v1/epidemic/policy").await;
    assert_eq!(read["quarantine"]["centralized_days"], 7);

    // A bad value is refused on its field and changes nothing.
    policy["fever_threshold_dc"] = 300.into();
    let bad = commander
        .put(app.url("/api/v1/epidemic/policy"))
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "fever_threshold_dc");
    let read: Value = app.get_json(&village, "/api/v1/epidemic/policy").await;
    assert_eq!(read["fever_threshold_dc"], 373);

    // A village may read but not change it.
    let refused = village
        .put(app.url("/api/v1/epidemic/policy"))
        .json(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        support::count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'epidemic.policy.update'"
        )
        .await,
        audited + 1
    );
}
