//! The ledger's views: the list narrowed by owner unit and creation dates (Beijing days), the
//! ledger export with those filters (CSV and xlsx, opening in LibreOffice, no reporter phone),
//! and the KPIs per owner unit and per child area over a period.

use calamine::Reader;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests, spawn_app};

backend_tests!(
    the_list_narrows_by_owner_unit_and_creation_dates,
    the_ledger_exports_with_its_filters_and_no_reporter_phone,
    kpis_count_closure_timeliness_handling_time_and_overdue,
    the_kpi_page_renders_the_figures_and_an_empty_state,
);

/// A township (town01) and one of its villages (v0101) with their units.
struct Parties {
    town: reqwest::Client,
    town_area: String,
    town_unit: i64,
    village_area: String,
    village_unit: i64,
    village_unit_name: String,
}

async fn parties(app: &TestApp) -> Parties {
    let town = app.signed_in("town01").await;
    let village = app.signed_in("v0101").await;
    let t = app.get_json(&town, "/api/v1/me").await;
    let v = app.get_json(&village, "/api/v1/me").await;
    Parties {
        town,
        town_area: t["area_code"].as_str().unwrap().to_string(),
        town_unit: t["unit_id"]
            .as_i64()
            .expect("the township cadre has a unit"),
        village_area: v["area_code"].as_str().unwrap().to_string(),
        village_unit: v["unit_id"].as_i64().expect("the village cadre has a unit"),
        village_unit_name: v["unit_name"].as_str().unwrap().to_string(),
    }
}

