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
        .find(By::Id("f-username"))
        .await
        .unwrap()
        .send_keys("town01")
        .await
        .unwrap();
    driver
        .find(By::Id("f-password"))
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
        .find(By::Id("f-password"))
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
    // The signed-in shell, not the login page still on screen.
    driver.find(By::Css("[data-testid=whoami]")).await.unwrap();
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
    wait_for_lang(driver, "en").await;
    let english = text_of(driver, By::Css("main h1")).await;
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
    wait_for_lang(driver, "zh-CN").await;
    assert!(text_of(driver, By::Css("main h1")).await.contains("您好"));

    // The area browser opens from the navigation.
    driver.goto(app.url("/areas")).await.unwrap();
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

async fn the_style_page_works_at(width: u32, height: u32) {
    let test = format!("the style page at {width}px");
    let Some(browser) = Browser::start(&test, width, height).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let driver = &browser.driver;
    browser
        .sign_in(&app.url("/login?next=%2Fui"), "admin")
        .await;
    driver.find(By::Css("#ui-table")).await.unwrap();
    assert_no_errors(&browser, &test).await;
    save_screenshot(driver, &format!("style-{width}")).await;
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "{test}: the style page scrolls sideways ({scroll_width} > {client_width})"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: {violations:?}");

    // Inline validation as the user leaves the field.
    let id = driver.find(By::Id("f-id_number")).await.unwrap();
    id.scroll_into_view().await.unwrap();
    id.send_keys("11010519491231002x").await.unwrap();
    click(driver, By::Id("f-name")).await;
    let hint = driver
        .find(By::Css("#f-id_number-error.field-hint"))
        .await
        .unwrap();
    assert!(
        hint.text().await.unwrap().contains("1949年12月31日"),
        "{test}"
    );

    // Sorting swaps the table in place, without a reload.
    driver
        .execute("window.__notReloaded = true;", vec![])
        .await
        .unwrap();
    click(driver, By::Css("#ui-table th[aria-sort] a")).await;
    driver
        .find(By::Css("#ui-table th[aria-sort=ascending]"))
        .await
        .unwrap();
    let still: bool = driver
        .execute("return window.__notReloaded === true;", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(still, "{test}: sorting reloaded the page");

    // The confirm dialog asks, and cancelling sends nothing.
    click(driver, By::Css("[data-testid=confirm-form] button")).await;
    let dialog = driver.find(By::Id("confirm-dialog")).await.unwrap();
    assert!(
        dialog.is_displayed().await.unwrap(),
        "{test}: no confirm dialog"
    );
    driver
        .find(By::Css("[data-testid=confirm-ok]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = driver
        .find(By::Css("#ui-confirm-result .alert"))
        .await
        .unwrap();
    assert!(result.text().await.unwrap().contains("已收到"), "{test}");

    // A toast appears.
    click(driver, By::Css("[data-testid=toast-button]")).await;
    assert!(
        text_of(driver, By::Css("#toasts .toast"))
            .await
            .contains("已保存")
    );

    // The command-screen layout fills a wall screen without scrolling.
    driver.goto(app.url("/ui/screen")).await.unwrap();
    driver.find(By::Css(".screen-grid")).await.unwrap();
    assert_no_errors(&browser, &test).await;
    if width >= 1280 {
        let overflow: Vec<i64> = driver
            .execute("return [document.documentElement.scrollHeight, window.innerHeight, document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        assert!(
            overflow[0] <= overflow[1] && overflow[2] <= overflow[3],
            "{test}: the screen scrolls: {overflow:?}"
        );
    }
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: screen: {violations:?}");
    save_screenshot(driver, &format!("screen-{width}")).await;
    browser.quit().await;
}

async fn assert_no_errors(browser: &Browser, test: &str) {
    let errors: Vec<String> = browser
        .driver
        .execute(
            "return window.__tongxinErrors || ['tongxin.js did not load'];",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(errors.is_empty(), "{test}: console errors {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_style_page_works_on_a_phone() {
    the_style_page_works_at(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_style_page_works_on_a_desk() {
    the_style_page_works_at(1280, 800).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_style_page_works_on_a_command_screen() {
    the_style_page_works_at(1920, 1080).await;
}

/// Scrolls an element to the middle of the window (clear of the phone's bottom bar) and clicks it.
async fn click(driver: &WebDriver, by: By) {
    let element = driver.find(by).await.unwrap();
    driver
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![element.to_json().unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

/// Waits (up to five seconds) until the page in the window is in `lang`: a click that navigates
/// returns before the new page is there.
async fn wait_for_lang(driver: &WebDriver, lang: &str) {
    for _ in 0..50 {
        let now = driver
            .find(By::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap();
        if now.as_deref() == Some(lang) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never turned {lang}");
}

/// The text of the element `by` finds (waiting for it as `find` does).
async fn text_of(driver: &WebDriver, by: By) -> String {
    driver.find(by).await.unwrap().text().await.unwrap()
}

/// A village cadre's day on the work pages: the inbox with its count, a ticket accepted through
/// its move form, and the ledger, registry and responsibility pages — each without console
/// errors, sideways scrolling or serious accessibility problems.
async fn the_work_pages_work_at(width: u32, height: u32) {
    let test = format!("the work pages at {width}px");
    let Some(browser) = Browser::start(&test, width, height).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let driver = &browser.driver;
    browser
        .sign_in(&app.url("/login?next=%2Finbox"), "v0101")
        .await;
    driver
        .find(By::Css("[data-testid='tickets.section_todo']"))
        .await
        .unwrap();
    let check = |page: &'static str| {
        let test = test.clone();
        let browser = &browser;
        async move {
            assert_no_errors(browser, &test).await;
            let (client_width, scroll_width) = browser.widths().await;
            assert!(
                scroll_width <= client_width,
                "{test}: {page} scrolls sideways ({scroll_width} > {client_width})"
            );
            let violations = browser.serious_accessibility_violations().await;
            assert!(violations.is_empty(), "{test}: {page}: {violations:?}");
        }
    };
    check("inbox").await;
    save_screenshot(driver, &format!("inbox-{width}")).await;

    // The first matter to handle opens and moves on through its form (accept, or handle one
    // already in progress).
    click(driver, By::Css("[data-testid='tickets.section_todo'] li a")).await;
    let moves = "[data-testid=move-accept], [data-testid=move-handle]";
    driver.find(By::Css(moves)).await.unwrap();
    check("ticket").await;
    click(
        driver,
        By::Css("[data-testid=move-accept] button, [data-testid=move-handle] button"),
    )
    .await;
    let flash = text_of(driver, By::Css("[data-testid=flash]")).await;
    assert_eq!(flash, "已保存。", "{test}");
    let last = text_of(driver, By::Css("[data-testid=timeline] li:last-child")).await;
    assert!(
        (last.contains("接单") || last.contains("处置")) && last.contains("v0101"),
        "{test}: the move is the timeline's last entry, by the cadre: {last}"
    );
    save_screenshot(driver, &format!("ticket-{width}")).await;

    for (path, page) in [
        ("/tickets", "ledger"),
        ("/tickets/new", "new ticket"),
        ("/registry/places", "places"),
        ("/registry/households", "households"),
        ("/responsibility", "responsibility"),
    ] {
        driver.goto(app.url(path)).await.unwrap();
        driver.find(By::Css("main h1")).await.unwrap();
        check(page).await;
    }
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_pages_work_on_a_phone() {
    the_work_pages_work_at(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_pages_work_on_a_desk() {
    the_work_pages_work_at(1280, 800).await;
}

/// The risk map as the command uses it: the demo's shapes drawn into a canvas, the counts by
/// level, an override set through the form showing on the map's table with its flash — without
/// console errors, sideways scrolling or serious accessibility problems.
async fn the_risk_map_works_at(width: u32, height: u32) {
    let test = format!("the risk map at {width}px");
    let Some(browser) = Browser::start(&test, width, height).await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite).await;
    let driver = &browser.driver;
    browser
        .sign_in(&app.url("/login?next=%2Frisk"), "commander")
        .await;
    driver
        .find(By::Css("[data-testid=risk-map] canvas"))
        .await
        .unwrap();
    let counts = driver
        .find_all(By::Css("#risk-counts tbody tr"))
        .await
        .unwrap();
    assert_eq!(counts.len(), 3, "{test}: low, medium, high");
    assert_no_errors(&browser, &test).await;
    let (client_width, scroll_width) = browser.widths().await;
    assert!(
        scroll_width <= client_width,
        "{test}: the map page scrolls sideways"
    );
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{test}: {violations:?}");
    save_screenshot(driver, &format!("risk-{width}")).await;

    // The command rates a township high through the form.
    let township = app.area_of("town01").await;
    let form = "[data-testid=risk-override-form]";
    let area = driver
        .find(By::Css(format!("{form} input[name=area_code]")))
        .await
        .unwrap();
    driver
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![area.to_json().unwrap()],
        )
        .await
        .unwrap();
    area.send_keys(&township).await.unwrap();
    driver
        .execute(
            "document.querySelector('[data-testid=risk-override-form] select[name=level]').value = 'high';",
            vec![],
        )
        .await
        .unwrap();
    driver
        .find(By::Css(format!("{form} textarea[name=reason]")))
        .await
        .unwrap()
        .send_keys("聚集性疫情，指挥部研判")
        .await
        .unwrap();
    click(driver, By::Css(format!("{form} button[type=submit]"))).await;
    let flash = text_of(driver, By::Css("[data-testid=flash]")).await;
    assert!(flash.contains("已设定风险等级"), "{test}: {flash}");
    let raised = text_of(driver, By::Css("#risk-raised tbody")).await;
    assert!(
        raised.contains("高风险") && raised.contains("指挥部指定"),
        "{test}: {raised}"
    );
    driver
        .find(By::Css("[data-testid=risk-map] canvas"))
        .await
        .unwrap();
    assert_no_errors(&browser, &test).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_map_works_on_a_phone() {
    the_risk_map_works_at(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_map_works_on_a_desk() {
    the_risk_map_works_at(1280, 800).await;
}
