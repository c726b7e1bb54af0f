//! The binary as an operator uses it: `demo`, `serve` (flags, variables, config file), `user`,
//! `areas import`, `audit verify`, `modules`, `backup`, `calendar check`, `bulletin`, `version` — on SQLite, and on PostgreSQL with two nodes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use testkit::{Backend, fresh_database};

const BIN: &str = env!("CARGO_BIN_EXE_tongxin");
const PASSWORD: &str = "tongxin-cli-2020";

fn tongxin(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("TONGXIN_DB")
        .env_remove("TONGXIN_CONFIG")
        .env("TONGXIN_LANG", "zh-CN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("tongxin runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A `tongxin serve` (or `demo`) process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_remove("TONGXIN_DB")
            .env_remove("TONGXIN_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("http://").nth(1) {
                    let _ = tx.send(format!("http://{}", rest.split('/').next().unwrap()));
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its address");
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sign_in(
    client: &reqwest::Client,
    server: &Server,
    username: &str,
    password: &str,
) -> reqwest::StatusCode {
    client
        .post(server.url("/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

#[test]
fn version_prints_the_version() {
    let out = tongxin(&["version"], &[], None);
    assert!(out.status.success());
    assert!(text(&out).contains(env!("CARGO_PKG_VERSION")));
}

const CALENDAR_2027: &str = r#"{"years": {"2027": {
    "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-02-05", "name": "春节"}],
    "workdays": [{"date": "2027-02-06"}]
}}}"#;

#[test]
fn calendar_check_reports_a_good_file_and_names_the_fault_in_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("2027.json");
    std::fs::write(&good, CALENDAR_2027).unwrap();
    let out = tongxin(&["calendar", "check", good.to_str().unwrap()], &[], None);
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("2027: 2 days off, 1 make-up working days (new year)"),
        "{shown}"
    );
    assert!(shown.contains("covers 2019–2027"), "{shown}");

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"years": {"2027": {"holidays": [{"date": "2027-02-30", "name": "春节"}]}}}"#,
    )
    .unwrap();
    let out = tongxin(&["calendar", "check", bad.to_str().unwrap()], &[], None);
    assert!(!out.status.success());
    let shown = text(&out);
    assert!(shown.contains("节假日文件中有错误的日期"), "{shown}");
    assert!(shown.contains("2027-02-30"), "{shown}");
}

#[test]
fn serve_refuses_to_start_with_a_bad_calendar_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cal.db").display());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"years\": ").unwrap();
    let out = tongxin(
        &["serve", "--db", &db, "--listen", "127.0.0.1:0"],
        &[("TONGXIN_CALENDAR_FILE", bad.to_str().unwrap())],
        None,
    );
    assert!(!out.status.success());
    let shown = text(&out);
    assert!(shown.contains("calendar file"), "{shown}");
    assert!(shown.contains("节假日文件格式不正确"), "{shown}");
}

