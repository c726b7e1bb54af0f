//! Headless Chromium through Debian's chromedriver, for the tests that look at pages as a user
//! does. One browser at a time per test binary: two cores do not run several well.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;
use tokio::sync::{Mutex, MutexGuard};

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub driver: WebDriver,
    chromedriver: Child,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Browser {
    /// A headless browser with a window of `width`×`height`; `None` (with a notice) only when
    /// `TONGXIN_TEST_SKIP_BROWSER=1` and chromedriver is missing. Otherwise a missing browser
    /// fails the test.
    pub async fn start(test: &str, width: u32, height: u32) -> Option<Browser> {
        let turn = ONE_AT_A_TIME.lock().await;
        let present =
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
        if !present {
            if std::env::var("TONGXIN_TEST_SKIP_BROWSER").as_deref() == Ok("1") {
                eprintln!("SKIPPED (TONGXIN_TEST_SKIP_BROWSER=1): {test}");
                return None;
            }
            panic!(
                "{CHROMEDRIVER} or {CHROMIUM} is missing: install Debian's chromium and chromium-driver \
                 (scripts/test.sh does), or set TONGXIN_TEST_SKIP_BROWSER=1 to skip browser tests knowingly"
            );
        }
        let port = free_port();
        let chromedriver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary");
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=zh-CN",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ] {
            caps.add_arg(arg).expect("argument");
        }
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            match WebDriver::new(&url, caps.clone()).await {
                Ok(driver) => {
                    driver
                        .set_implicit_wait_timeout(Duration::from_secs(5))
                        .await
                        .expect("implicit wait");
                    return Some(Browser {
                        driver,
                        chromedriver,
                        _profile: profile,
                        _turn: turn,
                    });
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("chromedriver did not answer: {last_error:?}");
    }

    /// The page's width as laid out, and the document's scroll width (equal when nothing
    /// overflows sideways).
    pub async fn widths(&self) -> (i64, i64) {
        let value = self
            .driver
            .execute("return [document.documentElement.clientWidth, document.documentElement.scrollWidth];", vec![])
            .await
            .expect("script runs");
        let pair: Vec<i64> = value.convert().expect("two numbers");
        (pair[0], pair[1])
    }

    /// Runs the vendored axe-core over the current page and answers the serious and critical
    /// violations as "rule: target" lines.
    pub async fn serious_accessibility_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/vendor/axe.min.js"
        ))
        .expect("assets/vendor/axe.min.js (vendored for tests)");
        self.driver.execute(&axe, vec![]).await.expect("axe loads");
        let value = self
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')))));",
                vec![],
            )
            .await
            .expect("axe runs");
        value.convert().expect("a list of strings")
    }

    /// Signs in as `username` with the demo password through the login page at `login_url`
    /// (e.g. `app.url("/login?next=%2Frisk")`), and waits until the next page shows who is
    /// signed in.
    pub async fn sign_in(&self, login_url: &str, username: &str) {
        let driver = &self.driver;
        driver.goto(login_url).await.expect("the login page opens");
        for (id, text) in [
            ("f-username", username),
            ("f-password", crate::DEMO_PASSWORD),
        ] {
            driver
                .find(By::Id(id))
                .await
                .expect("the login form")
                .send_keys(text)
                .await
                .expect("typing");
        }
        driver
            .find(By::Css("[data-testid=login-submit]"))
            .await
            .expect("the sign-in button")
            .click()
            .await
            .expect("clicking");
        driver
            .find(By::Css("[data-testid=whoami]"))
            .await
            .expect("signed in");
    }

    pub async fn quit(self) {
        let _ = self.driver.clone().quit().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromedriver takes its browsers with it.
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
