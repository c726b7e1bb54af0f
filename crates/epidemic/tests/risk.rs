//! Risk areas through the real server on both backends: a village with a case turns to the
//! configured level on the map and steps down after the configured days without a case; the
//! command's overrides pin a level until lifted; figures and the 对号入座 lists follow the levels;
//! map shapes load all-or-nothing.

mod support;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_village_with_a_case_turns_medium_and_steps_down_after_quiet_days,
    overrides_pin_a_level_until_lifted_and_only_the_command_sets_them,
    shapes_load_all_or_nothing_and_the_demo_map_has_one_for_every_area,
);

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&domain::china_offset())
        .date_naive()
}

async fn send(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = client.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A village of town01's township without any case in it, and a person living there who is not
/// under management.
async fn quiet_village(app: &TestApp) -> (String, String, i64) {
    let township = app.area_of("town01").await;
    let villages: Vec<String> = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 AND level = 'village' ORDER BY code")
        .bind(&township).fetch_all(pool).await)
    .unwrap();
    let cases: Vec<String> = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT area_code FROM epi_key_persons WHERE category = 'case'")
        .fetch_all(pool).await)
    .unwrap();
    for v in villages {
        if cases.iter().any(|c| c.starts_with(&v)) {
            continue;
        }
        let person: Option<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(
            "SELECT id FROM persons WHERE area_code >= $1 AND area_code < $2 \
             AND id NOT IN (SELECT person_id FROM epi_key_persons WHERE status <> 'ended') \
             ORDER BY id LIMIT 1")
            .bind(&v).bind(format!("{v}:")).fetch_optional(pool).await)
        .unwrap();
        if let Some(p) = person {
            return (township, v, p);
        }
    }
    panic!("no quiet village with a resident in the demo township");
}

