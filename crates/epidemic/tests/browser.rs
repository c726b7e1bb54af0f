//! The checkpoint's phone form in headless Chromium at 390 px: a traveller from abroad with a
//! fever is recorded in one submission, the page says what follows (key person, quarantine
//! referral, urgent ticket), nothing scrolls sideways, and axe-core finds no serious problem.

mod support;

use serde_json::{Value, json};
use testkit::browser::Browser;
use testkit::{Backend, DEMO_PASSWORD};
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
    driver.goto(app.url("/login")).await.unwrap();
    fill(driver, "f-username", "checkpoint01").await;
    fill(driver, "f-password", DEMO_PASSWORD).await;
    driver
        .find(By::Css("[data-testid=login-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    driver.find(By::Css("[data-testid=whoami]")).await.unwrap();

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
