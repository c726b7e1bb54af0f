//! The checkpoint's phone form in headless Chromium at 390 px: a traveller from abroad with a
//! fever is recorded in one submission, the page says what follows (key person, quarantine
//! referral, urgent ticket), nothing scrolls sideways, and axe-core finds no serious problem.

mod support;

use serde_json::{Value, json};
use testkit::Backend;
use testkit::browser::Browser;
use thirtyfour::prelude::*;

async fn fill(driver: &WebDriver, id: &str, text: &str) {
    let input = driver.find(By::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_records_a_feverish_traveller_from_abroad_on_a_phone() {
    let test = "a_checkpoint_records_a_feverish_traveller_from_abroad_on_a_phone";
    let Some(browser) = Browser::start(test, 390, 844).await else {
        return;
    };
    let app = support::spawn(Backend::Sqlite).await;
    let township = app.area_of("checkpoint01").await;
    let village: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1")
        .bind(&township).fetch_one(pool).await)
    .unwrap();
    let town = app.signed_in("town01").await;
    let place: Value = town
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "卡口", "name": "浏览器测试卡口", "area_code": village}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let place_id = place["id"].as_i64().unwrap().to_string();

    let driver = &browser.driver;
    browser.sign_in(&app.url("/login"), "checkpoint01").await;

    driver.goto(app.url("/epidemic/screen")).await.unwrap();
    let form = driver
        .find(By::Css("[data-testid=screen-form]"))
        .await
        .unwrap();
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "the form scrolls sideways ({scroll_width} > {client_width})"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "screening form: {violations:?}");
    save_screenshot(driver, "screen-form-390").await;

    driver
        .find(By::Css(format!("#f-place_id option[value='{place_id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(driver, "f-doc_number", "11010519491231002X").await;
    fill(driver, "f-name", "赵归国").await;
    driver
        .find(By::Css("input[name=origin][value=abroad]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    driver
        .find(By::Css("#f-transport option[value=plane]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(driver, "f-destination_area", &village).await;
    fill(driver, "f-temperature", "37.5").await;
    driver
        .find(By::Css("input[name=symptoms][value=cough]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The button may sit behind the phone's bottom bar until scrolled up, as a thumb would.
    let submit = form.find(By::Css("button[type=submit]")).await.unwrap();
    submit.scroll_into_view().await.unwrap();
    submit.click().await.unwrap();

    let followed = driver
        .find(By::Css("[data-testid=followed]"))
        .await
        .unwrap();
    let text = followed.text().await.unwrap();
    for expected in ["已纳入重点人员管理", "已转隔离，待入住", "已派发紧急工单"]
    {
        assert!(text.contains(expected), "{text}");
    }
    save_screenshot(driver, "screen-result-390").await;
    // "Screen the next" keeps the checkpoint chosen.
    let next = driver
        .find(By::Css("[data-testid=screen-next]"))
        .await
        .unwrap();
    next.scroll_into_view().await.unwrap();
    next.click().await.unwrap();
    let chosen = driver
        .find(By::Css("#f-place_id option:checked"))
        .await
        .unwrap();
    assert_eq!(
        chosen.value().await.unwrap().as_deref(),
        Some(place_id.as_str())
    );
    let (client_width, scroll_width) = browser.widths().await;
    assert!(scroll_width <= client_width, "the result scrolls sideways");
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "screening result: {violations:?}");
    assert_eq!(
        support::count(
            &app,
            "SELECT COUNT(*) FROM epi_screenings WHERE device IS NULL"
        )
        .await,
        1
    );
    browser.quit().await;
}

/// With `TONGXIN_SCREENSHOTS=DIR`, keeps a picture of the page for a human to look at.
async fn save_screenshot(driver: &WebDriver, name: &str) {
    if let Ok(dir) = std::env::var("TONGXIN_SCREENSHOTS") {
        let png = driver.screenshot_as_png().await.unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

/// An investigation of a case with two close contacts at a venue, started by town01 through the
/// API; answers the app and the investigation's id.
async fn investigation() -> (testkit::TestApp, i64) {
    let app = support::spawn(Backend::Sqlite).await;
    let township = app.area_of("checkpoint01").await;
    let village: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1")
        .bind(&township).fetch_one(pool).await)
    .unwrap();
    let town = app.signed_in("town01").await;
    let place: Value = town
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "场所", "name": "浏览器测试超市", "area_code": village}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut rng = testkit::sheets::Rng::new(5);
    let at = chrono::Utc::now() - chrono::Duration::hours(6);
    let items: Vec<Value> = (0..3)
        .map(|i| {
            let p = testkit::sheets::person(&mut rng, 9500 + i);
            json!({"event_key": format!("b{i}"), "doc_number": p.id, "name": p.name,
                   "place_id": place["id"], "direction": "in",
                   "at": (at + chrono::Duration::minutes(i as i64 * 5)).to_rfc3339()})
        })
        .collect();
    let sent: Value = app
        .signed_in("checkpoint01")
        .await
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": "gate-browser", "items": items}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = sent["items"][0]["person_id"].as_i64().unwrap();
    let created: Value = town
        .post(app.url("/api/v1/epidemic/investigations"))
        .json(&json!({"cases": [case]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["close_contacts"], 2, "{created}");
    (app, created["id"].as_i64().unwrap())
}

async fn review_an_investigation(test: &str, width: u32, height: u32) {
    let Some(browser) = Browser::start(test, width, height).await else {
        return;
    };
    let (app, id) = investigation().await;
    let driver = &browser.driver;
    browser.sign_in(&app.url("/login"), "town01").await;
    driver
        .goto(app.url(&format!("/epidemic/investigations/{id}")))
        .await
        .unwrap();
    let rows = driver.find_all(By::Css("tr[data-person]")).await.unwrap();
    assert_eq!(rows.len(), 2);
    // ECharts drew the chain into a canvas.
    driver
        .query(By::Css("#chain-graph canvas"))
        .wait(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_millis(100),
        )
        .first()
        .await
        .unwrap();
    let errors: Vec<String> = driver
        .execute("return window.__tongxinErrors || [];", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "the page scrolls sideways ({scroll_width} > {client_width})"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "investigation page: {violations:?}");
    save_screenshot(driver, &format!("investigation-{width}")).await;

    // Select all, confirm: both become key persons.
    let all = driver
        .find(By::Css("input[data-select-all]"))
        .await
        .unwrap();
    all.scroll_into_view().await.unwrap();
    all.click().await.unwrap();
    let checked = driver
        .find_all(By::Css("input[name=contacts]:checked"))
        .await
        .unwrap();
    assert_eq!(checked.len(), 2);
    let confirm = driver.find(By::Css("[data-testid=confirm]")).await.unwrap();
    confirm.scroll_into_view().await.unwrap();
    confirm.click().await.unwrap();
    driver.find(By::Css("[data-testid=flash]")).await.unwrap();
    assert_eq!(
        support::count(
            &app,
            "SELECT COUNT(*) FROM epi_key_persons WHERE source = 'tracing'"
        )
        .await,
        2
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investigation_is_reviewed_and_confirmed_at_1280() {
    review_an_investigation(
        "an_investigation_is_reviewed_and_confirmed_at_1280",
        1280,
        900,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investigation_is_reviewed_and_confirmed_on_a_phone() {
    review_an_investigation(
        "an_investigation_is_reviewed_and_confirmed_on_a_phone",
        390,
        844,
    )
    .await;
}