#[test]
fn the_demo_refuses_to_listen_beyond_loopback_with_the_default_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let out = tongxin(
        &[
            "demo",
            "--scale",
            "tiny",
            "--db",
            &db,
            "--listen",
            "0.0.0.0:0",
        ],
        &[],
        None,
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("loopback"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_builds_serves_and_signs_in_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let built = tongxin(
        &[
            "demo",
            "--scale",
            "tiny",
            "--no-serve",
            "--db",
            &db,
            "--password",
            PASSWORD,
        ],
        &[],
        None,
    );
    assert!(built.status.success(), "{}", text(&built));
    let printed = text(&built);
    assert!(
        printed.contains("admin") && printed.contains("g010101") && printed.contains(PASSWORD),
        "{printed}"
    );
    // Serving an existing demo database keeps it as it is.
    let server = Server::start(
        &[
            "demo",
            "--db",
            &db,
            "--listen",
            "127.0.0.1:0",
            "--password",
            PASSWORD,
        ],
        &[],
    );
    let client = client();
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(sign_in(&client, &server, "admin", PASSWORD).await, 200);
    let login = reqwest::get(server.url("/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("登录"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_users_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.db").display());
    let areas = dir.path().join("areas.csv");
    std::fs::write(
        &areas,
        "code,name\n990301000000,示范县\n990301001000,东风街道\n990301101000,西山镇\n",
    )
    .unwrap();
    let imported = tongxin(
        &["areas", "import", areas.to_str().unwrap(), "--db", &db],
        &[],
        None,
    );
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(text(&imported).contains("新增 3 个"), "{}", text(&imported));

    // Map shapes from a GeoJSON file: a bad feature refuses the file; a good one stores the
    // known areas and names the others.
    let square = r#"{"type":"Polygon","coordinates":[[[114.1,30.4],[114.2,30.4],[114.2,30.5],[114.1,30.4]]]}"#;
    let geo = dir.path().join("areas.geojson");
    std::fs::write(
        &geo,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"adcode":990301001}},"geometry":{square}}},{{"type":"Feature","properties":{{"code":"990301999000"}},"geometry":{square}}}]}}"#
        ),
    )
    .unwrap();
    let loaded = tongxin(
        &["areas", "shapes", geo.to_str().unwrap(), "--db", &db],
        &[],
        None,
    );
    assert!(loaded.status.success(), "{}", text(&loaded));
    assert!(
        text(&loaded).contains("已导入 1 个地区的地图边界")
            && text(&loaded).contains("990301999000"),
        "{}",
        text(&loaded)
    );
    std::fs::write(
        &geo,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"990301001000"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
    )
    .unwrap();
    let refused = tongxin(
        &["areas", "shapes", geo.to_str().unwrap(), "--db", &db],
        &[],
        None,
    );
    assert!(!refused.status.success());
    assert!(text(&refused).contains("第 1 个要素"), "{}", text(&refused));

    let env = [("TONGXIN_DB", db.as_str())];
    let weak = tongxin(
        &[
            "user",
            "add",
            "--username",
            "lisi",
            "--role",
            "township",
            "--area",
            "990301001000",
            "--password-stdin",
        ],
        &env,
        Some("short\n"),
    );
    assert!(!weak.status.success());
    assert!(
        text(&weak).contains("至少需要 10 个字符"),
        "{}",
        text(&weak)
    );
    let no_stdin = tongxin(
        &[
            "user",
            "add",
            "--username",
            "lisi",
            "--role",
            "township",
            "--area",
            "990301001000",
        ],
        &env,
        None,
    );
    assert!(!no_stdin.status.success());
    assert!(text(&no_stdin).contains("--password-stdin"));
    for (user, area, unit) in [
        ("east", "990301001000", "东风街道办事处"),
        ("west", "990301101000", "西山镇人民政府"),
    ] {
        let out = tongxin(
            &[
                "user",
                "add",
                "--username",
                user,
                "--role",
                "township",
                "--area",
                area,
                "--unit",
                unit,
                "--password-stdin",
            ],
            &env,
            Some(&format!("{PASSWORD}\n")),
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let duplicate = tongxin(
        &[
            "user",
            "add",
            "--username",
            "east",
            "--role",
            "grid",
            "--area",
            "990301001000",
            "--password-stdin",
        ],
        &env,
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(!duplicate.status.success());
    assert!(
        text(&duplicate).contains("已被使用"),
        "{}",
        text(&duplicate)
    );
    let listed = text(&tongxin(&["user", "list"], &env, None));
    assert!(
        listed.contains("east") && listed.contains("west"),
        "{listed}"
    );
    let east_only = text(&tongxin(
        &["user", "list", "--area", "990301001000"],
        &env,
        None,
    ));
    assert!(
        east_only.contains("east") && !east_only.contains("west"),
        "{east_only}"
    );

    let server = Server::start(&["serve", "--listen", "127.0.0.1:0"], &env);
    let east = client();
    assert_eq!(sign_in(&east, &server, "east", PASSWORD).await, 200);
    // Two township users each see only their own subtree.
    assert_eq!(
        east.get(server.url("/api/v1/areas/990301001000"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        east.get(server.url("/api/v1/areas/990301101000"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let changed = tongxin(
        &["user", "passwd", "--username", "east", "--password-stdin"],
        &env,
        Some("a-new-password-2020\n"),
    );
    assert!(changed.status.success(), "{}", text(&changed));
    // The server learns of a change made by another process within its session cache's time.
    let deadline = std::time::Instant::now()
        + platform::auth::session_cache::TTL
        + std::time::Duration::from_secs(2);
    loop {
        let status = east
            .get(server.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sessions end: {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        sign_in(&client(), &server, "east", "a-new-password-2020").await,
        200
    );
    let disabled = tongxin(&["user", "disable", "--username", "west"], &env, None);
    assert!(disabled.status.success());
    assert_eq!(sign_in(&client(), &server, "west", PASSWORD).await, 401);

    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, "code,name\n990301202201,孤儿村\n").unwrap();
    let refused = tongxin(&["areas", "import", broken.to_str().unwrap()], &env, None);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("第 2 行"), "{}", text(&refused));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_a_working_copy_of_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("live.db").display());
    assert!(
        tongxin(
            &["demo", "--scale", "tiny", "--no-serve", "--db", &db],
            &[],
            None
        )
        .status
        .success()
    );
    let out = dir.path().join("copy.db");
    let backup = tongxin(
        &["backup", "--out", out.to_str().unwrap(), "--db", &db],
        &[],
        None,
    );
    assert!(backup.status.success(), "{}", text(&backup));
    let again = tongxin(
        &["backup", "--out", out.to_str().unwrap(), "--db", &db],
        &[],
        None,
    );
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    let copy = platform::db::connect(&format!("sqlite://{}", out.display()), 1)
        .await
        .unwrap();
    assert_eq!(platform::areas::repo::count_all(&copy).await.unwrap(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_come_from_a_config_file_unless_a_flag_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("conf.db").display());
    assert!(
        tongxin(
            &[
                "demo",
                "--scale",
                "tiny",
                "--no-serve",
                "--db",
                &db,
                "--password",
                PASSWORD
            ],
            &[],
            None
        )
        .status
        .success()
    );
    let config = dir.path().join("tongxin.toml");
    std::fs::write(
        &config,
        format!("db = \"{db}\"\nlisten = \"127.0.0.1:0\"\nsession_idle_minutes = 30\n"),
    )
    .unwrap();
    let server = Server::start(&["serve", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(sign_in(&client(), &server, "admin", PASSWORD).await, 200);
    std::fs::write(&config, "unknown_key = 1\n").unwrap();
    let bad = tongxin(&["serve", "--config", config.to_str().unwrap()], &[], None);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not valid"), "{}", text(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_on_one_postgres_database_act_as_one_system() {
    let Some(backend) =
        Backend::postgres_or_skip("two_serve_processes_on_one_postgres_database_act_as_one_system")
    else {
        return;
    };
    let (url, _guard) = fresh_database(backend).await.unwrap();
    let built = tongxin(
        &[
            "demo",
            "--scale",
            "tiny",
            "--no-serve",
            "--db",
            &url,
            "--password",
            PASSWORD,
        ],
        &[],
        None,
    );
    assert!(built.status.success(), "{}", text(&built));
    let first = Server::start(&["serve", "--db", &url, "--listen", "127.0.0.1:0"], &[]);
    let second = Server::start(&["serve", "--db", &url, "--listen", "127.0.0.1:0"], &[]);
    let client = client();
    assert_eq!(
        client
            .get(first.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(sign_in(&client, &first, "admin", PASSWORD).await, 200);
    // The cookie jar sends the first node's session cookie to the second (same host).
    let me: serde_json::Value = client
        .get(second.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    let doc: serde_json::Value = client
        .get(second.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    drop(first);
    drop(second);
}

/// Runs SQL on the database at `url`, as a database administrator would.
async fn admin_sql(url: &str, statements: &[&str]) {
    let db = platform::db::connect(url, 1).await.unwrap();
    for sql in statements {
        platform::with_db!(&db, pool => sqlx::query(sqlx::AssertSqlSafe(*sql)).execute(pool).await.map(|r| r.rows_affected()))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    db.close().await;
}

/// Makes a few audited changes from the shell, then tampers with the log behind the platform's
/// back: `audit verify` passes the untouched log and names the first edited or deleted entry.
async fn audit_verify_names_the_first_tampered_entry(url: &str, backend: Backend) {
    let built = tongxin(
        &[
            "demo",
            "--scale",
            "tiny",
            "--no-serve",
            "--db",
            url,
            "--password",
            PASSWORD,
        ],
        &[],
        None,
    );
    assert!(built.status.success(), "{}", text(&built));
    let env = [("TONGXIN_DB", url)];
    let added = tongxin(
        &[
            "user",
            "add",
            "--username",
            "sunqi",
            "--role",
            "grid",
            "--area",
            "990102001001001",
            "--unit",
            "新网格队",
            "--password-stdin",
        ],
        &env,
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(added.status.success(), "{}", text(&added));
    for args in [
        &["user", "disable", "--username", "sunqi"][..],
        &["user", "enable", "--username", "sunqi"][..],
        &["user", "pii", "--username", "sunqi"][..],
    ] {
        let out = tongxin(args, &env, None);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    // system.demo, unit.create, user.create, user.disable, user.enable, user.pii_grant.
    let intact = tongxin(&["audit", "verify"], &env, None);
    assert!(intact.status.success(), "{}", text(&intact));
    assert!(
        text(&intact).contains("审计日志完整：共 6 条"),
        "{}",
        text(&intact)
    );
    let english = tongxin(
        &["audit", "verify", "--db", url],
        &[("TONGXIN_LANG", "en")],
        None,
    );
    assert!(
        text(&english).contains("The audit log is intact: 6 entries"),
        "{}",
        text(&english)
    );
    // The table refuses changes until its guards are dropped, as only a DBA could.
    let db = platform::db::connect(url, 1).await.unwrap();
    let refused = platform::with_db!(&db, pool => sqlx::query("UPDATE audit_log SET reason = 'x' WHERE seq = 3").execute(pool).await.map(|r| r.rows_affected()));
    assert!(refused.is_err(), "the audit log refuses an UPDATE");
    db.close().await;
    let drop_guards: &[&str] = match backend {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_log_no_change ON audit_log"],
    };
    admin_sql(url, drop_guards).await;
    admin_sql(
        url,
        &["UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 3"],
    )
    .await;
    let edited = tongxin(&["audit", "verify"], &env, None);
    assert!(!edited.status.success());
    assert!(
        text(&edited).contains("第 3 条记录的内容被修改过"),
        "{}",
        text(&edited)
    );
    // Put it back: intact again.
    // The command line's actor is the operator's OS user, as this process sees it too.
    let actor = platform::audit::Actor::cli().name;
    let restore = format!("UPDATE audit_log SET actor_name = '{actor}' WHERE seq = 3");
    admin_sql(url, &[restore.as_str()]).await;
    assert!(tongxin(&["audit", "verify"], &env, None).status.success());
    admin_sql(url, &["DELETE FROM audit_log WHERE seq = 4"]).await;
    let deleted = tongxin(&["audit", "verify"], &env, None);
    assert!(!deleted.status.success());
    assert!(
        text(&deleted).contains("第 4 条记录被删除"),
        "{}",
        text(&deleted)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_first_tampered_entry_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    audit_verify_names_the_first_tampered_entry(&url, Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_first_tampered_entry_on_postgres() {
    let Some(backend) =
        Backend::postgres_or_skip("audit_verify_names_the_first_tampered_entry_on_postgres")
    else {
        return;
    };
    let (url, _guard) = fresh_database(backend).await.unwrap();
    audit_verify_names_the_first_tampered_entry(&url, backend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_grant_modules_and_personal_data_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("grants.db").display());
    assert!(
        tongxin(
            &[
                "demo",
                "--scale",
                "tiny",
                "--no-serve",
                "--db",
                &db,
                "--password",
                PASSWORD
            ],
            &[],
            None
        )
        .status
        .success()
    );
    let env = [("TONGXIN_DB", db.as_str())];
    let listed = tongxin(&["modules", "list"], &env, None);
    assert!(text(&listed).contains("kernel"), "{}", text(&listed));
    let unknown = tongxin(
        &[
            "modules",
            "grant",
            "--module",
            "nosuch",
            "--username",
            "dept-health",
        ],
        &env,
        None,
    );
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no module"), "{}", text(&unknown));
    let granted = tongxin(
        &[
            "modules",
            "grant",
            "--module",
            "kernel",
            "--unit",
            "同心区卫生健康局",
            "--area",
            "990102000000",
            "--read-only",
        ],
        &env,
        None,
    );
    assert!(granted.status.success(), "{}", text(&granted));
    let auditor = tongxin(
        &[
            "modules",
            "grant",
            "--module",
            "kernel",
            "--username",
            "auditor",
        ],
        &env,
        None,
    );
    assert!(!auditor.status.success());
    assert!(
        text(&auditor).contains("审计员不能获得业务模块权限"),
        "{}",
        text(&auditor)
    );
    let pii = tongxin(&["user", "pii", "--username", "auditor"], &env, None);
    assert!(!pii.status.success());
    let revoked = tongxin(
        &[
            "modules",
            "revoke",
            "--module",
            "kernel",
            "--unit",
            "同心区卫生健康局",
            "--area",
            "990102000000",
        ],
        &env,
        None,
    );
    assert!(revoked.status.success(), "{}", text(&revoked));
    let verified = tongxin(&["audit", "verify"], &env, None);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(
        text(&verified).contains("共 3 条"),
        "system.demo, module.grant, module.revoke: {}",
        text(&verified)
    );
}

#[test]
fn bulletins_are_written_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let built = tongxin(
        &["demo", "--scale", "tiny", "--no-serve", "--db", &db],
        &[],
        None,
    );
    assert!(built.status.success(), "{}", text(&built));

    let listed = tongxin(&["bulletin", "--list", "--db", &db], &[], None);
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(
        text(&listed).contains("dual-campaign\t疫情防控和经济发展双统筹工作通报"),
        "{}",
        text(&listed)
    );

    let out = dir.path().join("通报.docx");
    let tables = dir.path().join("tables.xlsx");
    let written = tongxin(
        &[
            "bulletin",
            "--db",
            &db,
            "--template",
            "dual-campaign",
            "--date",
            "2026-11-27",
            "--out",
            out.to_str().unwrap(),
            "--xlsx",
            tables.to_str().unwrap(),
        ],
        &[],
        None,
    );
    let printed = text(&written);
    assert!(written.status.success(), "{printed}");
    assert!(printed.contains("2026年11月27日"), "{printed}");
    assert!(
        printed.contains("economy.enterprises_resumed = "),
        "{printed}"
    );
    assert!(printed.contains("services.problems_found = -"), "{printed}");
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    assert!(std::fs::read(&tables).unwrap().starts_with(b"PK"));

    for (args, expect) in [
        (
            vec!["--area", "999999999999"],
            Some("区划 999999999999 不存在"),
        ),
        (vec!["--date", "2026-13-01"], Some("--date")),
        (vec!["--template", "no-such"], None),
    ] {
        let mut all = vec!["bulletin", "--db", &db, "--out", out.to_str().unwrap()];
        all.extend(args);
        let failed = tongxin(&all, &[], None);
        assert!(!failed.status.success(), "{all:?}");
        let said = text(&failed);
        if let Some(expect) = expect {
            assert!(said.contains(expect), "{said}");
        }
    }
}

/// `tongxin user add --enterprise USCC` links an enterprise account to its enterprise: signed
/// in, the account sees that one enterprise and reports for it, and no other. A code that is
/// unknown, outside the account's area, or given for another role is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_account_is_linked_to_its_enterprise_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("firm.db").display());
    let env = [("TONGXIN_DB", db.as_str())];
    let built = tongxin(&["demo", "--scale", "tiny", "--no-serve"], &env, None);
    assert!(built.status.success(), "{}", text(&built));
    let code = domain::Uscc::from_parts("91350100M00008888").unwrap();
    let csv = dir.path().join("企业.csv");
    std::fs::write(
        &csv,
        format!(
            "企业名称,统一社会信用代码,所属行业,是否规上,区划代码\n同心口罩厂,{},制造业,是,990102001000\n",
            code.as_str()
        ),
    )
    .unwrap();
    let imported = tongxin(
        &["import", "enterprises", csv.to_str().unwrap()],
        &env,
        None,
    );
    assert!(imported.status.success(), "{}", text(&imported));

    let add = |username: &str, role: &str, area: &str, uscc: &str| {
        tongxin(
            &[
                "user",
                "add",
                "--username",
                username,
                "--role",
                role,
                "--area",
                area,
                "--enterprise",
                uscc,
                "--password-stdin",
            ],
            &env,
            Some(&format!("{PASSWORD}\n")),
        )
    };
    let lower = code.as_str().to_ascii_lowercase();
    let linked = add("maskfirm", "enterprise", "990102001000", &lower);
    assert!(linked.status.success(), "{}", text(&linked));
    let unknown = add("ghost", "enterprise", "990102001000", "91350100M0001TGQXM");
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("no enterprise"),
        "{}",
        text(&unknown)
    );
    let elsewhere = add("far", "enterprise", "990102201000", code.as_str());
    assert!(!elsewhere.status.success());
    assert!(text(&elsewhere).contains("outside"), "{}", text(&elsewhere));
    let wrong_role = add("clerk", "township", "990102001000", code.as_str());
    assert!(!wrong_role.status.success());

    let server = Server::start(&["serve", "--listen", "127.0.0.1:0"], &env);
    let firm = client();
    assert_eq!(sign_in(&firm, &server, "maskfirm", PASSWORD).await, 200);
    let rates: serde_json::Value = firm
        .get(server.url("/api/v1/economy/resumption"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rates["total"]["enterprises"], 1, "{rates}");
    let pending: serde_json::Value = firm
        .get(server.url("/api/v1/economy/resumption/pending"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = pending["items"][0]["enterprise_id"].as_i64().unwrap();
    assert_eq!(pending["items"][0]["uscc"], code.as_str());
    let report = |id: i64| {
        serde_json::json!({"enterprise_id": id, "status": "fully_resumed", "on_duty": 20,
            "total_staff": 25, "capacity_pct": 70})
    };
    let r = firm
        .post(server.url("/api/v1/economy/reports"))
        .json(&report(own))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = firm
        .post(server.url("/api/v1/economy/reports"))
        .json(&report(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another enterprise");
}
