//! The resumption rates and figures equal an independent computation from the database, for a
//! township on a past day; the demo rises; the by-area and by-industry tables export to xlsx
//! with the same figures; the resumption sheet imports.

mod support;

use calamine::{Data, Reader};
use serde_json::Value;
use testkit::{Backend, backend_tests};

backend_tests!(
    figures_and_rates_equal_an_independent_computation,
    the_breakdowns_export_to_xlsx_with_the_same_figures,
    a_sheet_of_reports_imports_and_reimports_unchanged,
    resumption_by_risk_level_follows_the_areas_levels
);

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

async fn figures_and_rates_equal_an_independent_computation(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let township: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT MIN(code) FROM areas WHERE level = 'township'").fetch_one(pool).await)
    .unwrap();
    let (lo, hi) = domain::DivisionCode::parse(&township)
        .unwrap()
        .subtree_range();
    let day = support::today() - chrono::Duration::days(3);
    let e = support::expected(&app, &lo, &hi, day).await;
    assert!(e.counted > 0 && e.resumed > 0, "{e:?}");
    let figure = |key: &'static str| {
        let path = format!("/api/v1/figures/{key}?area={township}&date={day}");
        let app = &app;
        let commander = &commander;
        async move {
            app.get_json(commander, &path).await["value"]
                .as_f64()
                .unwrap()
        }
    };
    assert!(close(
        figure("economy.enterprises_resumed").await,
        e.resumed as f64
    ));
    assert!(close(
        figure("economy.workers_on_duty").await,
        e.on_duty as f64
    ));
    assert!(close(
        figure("economy.above_size_resumed").await,
        e.above_size_resumed as f64
    ));
    assert!(close(
        figure("economy.resumption_rate").await,
        e.resumption_rate()
    ));
    assert!(close(
        figure("economy.workforce_rate").await,
        e.workforce_rate()
    ));
    assert!(close(
        figure("economy.capacity_utilisation").await,
        e.capacity()
    ));

    // The API's breakdowns add up to its total, which is the same.
    for by in ["area", "industry", "size"] {
        let rates: Value = app
            .get_json(
                &commander,
                &format!("/api/v1/economy/resumption?area={township}&date={day}&by={by}"),
            )
            .await;
        assert_eq!(rates["total"]["resumed"].as_i64(), Some(e.resumed));
        assert_eq!(rates["total"]["counted"].as_i64(), Some(e.counted));
        let groups = rates["groups"].as_array().unwrap();
        let sum: i64 = groups.iter().map(|g| g["resumed"].as_i64().unwrap()).sum();
        assert_eq!(sum, e.resumed, "{by}");
        let sum: i64 = groups.iter().map(|g| g["on_duty"].as_i64().unwrap()).sum();
        assert_eq!(sum, e.on_duty, "{by}");
    }

    // The demo rises: fewer resumed a month ago than today, most resumed today.
    let rates: Value = app
        .get_json(&commander, "/api/v1/economy/resumption?trend=true")
        .await;
    let trend = rates["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 30);
    let first = trend[0]["resumption_rate"].as_f64().unwrap();
    let last = trend[29]["resumption_rate"].as_f64().unwrap();
    assert!(first < last, "{first} → {last}");
    assert!(last >= 60.0, "most resumed by today: {last}");

    // The enterprises not resumed are the counted minus the resumed.
    let today = support::today();
    let now = support::expected(&app, &lo, &hi, today).await;
    let pending: Value = app
        .get_json(
            &commander,
            &format!("/api/v1/economy/resumption/pending?area={township}&limit=500"),
        )
        .await;
    assert_eq!(
        pending["items"].as_array().unwrap().len() as i64,
        now.counted - now.resumed
    );
    // The desk page shows the same.
    let html = commander
        .get(app.url(&format!("/economy/resumption?area={township}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("未复工企业"), "{html}");
    assert!(html.contains(&format!(
        "{:.1}%",
        (now.resumption_rate() * 10.0).round() / 10.0
    )));
}

async fn xlsx_rows(client: &reqwest::Client, url: &str) -> Vec<Vec<Data>> {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    sheet.rows().map(|r| r.to_vec()).collect()
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Int(i) => *i as f64,
        Data::Float(f) => *f,
        other => panic!("not a number: {other:?}"),
    }
}

async fn the_breakdowns_export_to_xlsx_with_the_same_figures(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("commander").await;
    let day = support::today() - chrono::Duration::days(1);
    for by in ["area", "industry"] {
        let rates: Value = app
            .get_json(
                &commander,
                &format!("/api/v1/economy/resumption?date={day}&by={by}"),
            )
            .await;
        let rows = xlsx_rows(
            &commander,
            &app.url(&format!(
                "/economy/resumption/export/xlsx?area={district}&date={day}&by={by}"
            )),
        )
        .await;
        let header = rows
            .iter()
            .position(|r| r.first().is_some_and(|c| *c == "分组"))
            .expect("a header row");
        assert_eq!(rows[header][4].to_string(), "已复工");
        let data = &rows[header + 1..];
        let groups = rates["groups"].as_array().unwrap();
        assert_eq!(data.len(), groups.len() + 1, "the groups and the total");
        for (row, g) in data.iter().zip(groups) {
            assert_eq!(row[0].to_string(), g["label"].as_str().unwrap());
            assert_eq!(row[1].to_string(), g["key"].as_str().unwrap());
            assert_eq!(number(&row[4]) as i64, g["resumed"].as_i64().unwrap());
            let rate = g["resumption_rate"].as_f64().unwrap();
            assert!((number(&row[5]) - (rate * 10.0).round() / 10.0).abs() < 1e-9);
            assert_eq!(number(&row[7]) as i64, g["on_duty"].as_i64().unwrap());
        }
        let total = data.last().unwrap();
        assert_eq!(total[0].to_string(), "合计");
        assert_eq!(
            number(&total[4]) as i64,
            rates["total"]["resumed"].as_i64().unwrap()
        );
    }
    // CSV too; a village cannot export the district.
    let r = commander
        .get(app.url("/economy/resumption/export/csv?by=industry"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("合计"));
    let village = app.signed_in("v0101").await;
    let r = village
        .get(app.url(&format!("/economy/resumption/export/xlsx?area={district}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn a_sheet_of_reports_imports_and_reimports_unchanged(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let town_area = app.area_of("town01").await;
    let (lo, hi) = domain::DivisionCode::parse(&town_area)
        .unwrap()
        .subtree_range();
    let (id, uscc): (i64, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT id, uscc FROM enterprises WHERE area_code >= $1 AND area_code < $2 ORDER BY id LIMIT 1")
        .bind(&lo).bind(&hi).fetch_one(pool).await)
    .unwrap();
    let day = support::today() - chrono::Duration::days(40);
    let csv = format!(
        "统一社会信用代码,填报日期,复工状态,复工人数,职工人数,外地返岗人数,隔离人数,产能利用率,计划复工日期\n\
         {uscc},{day},部分复工,12,30,5,2,45%,\n\
         91990000MA0000000X,{day},未复工,0,10,0,0,,\n"
    );
    let upload = |body: String| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(body.into_bytes()).file_name("复工.csv"),
        );
        town.post(app.url("/api/v1/imports/resumption_reports"))
            .multipart(form)
            .send()
    };
    let r = upload(csv.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let summary: Value = r.json().await.unwrap();
    assert_eq!(summary["inserted"].as_i64(), Some(1), "{summary}");
    assert_eq!(
        summary["rejected"].as_array().unwrap().len(),
        1,
        "{summary}"
    );
    let stored: (String, i64, i64) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT status, on_duty, capacity_pct FROM eco_reports WHERE enterprise_id = $1 AND report_on = $2")
        .bind(id).bind(day).fetch_one(pool).await)
    .unwrap();
    assert_eq!(stored, ("partly_resumed".to_string(), 12, 45));
    let r = upload(csv).await.unwrap();
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["inserted"].as_i64(), Some(0), "{again}");
    assert_eq!(again["updated"].as_i64(), Some(0), "{again}");
}

/// 对号入座: a village the command rates high groups its enterprises under "high" with the same
/// figures as the village's own rates; its enterprises not resumed carry the level and drop out
/// of the list of those whose level permits resumption.
async fn resumption_by_risk_level_follows_the_areas_levels(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let township: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT MIN(code) FROM areas WHERE level = 'township'").fetch_one(pool).await)
    .unwrap();
    let (lo, hi) = domain::DivisionCode::parse(&township)
        .unwrap()
        .subtree_range();
    // An enterprise of the township that reports it has not resumed today.
    let (enterprise, village): (i64, String) = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT id, area_code FROM enterprises WHERE area_code >= $1 AND area_code < $2 ORDER BY id LIMIT 1")
        .bind(&lo).bind(&hi).fetch_one(pool).await)
    .unwrap();
    let day = support::today();
    let r = commander
        .post(app.url("/api/v1/economy/reports"))
        .json(&serde_json::json!({"enterprise_id": enterprise, "status": "not_resumed",
            "on_duty": 0, "total_staff": 20, "planned_on": (day + chrono::Duration::days(7)).to_string()}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let in_village = support::expected(&app, &village, &format!("{village}:"), day).await;
    let waiting = app
        .get_json(
            &commander,
            &format!("/api/v1/economy/resumption/pending?area={village}&date={day}&limit=500"),
        )
        .await["items"]
        .as_array()
        .unwrap()
        .len();
    assert!(waiting >= 1);
    let in_township = support::expected(&app, &lo, &hi, day).await;
    let r = commander
        .post(app.url("/api/v1/risk/overrides"))
        .json(&serde_json::json!({"area_code": village, "level": "high", "reason": "聚集性疫情"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let rates = app
        .get_json(
            &commander,
            &format!("/api/v1/economy/resumption?area={township}&date={day}&by=risk"),
        )
        .await;
    let group = |key: &str| {
        rates["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let high = group("high");
    assert_eq!(high["label"], "高风险");
    assert_eq!(
        high["counted"].as_i64().unwrap(),
        in_village.counted,
        "{rates}"
    );
    assert_eq!(high["resumed"].as_i64().unwrap(), in_village.resumed);
    let rest: i64 = rates["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["key"] != "high")
        .map(|g| g["counted"].as_i64().unwrap())
        .sum();
    assert_eq!(rest, in_township.counted - in_village.counted);

    let pending = |permitted: bool| {
        let path = format!(
            "/api/v1/economy/resumption/pending?area={village}&date={day}&limit=500&permitted={permitted}"
        );
        let app = &app;
        let commander = &commander;
        async move {
            app.get_json(commander, &path).await["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let all = pending(false).await;
    assert_eq!(all.len(), waiting);
    assert!(
        all.iter()
            .all(|p| p["risk_level"] == "high" && p["risk_permits"] == false)
    );
    assert!(
        pending(true).await.is_empty(),
        "a high-risk village does not permit resumption"
    );
}
