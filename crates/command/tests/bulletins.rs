//! Bulletins (通报): every figure quoted equals the figure API and an independent count from the
//! database; figures of modules not built are marked, not invented; templates are checked (the
//! mistake's line named), versioned, audited and reset; bulletins are archived by hand and on
//! schedule, once a day; the Word document opens in LibreOffice in the official layout; the
//! tables come out as a workbook.

mod support;

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use testkit::{Backend, backend_tests};

backend_tests!(
    the_bulletin_quotes_the_figure_api_and_the_database,
    templates_are_checked_versioned_audited_and_reset,
    bulletins_are_archived_by_hand_and_on_schedule_once_a_day,
    only_the_command_office_edits_templates,
);

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&domain::china_offset())
        .date_naive()
}

fn quoted(bulletin: &Value, key: &str) -> Option<f64> {
    bulletin["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("{key} not quoted"))["value"]
        .as_f64()
}

/// The whole text of a composed bulletin.
fn text_of(bulletin: &Value) -> String {
    let mut out = String::new();
    for block in bulletin["blocks"].as_array().unwrap() {
        for span in block["spans"].as_array().into_iter().flatten() {
            out.push_str(span["text"].as_str().unwrap());
        }
        out.push('\n');
    }
    out
}

async fn the_bulletin_quotes_the_figure_api_and_the_database(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let day = today();
    let bulletin: Value = app
        .get_json(
            &commander,
            &format!("/api/v1/command/bulletins/compose?template=dual-campaign&date={day}"),
        )
        .await;
    let area = bulletin["area_code"].as_str().unwrap().to_string();
    assert_eq!(bulletin["title"], "疫情防控和经济发展双统筹工作通报");
    assert_eq!(
        bulletin["official_date"],
        domain::dates::official_date(day).as_str()
    );

    // Every figure the platform knows equals the figure API, with the day and week before.
    let mut checked = 0;
    let mut changes = 0;
    for f in bulletin["figures"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        if f["value"].is_null() {
            assert!(
                !key.starts_with("epidemic."),
                "{key} is an epidemic figure the platform knows"
            );
            continue;
        }
        let api: Value = app
            .get_json(
                &commander,
                &format!("/api/v1/figures/{key}?area={area}&date={day}&compare=true"),
            )
            .await;
        assert_eq!(f["value"], api["value"], "{key}");
        for before in ["day_before", "week_before"] {
            if !f[before].is_null() {
                assert_eq!(f[before], api[before], "{key} {before}");
                changes += 1;
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} figures checked");
    assert!(changes >= 4, "the changes the template shows: {changes}");

    // And independent counts from the database.
    let (lo, hi) = domain::DivisionCode::parse(&area).unwrap().subtree_range();
    let managed: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM epi_key_persons WHERE status <> 'ended' AND area_code >= $1 AND area_code < $2")
        .bind(&lo).bind(&hi).fetch_one(pool).await)
    .unwrap();
    let from = domain::dates::china_offset()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let screenings: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM epi_screenings WHERE area_code >= $1 AND area_code < $2 \
         AND screened_at >= $3 AND screened_at < $4")
        .bind(&lo).bind(&hi).bind(from).bind(from + Duration::days(1)).fetch_one(pool).await)
    .unwrap();
    let resumed: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2 AND \
         (SELECT r.status FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
          ORDER BY r.report_on DESC LIMIT 1) IN ('partly_resumed', 'fully_resumed')")
        .bind(&lo).bind(&hi).bind(day).fetch_one(pool).await)
    .unwrap();
    assert_eq!(
        quoted(&bulletin, "epidemic.key_persons_managed"),
        Some(managed as f64)
    );
    assert_eq!(
        quoted(&bulletin, "epidemic.screenings"),
        Some(screenings as f64)
    );
    assert_eq!(
        quoted(&bulletin, "economy.enterprises_resumed"),
        Some(resumed as f64)
    );
    assert!(resumed > 0 && managed > 0);

    // The text says the same numbers, and marks what the platform cannot know.
    let text = text_of(&bulletin);
    assert!(text.contains(&format!("全区复工企业{resumed}户")), "{text}");
    assert!(
        text.contains(&format!("目前在管重点人员{managed}人")),
        "{text}"
    );
    assert!(quoted(&bulletin, "services.problems_found").is_none());
    assert!(
        text.contains("排查出见人见事具体问题〔暂无数据〕个"),
        "{text}"
    );

    // The resumption table has a row per township and the total, which adds up.
    let table = bulletin["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "table")
        .expect("a table");
    let rows = table["rows"].as_array().unwrap();
    let townships: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM areas WHERE parent_code = $1").bind(&area).fetch_one(pool).await)
    .unwrap();
    assert_eq!(rows.len() as i64, townships + 1);
    let total = rows.last().unwrap();
    assert_eq!(total["total"], true);
    assert_eq!(total["values"][0].as_f64(), Some(resumed as f64));
    let sum: f64 = rows[..rows.len() - 1]
        .iter()
        .map(|r| r["values"][0].as_f64().unwrap())
        .sum();
    assert_eq!(sum, resumed as f64);

    // The preview page shows the same bulletin.
    let html = commander
        .get(app.url(&format!("/command/bulletins/preview?date={day}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("疫情防控和经济发展双统筹工作通报"));
    assert!(html.contains(&format!(
        "<strong class=\"bulletin-figure\">{resumed}</strong>"
    )));
    assert!(html.contains("data-testid=\"unavailable-note\""));

    // A later report moves the figure at once.
    let ent: (i64, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT e.id, e.uscc FROM enterprises e WHERE e.area_code >= $1 AND e.area_code < $2 AND \
         (SELECT r.status FROM eco_reports r WHERE r.enterprise_id = e.id AND r.report_on <= $3 \
          ORDER BY r.report_on DESC LIMIT 1) = 'not_resumed' ORDER BY e.id LIMIT 1")
        .bind(&lo).bind(&hi).bind(today()).fetch_one(pool).await)
    .unwrap();
    let before: Value = app
        .get_json(&commander, "/api/v1/command/bulletins/compose")
        .await;
    let resp = commander
        .post(app.url("/api/v1/economy/reports"))
        .json(&json!({
            "enterprise_id": ent.0, "status": "fully_resumed", "on_duty": 10,
            "total_staff": 10, "returned": 0, "quarantined": 0, "capacity_pct": 80,
            "measures": []
        }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let after: Value = app
        .get_json(&commander, "/api/v1/command/bulletins/compose")
        .await;
    assert_eq!(
        quoted(&after, "economy.enterprises_resumed").unwrap(),
        quoted(&before, "economy.enterprises_resumed").unwrap() + 1.0,
        "{}",
        ent.1
    );
}

async fn templates_are_checked_versioned_audited_and_reset(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let url = app.url("/api/v1/command/bulletin-templates/dual-campaign");
    let shipped: Value = app
        .get_json(
            &commander,
            "/api/v1/command/bulletin-templates/dual-campaign",
        )
        .await;
    assert_eq!(shipped["version"], 0);
    assert_eq!(shipped["bundled"], true);
    assert_eq!(shipped["edited"], false);
    assert_eq!(shipped["daily_at"], "08:00");
    let audit_before = platform::audit::repo::head_seq(&app.db).await.unwrap();

    // A mistake is named with its line, and nothing changes.
    let resp = commander
        .put(&url)
        .json(&json!({ "title": "通报", "body": "第一行\n第二行{if epidemic.screenings > 0}有", "version": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "body");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("第2行") && message.contains("{end}"),
        "{message}"
    );
    for (input, field) in [
        (json!({ "title": " ", "body": "x", "version": 0 }), "title"),
        (
            json!({ "title": "t", "body": "x", "daily_at": "25:00", "version": 0 }),
            "daily_at",
        ),
    ] {
        let resp = commander.put(&url).json(&input).send().await.unwrap();
        assert_eq!(resp.status(), 422);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["field"], field);
    }
    let resp = commander
        .put(app.url("/api/v1/command/bulletin-templates/Bad%20Name"))
        .json(&json!({ "title": "t", "body": "x", "version": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        platform::audit::repo::head_seq(&app.db).await.unwrap(),
        audit_before
    );
    let unchanged: Value = app
        .get_json(
            &commander,
            "/api/v1/command/bulletin-templates/dual-campaign",
        )
        .await;
    assert_eq!(unchanged["version"], 0);

    // A good edit is stored, audited, and used at once.
    let body = "# 简报\n{area}{date}复工企业{economy.enterprises_resumed|unit}，{if economy.enterprises_resumed >= 0}有数{else}无数{end}。";
    let saved: Value = commander
        .put(&url)
        .json(&json!({ "title": "复工简报", "body": body, "daily_at": "7:30", "version": 0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["edited"], true);
    assert_eq!(saved["daily_at"], "07:30");
    let composed: Value = app
        .get_json(&commander, "/api/v1/command/bulletins/compose")
        .await;
    assert_eq!(composed["title"], "复工简报");
    assert_eq!(composed["blocks"][0]["type"], "heading");
    let text = text_of(&composed);
    assert!(text.contains("户，有数。"), "{text}");
    let entry: (String, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT action, actor_name FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_one(pool).await)
    .unwrap();
    assert_eq!(
        entry,
        ("command.bulletin_template.save".into(), "commander".into())
    );

    // Saving from a stale read is refused.
    let resp = commander
        .put(&url)
        .json(&json!({ "title": "旧", "body": "x", "version": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);

    // An office template of its own, listed beside the bundled one.
    let resp = commander
        .put(app.url("/api/v1/command/bulletin-templates/daily-resumption"))
        .json(&json!({ "title": "每日复工", "body": "{table economy.enterprises_resumed}", "version": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let all: Value = app
        .get_json(&commander, "/api/v1/command/bulletin-templates")
        .await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["daily-resumption", "dual-campaign"]);

    // Reset: the bundled text is back; the office's own is gone.
    let resp = commander
        .delete(app.url("/api/v1/command/bulletin-templates/dual-campaign?version=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let back: Value = app
        .get_json(
            &commander,
            "/api/v1/command/bulletin-templates/dual-campaign",
        )
        .await;
    assert_eq!(back["version"], 0);
    assert_eq!(back["body"], shipped["body"]);
    let resp = commander
        .delete(app.url("/api/v1/command/bulletin-templates/daily-resumption?version=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = commander
        .get(app.url("/api/v1/command/bulletin-templates/daily-resumption"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // The editor page names the mistake beside the body and keeps what was typed.
    let resp = commander
        .post(app.url("/command/bulletins/templates/dual-campaign/edit"))
        .form(&[
            ("title", "通报"),
            ("body", "好\n{economy.x|month}"),
            ("daily_at", ""),
            ("version", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("第2行"), "{html}");
    assert!(html.contains("{economy.x|month}"));
}

async fn bulletins_are_archived_by_hand_and_on_schedule_once_a_day(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let empty: Value = app.get_json(&commander, "/api/v1/command/bulletins").await;
    let already = empty["items"].as_array().unwrap().len();

    // By hand: generated, archived, downloadable; a second time replaces it.
    let made: Value = commander
        .post(app.url("/api/v1/command/bulletins"))
        .json(&json!({ "template": "dual-campaign" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_i64().unwrap();
    assert_eq!(made["date"], today().to_string());
    let docx = commander
        .get(app.url(made["docx_href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), 200);
    assert!(
        docx.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    assert!(docx.bytes().await.unwrap().starts_with(b"PK"));
    let again: Value = commander
        .post(app.url("/api/v1/command/bulletins"))
        .json(&json!({ "template": "dual-campaign" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], id, "same template, area and day: replaced");
    let resp = commander
        .post(app.url("/api/v1/command/bulletins"))
        .json(&json!({ "template": "no-such-template" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // On schedule: a template due at 00:00 is generated once today, for the tree's root.
    commander
        .put(app.url("/api/v1/command/bulletin-templates/early"))
        .json(&json!({ "title": "早报", "body": "复工企业{economy.enterprises_resumed}户", "daily_at": "00:00", "version": 0 }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let made = command::bulletin::schedule::sweep(&app.state, Utc::now())
        .await
        .unwrap();
    assert!(!made.is_empty());
    let again = command::bulletin::schedule::sweep(&app.state, Utc::now())
        .await
        .unwrap();
    assert!(again.is_empty(), "once a day: {again:?}");
    let list: Value = app.get_json(&commander, "/api/v1/command/bulletins").await;
    let items = list["items"].as_array().unwrap();
    assert!(items.len() > already);
    let early = items.iter().find(|i| i["template"] == "early").unwrap();
    assert_eq!(early["generated_by"], "system:command.bulletins");
    // The archived bulletin keeps its text and its tables' workbook.
    let page = commander
        .get(app.url(&format!(
            "/command/bulletins/archive/{}",
            early["id"].as_i64().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("早报") && page.contains("复工企业"), "{page}");
    let index = commander
        .get(app.url("/command/bulletins"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains("早报"));

    // A township sees its own township's archive only.
    let township = app.signed_in("town01").await;
    let theirs: Value = app.get_json(&township, "/api/v1/command/bulletins").await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let resp = township
        .get(app.url(&format!("/command/bulletins/archive/{id}/docx")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

async fn only_the_command_office_edits_templates(backend: Backend) {
    let app = support::spawn(backend).await;
    let township = app.signed_in("town01").await;
    // A township reads and composes its own bulletin…
    let own: Value = app
        .get_json(&township, "/api/v1/command/bulletins/compose")
        .await;
    assert_eq!(own["area_code"], app.area_of("town01").await);
    // …but not the district's, and does not edit templates.
    let district = app.area_of("commander").await;
    let resp = township
        .get(app.url(&format!(
            "/api/v1/command/bulletins/compose?area={district}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = township
        .put(app.url("/api/v1/command/bulletin-templates/dual-campaign"))
        .json(&json!({ "title": "t", "body": "x", "version": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

/// The Word document opens in LibreOffice and converts to an A4 PDF showing the Chinese text
/// with the figures; the tables come out as a workbook with numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_word_document_opens_in_libreoffice_in_the_official_layout() {
    let app = support::spawn(Backend::Sqlite).await;
    let commander = app.signed_in("commander").await;
    let bulletin: Value = app
        .get_json(&commander, "/api/v1/command/bulletins/compose")
        .await;
    let resumed = quoted(&bulletin, "economy.enterprises_resumed").unwrap();
    let docx = commander
        .get(app.url("/command/bulletins/docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), 200);
    let disposition = docx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains(".docx"), "{disposition}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulletin.docx");
    std::fs::write(&path, docx.bytes().await.unwrap()).unwrap();
    let status = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .env("HOME", dir.path())
        .output()
        .expect("LibreOffice (soffice) is installed by scripts/test.sh");
    let pdf = dir.path().join("bulletin.pdf");
    assert!(pdf.exists(), "{}", String::from_utf8_lossy(&status.stderr));
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils) is installed by scripts/test.sh");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("(A4)"), "{info}");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text: String = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("疫情防控和经济发展双统筹工作通报"), "{text}");
    assert!(text.contains(&format!("全区复工企业{resumed}户")), "{text}");
    assert!(text.contains("—1—"), "page numbers: {text}");

    // The tables' workbook: one sheet, the townships and the total, numbers as numbers.
    let xlsx = commander
        .get(app.url("/command/bulletins/xlsx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let path = dir.path().join("tables.xlsx");
    std::fs::write(&path, &xlsx).unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let total = rows.last().unwrap();
    assert_eq!(total[0].to_string(), "合计");
    assert_eq!(total[1], calamine::Data::Float(resumed));
}
