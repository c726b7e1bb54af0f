//! The vendored front-end files are served from the binary exactly as pinned in SHA256SUMS, and
//! the axe-core file for tests is not served at all.

use sha2::{Digest, Sha256};
use testkit::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendored_files_are_served_as_pinned() {
    let app = spawn_app(Backend::Sqlite).await;
    let sums = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/vendor/SHA256SUMS"
    ))
    .unwrap();
    let mut served = 0;
    for line in sums.lines() {
        let (hash, file) = line.split_once("  ").unwrap();
        let response = app
            .client()
            .get(app.url(&format!("/assets/vendor/{file}")))
            .send()
            .await
            .unwrap();
        if file == "axe.min.js" {
            assert_eq!(response.status(), 404, "axe-core is for tests only");
            continue;
        }
        assert_eq!(response.status(), 200, "{file}");
        assert_eq!(
            response.headers()["content-type"],
            "text/javascript",
            "{file}"
        );
        let body = response.bytes().await.unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&body)),
            hash,
            "{file} differs from its pinned hash"
        );
        served += 1;
    }
    assert_eq!(served, 2, "htmx and ECharts");
    let css = app
        .client()
        .get(app.url("/assets/css/tongxin.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        app.client()
            .get(app.url("/assets/nope.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
