//! The command screen in headless Chromium at 1920×1080: live numbers, a chart, no console
//! errors, nothing scrolls; new urgent work appears when the screen refreshes, without a reload.

mod support;

use serde_json::json;
use testkit::Backend;
use testkit::browser::Browser;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_screen_is_live_at_1920_by_1080() {
    let test = "the_command_screen_is_live_at_1920_by_1080";
    let Some(browser) = Browser::start(test, 1920, 1080).await else {
        return;
    };
    let app = support::spawn(Backend::Sqlite).await;
    let driver = &browser.driver;
    browser.sign_in(&app.url("/login"), "commander").await;
    driver.goto(app.url("/command/screen")).await.unwrap();
    let cards = driver
        .find_all(By::Css(".figure-card .figure-value"))
        .await
        .unwrap();
    assert!(cards.len() >= 10, "{} cards", cards.len());
    // ECharts drew the trend and the risk map into canvases.
    driver.find(By::Css(".chart canvas")).await.unwrap();
    driver
        .find(By::Css("[data-testid=screen-risk-map] canvas"))
        .await
        .unwrap();
    let errors: Vec<String> = driver
        .execute("return window.__tongxinErrors || [];", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    if let Ok(dir) = std::env::var("TONGXIN_SCREENSHOTS") {
        let png = driver.screenshot_as_png().await.unwrap();
        std::fs::write(format!("{dir}/command-screen-1920.png"), png).unwrap();
    }
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "command screen: {violations:?}");

    // Urgent work opened elsewhere appears at the next refresh, without a reload.
    let village = app.area_of("v0101").await;
    let town = app.signed_in("town01").await;
    let r = town
        .post(app.url("/api/v1/tickets"))
        .json(
            &json!({"kind": "general", "title": "水库泄洪预警", "area_code": village,
            "priority": "urgent"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    driver
        .execute("window.__marker = 'same page';", vec![])
        .await
        .unwrap();
    tokio::time::sleep(command::snapshot::MIN_AGE).await;
    driver
        .execute(
            "document.getElementById('screen-live').dispatchEvent(new Event('refresh'));",
            vec![],
        )
        .await
        .unwrap();
    let mut seen = false;
    for _ in 0..50 {
        let text = driver
            .find(By::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("水库泄洪预警") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the new urgent matter did not appear");
    let marker: String = driver
        .execute("return window.__marker || '';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(marker, "same page", "the screen reloaded");
    driver.find(By::Css(".chart canvas")).await.unwrap();
    driver
        .find(By::Css("[data-testid=screen-risk-map] canvas"))
        .await
        .unwrap();
    browser.quit().await;
}

/// The bulletin pages in Chromium: composed from the index form, previewed with its figures and
/// downloads, no console errors, no serious accessibility faults; on a phone nothing scrolls
/// sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulletin_is_composed_and_previewed_in_the_browser() {
    for (width, height) in [(1280, 900), (390, 844)] {
        let test = format!("a_bulletin_is_composed_and_previewed_in_the_browser_{width}");
        let Some(browser) = Browser::start(&test, width, height).await else {
            return;
        };
        let app = support::spawn(Backend::Sqlite).await;
        let driver = &browser.driver;
        browser.sign_in(&app.url("/login"), "commander").await;
        driver.goto(app.url("/command/bulletins")).await.unwrap();
        driver
            .find(By::Css("[data-testid=compose-form] button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let article = driver
            .find(By::Css("[data-testid=bulletin]"))
            .await
            .unwrap();
        let text = article.text().await.unwrap();
        assert!(text.contains("疫情防控和经济发展双统筹工作通报"), "{text}");
        assert!(text.contains("一、疫情防控工作"), "{text}");
        let figures = driver.find_all(By::Css(".bulletin-figure")).await.unwrap();
        assert!(figures.len() >= 20, "{} figures", figures.len());
        driver
            .find(By::Css("[data-testid=download-docx]"))
            .await
            .unwrap();
        let errors: Vec<String> = driver
            .execute("return window.__tongxinErrors || [];", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        assert!(errors.is_empty(), "console errors: {errors:?}");
        let (client, scroll) = browser.widths().await;
        assert!(
            scroll <= client,
            "sideways scroll at {width}: {scroll} > {client}"
        );
        let violations = browser.serious_accessibility_violations().await;
        assert!(violations.is_empty(), "bulletin preview: {violations:?}");
        browser.quit().await;
    }
}

/// A leader on the move: the same screen on a phone is one column that scrolls down, never
/// sideways, with the figures, the risk map and no console errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_screen_reads_on_a_phone() {
    let test = "the_command_screen_reads_on_a_phone";
    let Some(browser) = Browser::start(test, 390, 844).await else {
        return;
    };
    let app = support::spawn(Backend::Sqlite).await;
    let driver = &browser.driver;
    browser.sign_in(&app.url("/login"), "commander").await;
    driver.goto(app.url("/command/screen")).await.unwrap();
    let cards = driver
        .find_all(By::Css(".figure-card .figure-value"))
        .await
        .unwrap();
    assert!(cards.len() >= 10, "{} cards", cards.len());
    driver
        .find(By::Css("[data-testid=screen-risk-map] canvas"))
        .await
        .unwrap();
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "the phone screen scrolls sideways ({scroll_width} > {client_width})"
    );
    let errors: Vec<String> = driver
        .execute("return window.__tongxinErrors || [];", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    if let Ok(dir) = std::env::var("TONGXIN_SCREENSHOTS") {
        let png = driver.screenshot_as_png().await.unwrap();
        std::fs::write(format!("{dir}/command-screen-390.png"), png).unwrap();
    }
    browser.quit().await;
}