/// Makes `person` a case confirmed on `day`.
async fn case_on(app: &TestApp, person: i64, day: NaiveDate) {
    let town = app.signed_in("town01").await;
    let (status, body) = send(
        &town,
        app.url("/api/v1/epidemic/key-persons"),
        json!({"person_id": person, "category": "case", "reason": "核酸检测阳性，确诊"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Confirmed earlier than today: the case's day is what the rules count.
    let id = body["id"].as_i64().unwrap();
    platform::with_db!(&app.db, pool => sqlx::query(
        "UPDATE epi_key_persons SET starts_on = $1, exposure_on = $1 WHERE id = $2")
        .bind(day).bind(id).execute(pool).await.map(|r| r.rows_affected()))
    .unwrap();
}

async fn level_on(
    app: &TestApp,
    client: &reqwest::Client,
    area: &str,
    code: &str,
    day: NaiveDate,
) -> String {
    let map = app
        .get_json(client, &format!("/api/v1/risk/map?area={area}&date={day}"))
        .await;
    map["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code)
        .unwrap_or_else(|| panic!("{code} not on the map of {area}: {map}"))["level"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Villages of `township` at `level` on `day`, from the stored rows (latest row on or before the
/// day of each village or its grids) — independent of the kernel's reading.
async fn villages_at(app: &TestApp, township: &str, level: &str, day: NaiveDate) -> usize {
    let rows: Vec<(String, String)> = platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT area_code, level FROM risk_levels WHERE area_code IS NOT NULL \
         AND effective_on <= $1 ORDER BY effective_on, id")
        .bind(day).fetch_all(pool).await)
    .unwrap();
    let mut latest = std::collections::BTreeMap::new();
    for (code, l) in rows {
        latest.insert(code, l);
    }
    let villages: Vec<String> = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 AND level = 'village'")
        .bind(township).fetch_all(pool).await)
    .unwrap();
    let rank = |l: &str| {
        ["low", "medium", "high"]
            .iter()
            .position(|x| *x == l)
            .unwrap_or(0)
    };
    villages
        .iter()
        .filter(|v| {
            let highest = latest
                .iter()
                .filter(|(c, _)| c.starts_with(v.as_str()))
                .map(|(_, l)| rank(l))
                .max()
                .unwrap_or(0);
            highest == rank(level)
        })
        .count()
}

async fn a_village_with_a_case_turns_medium_and_steps_down_after_quiet_days(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let (township, village, person) = quiet_village(&app).await;
    let settings = app.get_json(&commander, "/api/v1/risk/settings").await;
    let medium = &settings["levels"][1];
    assert_eq!(medium["key"], "medium");
    let quiet = medium["step_down_days"].as_u64().unwrap();
    let day0 = today() - Days::new(quiet + 6);
    case_on(&app, person, day0).await;

    let evaluate = app.url("/api/v1/epidemic/risk/evaluate");
    let (status, body) = send(&commander, evaluate.clone(), json!({"until": day0})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["changes"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(
        level_on(&app, &commander, &township, &village, day0 - Days::new(1)).await,
        "low"
    );
    assert_eq!(
        level_on(&app, &commander, &township, &village, day0).await,
        "medium"
    );

    let (status, _) = send(&commander, evaluate.clone(), json!({})).await;
    assert_eq!(status, 200);
    let down = day0 + Days::new(quiet);
    assert_eq!(
        level_on(&app, &commander, &township, &village, down - Days::new(1)).await,
        "medium"
    );
    assert_eq!(
        level_on(&app, &commander, &township, &village, down).await,
        "low"
    );
    assert_eq!(
        level_on(&app, &commander, &township, &village, today()).await,
        "low"
    );
    // A second run changes nothing.
    let (_, again) = send(&commander, evaluate.clone(), json!({})).await;
    assert_eq!(again["changes"], 0, "{again}");

    let history = app
        .get_json(
            &commander,
            &format!("/api/v1/risk/history?area_code={village}"),
        )
        .await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["level"], "low");
    assert_eq!(history[0]["effective_on"], down.to_string());
    assert_eq!(history[1]["level"], "medium");
    assert_eq!(history[1]["source"], "rule");
    assert_eq!(history[1]["cases"], 1);
    let audited: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'risk.level.rule' AND area_code = $1")
        .bind(&village).fetch_one(pool).await)
    .unwrap();
    assert_eq!(audited, 2);

    // The figures count the rated villages at each level, as the stored rows say.
    for (level, day) in [("medium", day0), ("low", day0), ("medium", today())] {
        let figure = app
            .get_json(
                &commander,
                &format!("/api/v1/figures/epidemic.risk_areas.{level}?area={township}&date={day}"),
            )
            .await;
        let expected = villages_at(&app, &township, level, day).await;
        assert_eq!(
            figure["value"].as_f64().unwrap() as usize,
            expected,
            "{level} {day}: {figure}"
        );
    }
    let cases = app
        .get_json(
            &commander,
            &format!("/api/v1/figures/epidemic.cases_new?area={village}&date={day0}"),
        )
        .await;
    assert_eq!(cases["value"].as_f64().unwrap(), 1.0);
    for (day, expected) in [(day0 - Days::new(1), 0.0), (today(), 1.0)] {
        let total = app
            .get_json(
                &commander,
                &format!("/api/v1/figures/epidemic.cases_total?area={village}&date={day}"),
            )
            .await;
        assert_eq!(total["value"].as_f64().unwrap(), expected, "{day}");
    }

    // Not in the future, and only the command evaluates.
    let (status, body) = send(
        &commander,
        evaluate.clone(),
        json!({"until": today() + Days::new(1)}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "until");
    let town = app.signed_in("town01").await;
    let (status, _) = send(&town, evaluate, json!({})).await;
    assert_eq!(status, 403);
}

async fn overrides_pin_a_level_until_lifted_and_only_the_command_sets_them(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let town = app.signed_in("town01").await;
    let (township, village, person) = quiet_village(&app).await;
    let overrides = app.url("/api/v1/risk/overrides");
    let rows = || async {
        platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM risk_levels")
            .fetch_one(pool).await)
        .unwrap()
    };
    let before = rows().await;
    let (status, _) = send(
        &town,
        overrides.clone(),
        json!({"area_code": village, "level": "high", "reason": "聚集"}),
    )
    .await;
    assert_eq!(status, 403);
    for (body, field) in [
        (
            json!({"area_code": village, "level": "high", "reason": " "}),
            "reason",
        ),
        (
            json!({"area_code": village, "level": "severe", "reason": "聚集"}),
            "level",
        ),
        (json!({"level": "high", "reason": "聚集"}), "area_code"),
        (
            json!({"area_code": village, "level": "high", "reason": "聚集", "effective_on": today() - Days::new(1)}),
            "effective_on",
        ),
    ] {
        let (status, answer) = send(&commander, overrides.clone(), body).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["field"], field);
        assert!(
            !answer["error"]["message"].as_str().unwrap().is_ascii(),
            "a Chinese message: {answer}"
        );
    }
    assert_eq!(rows().await, before, "refused overrides change nothing");

    let (status, _) = send(
        &commander,
        overrides.clone(),
        json!({"area_code": village, "level": "high", "reason": "聚集性疫情，指挥部研判"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        level_on(&app, &commander, &township, &village, today()).await,
        "high"
    );
    let map = app
        .get_json(&commander, &format!("/api/v1/risk/map?area={township}"))
        .await;
    let raised = map["raised"].as_array().unwrap();
    let mine = raised
        .iter()
        .find(|r| r["area_code"] == village.as_str())
        .unwrap();
    assert_eq!(mine["pinned"], true);
    assert_eq!(mine["source"], "override");

    // Rules leave a pinned level alone, whatever the cases.
    case_on(&app, person, today()).await;
    let (status, _) = send(
        &commander,
        app.url("/api/v1/epidemic/risk/evaluate"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        level_on(&app, &commander, &township, &village, today()).await,
        "high"
    );

    // 对号入座: the enterprises and places listed at "high" are exactly those in the village.
    for (kind, table) in [("enterprise", "enterprises"), ("place", "places")] {
        let listed = app
            .get_json(
                &commander,
                &format!("/api/v1/risk/matched?area={township}&level=high&kind={kind}&limit=500"),
            )
            .await;
        let mut ids: Vec<i64> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        let sql =
            format!("SELECT id FROM {table} WHERE area_code >= $1 AND area_code < $2 ORDER BY id");
        let expected: Vec<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&village).bind(format!("{village}:")).fetch_all(pool).await)
        .unwrap();
        assert_eq!(ids, expected, "{kind}");
    }
    let (status, _) = {
        let r = commander
            .get(app.url(&format!(
                "/api/v1/risk/matched?area={township}&level=high&kind=person"
            )))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 422);

    // Lifting: only an override in force; back to the base, then the rules decide (one case
    // today: medium).
    let other: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 AND level = 'village' AND code <> $2 ORDER BY code LIMIT 1")
        .bind(&township).bind(&village).fetch_one(pool).await)
    .unwrap();
    let lift = app.url("/api/v1/risk/overrides/lift");
    let (status, answer) = send(
        &commander,
        lift.clone(),
        json!({"area_code": other, "reason": "误设"}),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    let (status, _) = send(
        &commander,
        lift,
        json!({"area_code": village, "reason": "疫情平稳"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        level_on(&app, &commander, &township, &village, today()).await,
        "low"
    );
    let (status, _) = send(
        &commander,
        app.url("/api/v1/epidemic/risk/evaluate"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        level_on(&app, &commander, &township, &village, today()).await,
        "medium"
    );
    let history = app
        .get_json(
            &commander,
            &format!("/api/v1/risk/history?area_code={village}"),
        )
        .await;
    let sources: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, vec!["rule", "lift", "override"]);
    for action in ["risk.level.override", "risk.level.lift"] {
        let n: i64 = platform::with_db!(&app.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND area_code = $2")
            .bind(action).bind(&village).fetch_one(pool).await)
        .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

async fn shapes_load_all_or_nothing_and_the_demo_map_has_one_for_every_area(backend: Backend) {
    let app = support::spawn(backend).await;
    let admin = app.signed_in("admin").await;
    let commander = app.signed_in("commander").await;
    let township = app.area_of("town01").await;
    let map = app
        .get_json(&commander, &format!("/api/v1/risk/map?area={township}"))
        .await;
    let areas = map["areas"].as_array().unwrap();
    assert!(!areas.is_empty());
    assert_eq!(
        map["geojson"]["features"].as_array().unwrap().len(),
        areas.len(),
        "the demo draws every village"
    );

    let village = areas[0]["code"].as_str().unwrap().to_string();
    let square = json!({"type": "Polygon", "coordinates": [[[114.1, 30.4], [114.2, 30.4], [114.2, 30.5], [114.1, 30.5], [114.1, 30.4]]]});
    let shapes = app.url("/api/v1/risk/shapes");
    let count = || async {
        platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM area_shapes")
            .fetch_one(pool).await)
        .unwrap()
    };
    let before = count().await;
    let bad = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": village}, "geometry": square},
        {"type": "Feature", "properties": {"code": village}, "geometry": {"type": "Point", "coordinates": [114.1, 30.4]}},
    ]});
    let r = admin.put(shapes.clone()).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "features[1]");
    assert_eq!(count().await, before);
    let r = commander
        .put(shapes.clone())
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let good = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": village, "name": "x"}, "geometry": square},
        {"type": "Feature", "properties": {"adcode": 110101}, "geometry": square},
    ]});
    let r = admin.put(shapes).json(&good).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let loaded: Value = r.json().await.unwrap();
    assert_eq!(loaded["stored"], 1);
    assert_eq!(loaded["unknown_areas"], json!(["110101000000"]));
    let map = app
        .get_json(&commander, &format!("/api/v1/risk/map?area={township}"))
        .await;
    let feature = map["geojson"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == village.as_str())
        .unwrap();
    assert_eq!(feature["geometry"], square);
}
