//! Contact tracing through the real server on both backends: for generated passages sent
//! through the device batch API, the contacts the engine returns equal, person for person (and
//! first exposure for first exposure), the answer of a plain SQL self-join over the same
//! passages; passages committed after the index was built are seen by the next trace; manual
//! contacts and exclusions shape the answer.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use testkit::sheets::Rng;
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    the_engine_returns_the_contacts_a_plain_sql_self_join_finds,
    a_trace_sees_passages_committed_after_the_index_was_built,
    manual_contacts_and_exclusions_shape_the_trace,
);

/// Places of the given kinds in a village of checkpoint01's township.
pub async fn places(app: &TestApp, kinds: &[&str]) -> Vec<i64> {
    let area = app.area_of("checkpoint01").await;
    let town = app.signed_in("town01").await;
    let village: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1")
        .bind(&area).fetch_one(pool).await)
    .unwrap();
    let mut ids = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let created: Value = town
            .post(app.url("/api/v1/places"))
            .json(&json!({"kind": kind, "name": format!("流调测试场所{i}"), "area_code": village}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(created["id"].as_i64().unwrap());
    }
    ids
}

/// Sends items as one device batch; answers the results.
async fn send(app: &TestApp, client: &reqwest::Client, device: &str, items: Vec<Value>) -> Value {
    let r = client
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": device, "items": items}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn trace(app: &TestApp, client: &reqwest::Client, body: Value) -> Value {
    let r = client
        .post(app.url("/api/v1/epidemic/tracing/trace"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn hop(answer: &Value, hop: i64) -> BTreeMap<i64, i64> {
    answer["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["hop"].as_i64() == Some(hop))
        .map(|c| {
            let first = c["first_at"]
                .as_str()
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(t)
                        .unwrap()
                        .timestamp()
                        .div_euclid(60)
                })
                .unwrap_or(-1);
            (c["person_id"].as_i64().unwrap(), first)
        })
        .collect()
}

/// Generates `people` persons' visits over the last four days at `places` (skewed: the first
/// places are the busiest), registering each person with their first item. Some visits have an
/// exit, some only an entry, some only an exit, some an exit too late to pair.
fn visits(rng: &mut Rng, people: usize, places: &[i64]) -> Vec<Value> {
    let now = Utc::now() - Duration::minutes(10);
    let mut items = Vec::new();
    for i in 0..people {
        let p = testkit::sheets::person(rng, 5_000 + i);
        let n = 2 + rng.below(4);
        for v in 0..n {
            let r = rng.below(1000) as f64 / 1000.0;
            let place = places[((r * r) * places.len() as f64) as usize];
            let start = now - Duration::minutes(rng.below(4 * 1440) as i64 + 1000);
            let kind = rng.below(100);
            let mut item = |dir: &str, at: chrono::DateTime<Utc>, k: &str| {
                items.push(json!({
                    "event_key": format!("{i}-{v}-{k}"), "doc_number": p.id, "name": p.name,
                    "place_id": place, "at": at.to_rfc3339(), "direction": dir,
                }));
            };
            match kind {
                0..60 => {
                    item("in", start, "a");
                    item(
                        "out",
                        start + Duration::minutes(5 + rng.below(175) as i64),
                        "b",
                    );
                }
                60..75 => item("in", start, "a"),
                75..85 => item("out", start, "b"),
                _ => {
                    item("in", start, "a");
                    item("out", start + Duration::minutes(800), "b");
                }
            }
        }
    }
    items
}

/// The stays of the passages at `places` as SQL pairs them, and the contacts of `cases`:
/// window rule with `window` minutes, the same-day rule at buildings.
fn sql(places: &[i64], cases: &[i64], window: i64) -> (String, String) {
    let places = places
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let cases = cases
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let stays = format!(
        "WITH p AS (SELECT person_id, place_id, at_minute AS m, direction AS d, \
           LAG(direction) OVER w AS pd, LAG(at_minute) OVER w AS pm, \
           LEAD(direction) OVER w AS nd, LEAD(at_minute) OVER w AS nm \
           FROM epi_passages WHERE place_id IN ({places}) \
           WINDOW w AS (PARTITION BY person_id, place_id ORDER BY at_minute, id)), \
         s AS (SELECT p.person_id, p.place_id, p.m AS s, \
             CASE WHEN p.nd = 'out' AND p.nm - p.m <= 720 THEN p.nm ELSE p.m + 60 END AS e, \
             pl.kind AS kind FROM p JOIN places pl ON pl.id = p.place_id WHERE p.d = 'in' \
           UNION ALL SELECT p.person_id, p.place_id, p.m, p.m, pl.kind FROM p \
             JOIN places pl ON pl.id = p.place_id \
             WHERE p.d = 'out' AND NOT (p.pd IS NOT NULL AND p.pd = 'in' AND p.m - p.pm <= 720)), \
         c AS (SELECT * FROM s WHERE person_id IN ({cases}))"
    );
    let near = |a: &str, b: &str| {
        format!(
            "(({a}.kind NOT IN ('building', 'care_home') AND {b}.s <= {a}.e + {window} \
               AND {a}.s <= {b}.e + {window}) \
             OR ({a}.kind IN ('building', 'care_home') \
               AND ({b}.s + 480) / 1440 <= ({a}.e + 480) / 1440 \
               AND ({a}.s + 480) / 1440 <= ({b}.e + 480) / 1440))"
        )
    };
    let hop1 = format!(
        "{stays}, h AS (SELECT k.person_id, MIN(CASE WHEN c.s > k.s THEN c.s ELSE k.s END) AS t \
           FROM c JOIN s k ON k.place_id = c.place_id \
           WHERE k.person_id NOT IN ({cases}) AND {} GROUP BY k.person_id)",
        near("c", "k")
    );
    let first = format!("{hop1} SELECT person_id, t FROM h ORDER BY person_id");
    let second = format!(
        "{hop1} SELECT DISTINCT x.person_id, CAST(0 AS BIGINT) FROM h JOIN s k ON k.person_id = h.person_id \
           AND k.e >= h.t JOIN s x ON x.place_id = k.place_id \
           WHERE x.person_id NOT IN ({cases}) AND x.person_id NOT IN (SELECT person_id FROM h) \
           AND {} ORDER BY 1",
        near("k", "x")
    );
    (first, second)
}

async fn rows(app: &TestApp, sql: String) -> BTreeMap<i64, i64> {
    let rows: Vec<(i64, i64)> = platform::with_db!(&app.db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)
        .unwrap();
    rows.into_iter().collect()
}

async fn the_engine_returns_the_contacts_a_plain_sql_self_join_finds(backend: Backend) {
    let app = support::spawn(backend).await;
    let places = places(
        &app,
        &["场所", "场所", "市场", "场所", "楼栋", "场所", "楼栋"],
    )
    .await;
    let client = app.signed_in("checkpoint01").await;
    let mut rng = Rng::new(20200123);
    let items = visits(&mut rng, 240, &places);
    let n = items.len();
    let answer = send(&app, &client, "gate-test", items).await;
    assert_eq!(answer["created"].as_u64(), Some(n as u64), "{answer}");
    let people: BTreeSet<i64> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["person_id"].as_i64().unwrap())
        .collect();
    assert_eq!(people.len(), 240);
    let people: Vec<i64> = people.into_iter().collect();
    for (cases, window) in [
        (vec![people[3], people[100]], 30),
        (vec![people[17]], 30),
        (vec![people[50], people[51], people[52]], 10),
    ] {
        let found = trace(
            &app,
            &client,
            json!({"cases": cases, "window_minutes": window, "second_hop": true}),
        )
        .await;
        let (first, second) = sql(&places, &cases, window);
        let want1 = rows(&app, first).await;
        let want2: BTreeSet<i64> = rows(&app, second).await.into_keys().collect();
        assert!(
            !want1.is_empty() && !want2.is_empty(),
            "a meaningful sample"
        );
        assert_eq!(hop(&found, 1), want1, "close contacts of {cases:?}");
        let got2: BTreeSet<i64> = hop(&found, 2).into_keys().collect();
        assert_eq!(got2, want2, "secondary contacts of {cases:?}");
    }
}

async fn a_trace_sees_passages_committed_after_the_index_was_built(backend: Backend) {
    let app = support::spawn(backend).await;
    let places = places(&app, &["场所"]).await;
    let client = app.signed_in("checkpoint01").await;
    let mut rng = Rng::new(7);
    let (a, b) = (
        testkit::sheets::person(&mut rng, 9001),
        testkit::sheets::person(&mut rng, 9002),
    );
    let at = Utc::now() - Duration::hours(3);
    let item = |p: &testkit::sheets::Person, key: &str, minutes: i64, dir: &str| {
        json!({"event_key": key, "doc_number": p.id, "name": p.name, "place_id": places[0],
               "at": (at + Duration::minutes(minutes)).to_rfc3339(), "direction": dir, "method": "code_scan"})
    };
    let first = send(
        &app,
        &client,
        "gate-a",
        vec![item(&a, "a1", 0, "in"), item(&a, "a2", 45, "out")],
    )
    .await;
    let case = first["items"][0]["person_id"].as_i64().unwrap();
    let before = trace(&app, &client, json!({"cases": [case]})).await;
    assert!(hop(&before, 1).is_empty());
    // B arrives 20 minutes after A left: within the 30-minute window. Sent by another device.
    let second = send(&app, &client, "gate-b", vec![item(&b, "b1", 65, "in")]).await;
    let contact = second["items"][0]["person_id"].as_i64().unwrap();
    let after = trace(&app, &client, json!({"cases": [case]})).await;
    let found = hop(&after, 1);
    assert_eq!(found.keys().copied().collect::<Vec<_>>(), vec![contact]);
    let c = &after["contacts"][0];
    assert_eq!(c["via_person_id"].as_i64(), Some(case));
    assert_eq!(c["place_id"].as_i64(), Some(places[0]));
    assert_eq!(c["duration_minutes"].as_i64(), Some(0));
    // A narrower window drops B.
    let narrow = trace(
        &app,
        &client,
        json!({"cases": [case], "window_minutes": 10}),
    )
    .await;
    assert!(hop(&narrow, 1).is_empty());
}

async fn manual_contacts_and_exclusions_shape_the_trace(backend: Backend) {
    let app = support::spawn(backend).await;
    let places = places(&app, &["场所"]).await;
    let client = app.signed_in("checkpoint01").await;
    let town = app.signed_in("town01").await;
    let mut rng = Rng::new(11);
    let ps: Vec<_> = (0..4)
        .map(|i| testkit::sheets::person(&mut rng, 9100 + i))
        .collect();
    let at = Utc::now() - Duration::hours(5);
    // 0 the case, 1 and 2 at the venue with them, 3 nowhere near (named by the case).
    let items: Vec<Value> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let when = at + Duration::minutes(if i == 3 { -2000 } else { i as i64 * 5 });
            json!({"event_key": format!("k{i}"), "doc_number": p.id, "name": p.name,
                   "place_id": places[0], "at": when.to_rfc3339(), "direction": "in"})
        })
        .collect();
    let sent = send(&app, &client, "gate-m", items).await;
    let id = |i: usize| sent["items"][i]["person_id"].as_i64().unwrap();
    let before = trace(
        &app,
        &client,
        json!({"cases": [id(0)], "second_hop": false}),
    )
    .await;
    assert_eq!(
        hop(&before, 1).keys().copied().collect::<Vec<_>>(),
        vec![id(1), id(2)]
    );
    let audits = support::count(&app, "SELECT COUNT(*) FROM audit_log").await;
    let bad = town
        .post(app.url("/api/v1/epidemic/tracing/manual-contacts"))
        .json(&json!({"case_person_id": id(0), "contact_person_id": id(3), "relationship": "neighbour"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "relationship");
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM audit_log").await,
        audits
    );
    let r = town
        .post(app.url("/api/v1/epidemic/tracing/manual-contacts"))
        .json(
            &json!({"case_person_id": id(0), "contact_person_id": id(3), "relationship": "family"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = town
        .post(app.url("/api/v1/epidemic/tracing/exclusions"))
        .json(&json!({"person_id": id(2), "reason": "protected", "note": "医护人员，防护到位"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM audit_log").await,
        audits + 2
    );
    let after = trace(
        &app,
        &client,
        json!({"cases": [id(0)], "second_hop": false}),
    )
    .await;
    let contacts = after["contacts"].as_array().unwrap();
    let found: Vec<i64> = contacts
        .iter()
        .map(|c| c["person_id"].as_i64().unwrap())
        .collect();
    assert_eq!(found, vec![id(1), id(3)]);
    assert_eq!(contacts[1]["relationship"], "family");
    assert!(contacts[1]["place_id"].is_null());
    assert_eq!(after["excluded"][0]["person_id"].as_i64(), Some(id(2)));
    assert_eq!(after["excluded"][0]["reason"], "protected");
}