/// Opens a ticket through the API as the township.
async fn open(p: &Parties, app: &TestApp, body: Value) -> i64 {
    let response = p
        .town
        .post(app.url("/api/v1/tickets"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_i64().unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// Sets where a ticket stands in time (as if created and worked on in the past).
struct Aged {
    created: DateTime<Utc>,
    state: &'static str,
    due: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    overdue: Option<DateTime<Utc>>,
}

async fn age(app: &TestApp, id: i64, a: Aged) {
    const SQL: &str = "UPDATE tickets SET created_at = $2, clock_from = $2, state = $3, due_at = $4, \
         closed_at = $5, overdue_at = $6 WHERE id = $1";
    let n = platform::with_db!(&app.db, pool => sqlx::query(SQL)
        .bind(id).bind(a.created).bind(a.state).bind(a.due).bind(a.closed).bind(a.overdue)
        .execute(pool).await.map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(n, 1);
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn the_list_narrows_by_owner_unit_and_creation_dates(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let mine = open(
        &p,
        &app,
        json!({"kind": "general", "title": "村道路灯维修", "area_code": p.village_area,
               "owner_unit_id": p.village_unit}),
    )
    .await;
    let theirs = open(
        &p,
        &app,
        json!({"kind": "general", "title": "镇区排水沟清淤", "area_code": p.village_area,
               "owner_unit_id": p.town_unit}),
    )
    .await;

    // Owner unit: only the village's work, every item owned by it.
    let page = app
        .get_json(
            &p.town,
            &format!("/api/v1/tickets?owner_unit_id={}&limit=500", p.village_unit),
        )
        .await;
    let found = ids(&page);
    assert!(found.contains(&mine) && !found.contains(&theirs), "{page}");
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["owner_unit_id"] == p.village_unit),
        "{page}"
    );

    // Dates are Beijing days: 23:30 on 1 March counts for that day, 00:10 on 2 March does not.
    let late_evening = utc(2020, 3, 1, 15, 30); // 2020-03-01 23:30 in Beijing
    let past_midnight = utc(2020, 3, 1, 16, 10); // 2020-03-02 00:10 in Beijing
    for (id, created) in [(mine, late_evening), (theirs, past_midnight)] {
        let aged = Aged {
            created,
            state: "dispatched",
            due: Some(created + chrono::TimeDelta::days(5)),
            closed: None,
            overdue: None,
        };
        age(&app, id, aged).await;
    }
    let day = app
        .get_json(&p.town, "/api/v1/tickets?from=2020-03-01&to=2020-03-01")
        .await;
    assert_eq!(ids(&day), vec![mine], "{day}");
    let next = app
        .get_json(&p.town, "/api/v1/tickets?from=2020-03-02&to=2020-03-02")
        .await;
    assert_eq!(ids(&next), vec![theirs], "{next}");
    let both = app.get_json(&p.town, "/api/v1/tickets?to=2020-03-31").await;
    assert_eq!(ids(&both), vec![theirs, mine], "{both}");
    // Demo tickets are recent: from a day in 2020 on, they are all there as well.
    let since = app
        .get_json(&p.town, "/api/v1/tickets?from=2020-03-02&limit=500")
        .await;
    assert!(!ids(&since).contains(&mine) && ids(&since).contains(&theirs));

    // Bad dates are refused on their field, in Chinese.
    for (query, field) in [
        ("from=2020-13-01", "from"),
        ("to=2020/03/01", "to"),
        ("from=2020-03-05&to=2020-03-01", "to"),
    ] {
        let response = p
            .town
            .get(app.url(&format!("/api/v1/tickets?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains("日期"),
            "{error}"
        );
    }

    // The page offers the owner select and the date fields, and keeps them in its links.
    let html = p
        .town
        .get(app.url(&format!(
            "/tickets?owner_unit_id={}&from=2020-03-01&to=2020-03-01",
            p.village_unit
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("村道路灯维修"), "{html}");
    assert!(!html.contains("镇区排水沟清淤"));
    assert!(html.contains("name=\"owner_unit_id\""));
    assert!(html.contains("name=\"from\"") && html.contains("name=\"to\""));
    assert!(html.contains("/tickets/export/xlsx?"));
    assert!(html.contains("from=2020-03-01"));
    assert!(html.contains("href=\"/tickets/kpis\""));
}

async fn the_ledger_exports_with_its_filters_and_no_reporter_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    let closed = open(
        &p,
        &app,
        json!({"kind": "complaint", "title": "噪音扰民投诉", "area_code": p.village_area,
               "owner_unit_id": p.village_unit, "source": "hotline", "priority": "urgent",
               "reporter_name": "王女士", "reporter_phone": "13812345678"}),
    )
    .await;
    let other = open(
        &p,
        &app,
        json!({"kind": "general", "title": "另一件事", "area_code": p.village_area,
               "owner_unit_id": p.village_unit}),
    )
    .await;
    age(
        &app,
        closed,
        Aged {
            created: utc(2020, 6, 1, 2, 0), // 10:00 in Beijing
            state: "closed",
            due: Some(utc(2020, 6, 3, 10, 0)),
            closed: Some(utc(2020, 6, 4, 1, 0)), // late
            overdue: Some(utc(2020, 6, 3, 10, 0)),
        },
    )
    .await;
    age(
        &app,
        other,
        Aged {
            created: utc(2020, 7, 1, 2, 0),
            state: "dispatched",
            due: Some(utc(2020, 7, 8, 10, 0)),
            closed: None,
            overdue: None,
        },
    )
    .await;

    let filters = format!(
        "owner_unit_id={}&from=2020-06-01&to=2020-06-30",
        p.village_unit
    );
    let response = p
        .town
        .get(app.url(&format!("/tickets/export/csv?{filters}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "编号,事项标题,类型,状态,紧急程度,来源,区划,承办单位,办理期限,是否超期,登记时间,办结时间",
        "{csv}"
    );
    assert_eq!(lines.len(), 2, "only the one matter of June: {csv}");
    let expected = format!(
        "{closed},噪音扰民投诉,群众投诉,已销号,特急,12345热线,{},{},2020-06-03 18:00,是,2020-06-01 10:00,2020-06-04 09:00",
        p.village_area, p.village_unit_name
    );
    assert_eq!(lines[1], expected, "{csv}");
    assert!(
        !csv.contains("13812345678") && !csv.contains("5678"),
        "{csv}"
    );

    // The xlsx: title, the filters described, the header, the rows.
    let response = p
        .town
        .get(app.url(&format!("/tickets/export/xlsx?{filters}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "工作台账", "{rows:?}");
    let described = &rows[1][0];
    for part in [
        p.village_unit_name.as_str(),
        "2020-06-01",
        "2020-06-30",
        "承办单位",
    ] {
        assert!(described.contains(part), "{described}");
    }
    let header = rows.iter().position(|r| r[0] == "编号").unwrap();
    let data = &rows[header + 1..];
    assert_eq!(data.len(), 1, "{rows:?}");
    assert_eq!(data[0][0], closed.to_string());
    assert_eq!(data[0][1], "噪音扰民投诉");
    assert_eq!(data[0][7], p.village_unit_name);
    assert_eq!(data[0][9], "是");
    let all: String = rows.iter().flatten().cloned().collect();
    assert!(!all.contains("13812345678"));

    // "Ledger export opens in LibreOffice" (needs `soffice`, as the tabular tests do).
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let status = std::process::Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.path().join("profile").display()
            ))
            .args([
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76",
                "--outdir",
            ])
            .arg(dir.path())
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        let converted = std::fs::read_to_string(dir.path().join("ledger.csv")).unwrap();
        assert!(converted.contains("噪音扰民投诉"), "{converted}");
        assert!(converted.contains(&p.village_unit_name), "{converted}");
    }

    // Unknown formats are not found; a bad date is refused.
    let response = p
        .town
        .get(app.url("/tickets/export/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = p
        .town
        .get(app.url("/tickets/export/csv?from=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

/// Five matters of May 2020 in the village: two closed (one on time after 10 hours, one late
/// after 29), one open and overdue, one open for the township's unit, one cancelled.
async fn may_2020(app: &TestApp, p: &Parties) {
    let mut opened = Vec::new();
    for (title, owner) in [
        ("按期办结", p.village_unit),
        ("超期办结", p.village_unit),
        ("在办超期", p.village_unit),
        ("镇里在办", p.town_unit),
        ("已撤销", p.village_unit),
    ] {
        let body = json!({"kind": "general", "title": title, "area_code": p.village_area,
                          "owner_unit_id": owner});
        opened.push(open(p, app, body).await);
    }
    let day = |d: u32, h: u32| utc(2020, 5, d, h, 0);
    let aged = [
        ("closed", day(1, 0), day(2, 0), Some(day(1, 10)), None),
        (
            "closed",
            day(2, 0),
            day(3, 0),
            Some(day(3, 5)),
            Some(day(3, 0)),
        ),
        ("in_progress", day(3, 0), day(4, 0), None, Some(day(4, 0))),
        ("dispatched", day(4, 0), day(30, 0), None, None),
        ("cancelled", day(5, 0), day(9, 0), Some(day(5, 1)), None),
    ];
    for (id, (state, created, due, closed, overdue)) in opened.into_iter().zip(aged) {
        let a = Aged {
            created,
            state,
            due: Some(due),
            closed,
            overdue,
        };
        age(app, id, a).await;
    }
}

async fn kpis_count_closure_timeliness_handling_time_and_overdue(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    may_2020(&app, &p).await;
    let period = "from=2020-05-01&to=2020-05-31";

    // Per owner unit.
    let (village_key, town_key) = (p.village_unit.to_string(), p.town_unit.to_string());
    let kpis = app
        .get_json(&p.town, &format!("/api/v1/tickets/kpis?{period}"))
        .await;
    assert_eq!(kpis["group"], "unit");
    let rows = kpis["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{kpis}");
    let village = rows
        .iter()
        .find(|r| r["key"] == village_key.as_str())
        .unwrap();
    assert_eq!(village["name"], p.village_unit_name);
    assert_eq!(village["total"], 3, "{village}");
    assert_eq!(village["closed"], 2);
    assert!((village["closure_rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(village["closed_on_time"], 1);
    assert_eq!(village["on_time_rate"], 0.5);
    assert_eq!(village["avg_handling_hours"], 19.5, "{village}");
    assert_eq!(village["open_overdue"], 1);
    let town = rows.iter().find(|r| r["key"] == town_key.as_str()).unwrap();
    assert_eq!(town["total"], 1);
    assert_eq!(town["closed"], 0);
    assert_eq!(town["closure_rate"], 0.0);
    assert!(town["on_time_rate"].is_null() && town["avg_handling_hours"].is_null());
    assert_eq!(town["open_overdue"], 0);

    // Per child area of the township: every village, the one with work counts it all.
    let by_area = app
        .get_json(
            &p.town,
            &format!("/api/v1/tickets/kpis?group=area&{period}"),
        )
        .await;
    assert_eq!(by_area["area"], p.town_area);
    let rows = by_area["rows"].as_array().unwrap();
    assert!(rows.len() > 1, "{by_area}");
    let village = rows.iter().find(|r| r["key"] == p.village_area).unwrap();
    assert_eq!(village["total"], 4, "{village}");
    assert_eq!(village["closed"], 2);
    assert_eq!(village["closed_on_time"], 1);
    assert_eq!(village["open_overdue"], 1);
    assert_eq!(village["avg_handling_hours"], 19.5);
    assert!(
        rows.iter()
            .filter(|r| r["key"] != p.village_area)
            .all(|r| r["total"] == 0),
        "{by_area}"
    );

    // The kind narrows; demo matters (recent) are outside the period.
    let complaints = app
        .get_json(
            &p.town,
            &format!("/api/v1/tickets/kpis?kind=complaint&{period}"),
        )
        .await;
    assert_eq!(complaints["rows"], json!([]), "{complaints}");

    // Scope, and bad input on its field.
    let stranger = app.signed_in("town02").await;
    let response = stranger
        .get(app.url(&format!("/api/v1/tickets/kpis?area={}", p.village_area)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    for (query, field) in [
        ("group=township", "group"),
        ("from=2020-5-1x", "from"),
        ("kind=nonsense", "kind"),
    ] {
        let response = p
            .town
            .get(app.url(&format!("/api/v1/tickets/kpis?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
}

async fn the_kpi_page_renders_the_figures_and_an_empty_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let p = parties(&app).await;
    may_2020(&app, &p).await;
    let html = p
        .town
        .get(app.url("/tickets/kpis?from=2020-05-01&to=2020-05-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "办理考核指标",
        "办结率",
        "按期办结率",
        "平均办理时长（小时）",
        "在办超期数",
        p.village_unit_name.as_str(),
        "66.7%",
        "50.0%",
        "19.5",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    let empty = p
        .town
        .get(app.url("/tickets/kpis?group=area&from=2019-01-01&to=2019-01-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Per child area, every village is listed with nothing to rate.
    assert!(empty.contains("—"), "{empty}");
    assert!(!empty.contains("所选期间没有登记的事项。"), "{empty}");
    let none = p
        .town
        .get(app.url("/tickets/kpis?from=2019-01-01&to=2019-01-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(none.contains("所选期间没有登记的事项。"), "{none}");
}
