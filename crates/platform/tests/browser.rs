//! The key pages in headless Chromium, at a phone's 390 px and a command screen's 1920 px: the
//! login page shows Chinese, signing in works, the language switch works, nothing overflows
//! sideways on the phone, and axe-core finds no serious accessibility problem.

use std::time::Duration;

use testkit::browser::Browser;
use testkit::{Backend, DEMO_PASSWORD, spawn_app};
use thirtyfour::prelude::*;

async fn sign_in_through_the_login_page(width: u32, height: u32) {
    let test = format!("sign_in_through_the_login_page at {width}px");
    let Some(browser) = Browser::start(&test, width, height).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let driver = &browser.driver;

    driver.goto(app.url("/")).await.unwrap();
    // Signed out, the home page sends us to the login page, in Chinese.
    assert!(
        driver
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
    );
    assert_eq!(
        driver
            .find(By::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("zh-CN")
    );
    let submit = driver
        .find(By::Css("[data-testid=login-submit]"))
        .await
        .unwrap();
    assert_eq!(submit.text().await.unwrap(), "登录");
    assert!(driver.title().await.unwrap().contains("同心"));
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "{test}: the login page scrolls sideways ({scroll_width} > {client_width})"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: login page: {violations:?}");

    // A wrong password shows the error in place.
    driver
        .find(By::Id("username"))
        .await
        .unwrap()
        .send_keys("town01")
        .await
        .unwrap();
    driver
        .find(By::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong-password-1")
        .await
        .unwrap();
    driver
        .find(By::Css("[data-testid=login-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = driver
        .find(By::Css("[data-testid=login-error]"))
        .await
        .unwrap();
    assert_eq!(error.text().await.unwrap(), "用户名或密码错误。");

    // The right one signs in and lands on the home page.
    driver
        .find(By::Id("password"))
        .await
        .unwrap()
        .send_keys(DEMO_PASSWORD)
        .await
        .unwrap();
    driver
        .find(By::Css("[data-testid=login-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let heading = driver.find(By::Css("main h1")).await.unwrap();
    assert!(heading.text().await.unwrap().contains("您好"), "{test}");
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "{test}: the home page scrolls sideways ({scroll_width} > {client_width})"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: home page: {violations:?}");
    // The phone shows the bottom bar; the desk shows the side navigation.
    let bottom = driver.find(By::Css(".bottomnav")).await.unwrap();
    let side = driver.find(By::Css(".sidenav")).await.unwrap();
    if width < 720 {
        assert!(
            bottom.is_displayed().await.unwrap() && !side.is_displayed().await.unwrap(),
            "{test}"
        );
    } else {
        assert!(
            side.is_displayed().await.unwrap() && !bottom.is_displayed().await.unwrap(),
            "{test}"
        );
    }
    save_screenshot(driver, &format!("home-{width}")).await;

    // The language switch turns the interface English and back.
    driver
        .find(By::Css("[data-testid=lang-switch]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let english = driver
        .find(By::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.starts_with("Hello"), "{test}: {english}");
    assert_eq!(
        driver
            .find(By::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("en")
    );
    driver
        .find(By::Css("[data-testid=lang-switch]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        driver
            .find(By::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("您好")
    );

    // The area browser opens from the navigation.
    driver.goto(app.url("/areas")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rows = driver
        .find_all(By::Css(".data-table tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{test}: a tiny township has two villages");
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: area page: {violations:?}");
    browser.quit().await;
}

async fn save_screenshot(driver: &WebDriver, name: &str) {
    if let Ok(dir) = std::env::var("TONGXIN_SCREENSHOTS") {
        let png = driver.screenshot_as_png().await.unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_user_signs_in_switches_language_and_browses_areas() {
    sign_in_through_the_login_page(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_screen_user_signs_in_switches_language_and_browses_areas() {
    sign_in_through_the_login_page(1920, 1080).await;
}
