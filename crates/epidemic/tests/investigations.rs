//! Investigations (流调) through the real server on both backends: confirming contacts creates
//! the key-person records, quarantine orders and testing tasks, assigned to the grid workers of
//! the contacts' grids; people already managed are not duplicated; a re-run adds new candidates
//! and keeps decisions; dismissal keeps the reason; bad input changes nothing; a township sees
//! only its own investigations; the export is masked; the contact figures equal an independent
//! count.

mod support;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use testkit::sheets::Rng;
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    confirming_contacts_puts_them_under_the_grid_workers_management,
    a_rerun_keeps_decisions_and_bad_input_changes_nothing,
);

/// The `[lo, hi)` range of an area's subtree.
fn subtree(code: &str) -> (String, String) {
    domain::DivisionCode::parse(code).unwrap().subtree_range()
}

/// Two grids of checkpoint01's township whose grid worker is assigned (包保): (grid code, user).
async fn grids(app: &TestApp) -> Vec<(String, i64)> {
    let (town, hi) = subtree(&app.area_of("checkpoint01").await);
    platform::with_db!(&app.db, pool => sqlx::query_as(
        "SELECT subject_area, user_id FROM responsibilities WHERE subject_kind = 'area' \
         AND role = 'grid_worker' AND ends_on IS NULL AND user_id IS NOT NULL \
         AND subject_area >= $1 AND subject_area < $2 ORDER BY subject_area LIMIT 2")
        .bind(&town).bind(&hi).fetch_all(pool).await)
    .unwrap()
}

/// A venue in each area, registered by the township.
async fn venues(app: &TestApp, areas: &[&str]) -> Vec<i64> {
    let town = app.signed_in("town01").await;
    let mut ids = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        let r = town
            .post(app.url("/api/v1/places"))
            .json(&json!({"kind": "场所", "name": format!("流调测试场所{i}"), "area_code": area}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    ids
}

/// Entry passages (person n, place, minutes after `at`), sent as one device batch; answers the
/// person ids in order of the items (each person registered where they first passed).
async fn passages(
    app: &TestApp,
    device: &str,
    people: &[testkit::sheets::Person],
    items: &[(usize, i64, i64)],
    at: DateTime<Utc>,
) -> Vec<i64> {
    let client = app.signed_in("checkpoint01").await;
    let body: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(k, (n, place, minutes))| {
            let p = &people[*n];
            json!({"event_key": format!("{device}-{k}"), "doc_number": p.id, "name": p.name,
                   "place_id": place, "at": (at + Duration::minutes(*minutes)).to_rfc3339(),
                   "direction": "in"})
        })
        .collect();
    let r = client
        .post(app.url("/api/v1/epidemic/passages/batch"))
        .json(&json!({"device": device, "items": body}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["person_id"]
                .as_i64()
                .unwrap_or_else(|| panic!("recorded: {i}"))
        })
        .collect()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    support::count(app, sql).await
}

/// What confirming may change.
async fn counts(app: &TestApp) -> [i64; 5] {
    [
        count(app, "SELECT COUNT(*) FROM epi_key_persons").await,
        count(app, "SELECT COUNT(*) FROM epi_quarantine_orders").await,
        count(app, "SELECT COUNT(*) FROM epi_test_requirements").await,
        count(app, "SELECT COUNT(*) FROM audit_log").await,
        count(
            app,
            "SELECT COUNT(*) FROM epi_investigation_contacts WHERE state <> 'candidate'",
        )
        .await,
    ]
}

struct Scene {
    id: i64,
    case: i64,
    /// x close (grid A), y close (grid B), m close and already managed, s secondary via x.
    x: i64,
    y: i64,
    m: i64,
    s: i64,
    grids: Vec<(String, i64)>,
    venues: Vec<i64>,
    people: Vec<testkit::sheets::Person>,
    at: DateTime<Utc>,
}

/// A case at venue A then venue B; x and m at A with the case; y at B with the case; x later at
/// B with s (a secondary contact). m is already a key person. town01 starts the investigation.
async fn scene(app: &TestApp) -> Scene {
    let grids = grids(app).await;
    assert_eq!(grids.len(), 2, "two grids with their grid worker");
    let venues = venues(app, &[&grids[0].0, &grids[1].0]).await;
    let mut rng = Rng::new(77);
    let people: Vec<_> = (0..7)
        .map(|i| testkit::sheets::person(&mut rng, 9300 + i))
        .collect();
    let at = Utc::now() - Duration::days(3);
    let (a, b) = (venues[0], venues[1]);
    // x registers at A, y and s at B: their grids differ.
    let ids = passages(
        app,
        "gate-inv",
        &people,
        &[
            (0, a, 0),
            (1, a, 10),
            (3, a, 15),
            (0, b, 300),
            (2, b, 305),
            (4, b, 2000),
            (1, b, 2010),
        ],
        at,
    )
    .await;
    let (case, x, m, y, s) = (ids[0], ids[1], ids[2], ids[4], ids[5]);
    let town = app.signed_in("town01").await;
    let r = town
        .post(app.url("/api/v1/epidemic/key-persons"))
        .json(&json!({"person_id": m, "category": "observation", "reason": "居家观察"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = town
        .post(app.url("/api/v1/epidemic/investigations"))
        .json(&json!({"cases": [case]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["close_contacts"], 3, "{created}");
    assert_eq!(created["secondary_contacts"], 1, "{created}");
    assert_eq!(created["status"], "open");
    Scene {
        id: created["id"].as_i64().unwrap(),
        case,
        x,
        y,
        m,
        s,
        grids,
        venues,
        people,
        at,
    }
}

fn contact(detail: &Value, person: i64) -> &Value {
    detail["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["person_id"].as_i64() == Some(person))
        .unwrap_or_else(|| panic!("{person} in {detail}"))
}

async fn confirming_contacts_puts_them_under_the_grid_workers_management(backend: Backend) {
    let app = support::spawn(backend).await;
    let sc = scene(&app).await;
    let town = app.signed_in("town01").await;
    let path = format!("/api/v1/epidemic/investigations/{}", sc.id);
    let detail = app.get_json(&town, &path).await;
    let x = contact(&detail, sc.x);
    assert_eq!(x["hop"], 1);
    assert_eq!(x["via_person_id"].as_i64(), Some(sc.case));
    assert_eq!(x["place_id"].as_i64(), Some(sc.venues[0]));
    assert_eq!(x["place_name"], "流调测试场所0");
    assert_eq!(x["state"], "candidate");
    let doc = x["doc_number"].as_str().unwrap();
    assert!(doc.contains('*') && doc != sc.people[1].id, "masked: {doc}");
    let s = contact(&detail, sc.s);
    assert_eq!(
        (s["hop"].as_i64(), s["via_person_id"].as_i64()),
        (Some(2), Some(sc.x))
    );

    let before = counts(&app).await;
    let r = town
        .post(app.url(&format!("{path}/confirm")))
        .json(&json!({"contacts": [sc.x, sc.s, sc.m], "quarantine": "home"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["confirmed"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(out["already_managed"][0]["person_id"].as_i64(), Some(sc.m));
    let after = counts(&app).await;
    let tests: usize = out["confirmed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["test_requirement_ids"].as_array().unwrap().len())
        .sum();
    assert!(tests >= 2);
    // Two key persons, two orders, their tests, two key-person audits and one for the
    // investigation, three decisions; the already-managed person got nothing new.
    assert_eq!(
        after,
        [
            before[0] + 2,
            before[1] + 2,
            before[2] + tests as i64,
            before[3] + 3,
            before[4] + 3
        ]
    );
    for (person, category, grid) in [
        (sc.x, "close_contact", &sc.grids[0]),
        (sc.s, "secondary_contact", &sc.grids[1]),
    ] {
        let (kp, cat, source, source_ref, area, grid_user, exposure): (
            i64,
            String,
            String,
            Option<String>,
            String,
            Option<i64>,
            Option<chrono::NaiveDate>,
        ) = platform::with_db!(&app.db, pool => sqlx::query_as(
            "SELECT id, category, source, source_ref, area_code, grid_user_id, exposure_on \
             FROM epi_key_persons WHERE person_id = $1 AND status <> 'ended'")
            .bind(person).fetch_one(pool).await)
        .unwrap();
        assert_eq!(cat, category);
        assert_eq!(source, "tracing");
        assert_eq!(source_ref, Some(format!("investigation:{}", sc.id)));
        assert_eq!(area, grid.0);
        assert_eq!(grid_user, Some(grid.1), "the grid worker of {}", grid.0);
        assert!(exposure.is_some());
        let (kind, status, order_kp, cadre, order_area): (String, String, Option<i64>, Option<i64>, String) =
            platform::with_db!(&app.db, pool => sqlx::query_as(
            "SELECT kind, status, key_person_id, cadre_user_id, area_code FROM epi_quarantine_orders \
             WHERE person_id = $1")
            .bind(person).fetch_one(pool).await)
            .unwrap();
        assert_eq!((kind.as_str(), status.as_str()), ("home", "referred"));
        assert_eq!(order_kp, Some(kp));
        assert_eq!(cadre, Some(grid.1));
        assert_eq!(order_area, grid.0);
        let (n, areas): (i64, i64) = platform::with_db!(&app.db, pool => sqlx::query_as(
            "SELECT COUNT(*), COUNT(DISTINCT area_code) FROM epi_test_requirements \
             WHERE person_id = $1 AND reason = 'quarantine' AND area_code = $2")
            .bind(person).bind(&grid.0).fetch_one(pool).await)
        .unwrap();
        assert!(n >= 1 && areas == 1, "tests for {person} in {}", grid.0);
    }
    // The already-managed person keeps their one episode.
    let episodes = platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM epi_key_persons WHERE person_id = $1")
        .bind(sc.m).fetch_one(pool).await)
    .unwrap();
    assert_eq!(episodes, 1);
    let detail = app.get_json(&town, &path).await;
    assert_eq!(contact(&detail, sc.x)["state"], "confirmed");
    assert!(contact(&detail, sc.x)["key_person_id"].as_i64().is_some());
    assert_eq!(contact(&detail, sc.y)["state"], "candidate");

    // The chain graph: the case, its three close contacts, one secondary contact via x.
    let graph = app.get_json(&town, &format!("{path}/graph")).await;
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 5);
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| { e["source"].as_i64() == Some(sc.x) && e["target"].as_i64() == Some(sc.s) })
    );

    // The export opens, lists every contact, and masks the ID numbers.
    let r = town
        .get(app.url(&format!("/epidemic/investigations/{}/export/xlsx", sc.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    for p in &sc.people[1..5] {
        assert!(text.contains(&p.name), "{} in the export", p.name);
        assert!(!text.iter().any(|t| t.contains(&p.id)), "no full ID number");
    }
    assert!(text.iter().any(|t| t.contains('*')));
    let r = town
        .get(app.url(&format!("/epidemic/investigations/{}/export/csv", sc.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.contains(&sc.people[1].name) && !csv.contains(&sc.people[1].id));

    // The figures equal an independent count for the township today.
    let commander = app.signed_in("commander").await;
    let township = app.area_of("checkpoint01").await;
    let today = epidemic::time::today();
    let (lo, hi) = subtree(&township);
    for (key, sql) in [
        (
            "epidemic.close_contacts_found",
            "SELECT COUNT(DISTINCT person_id) FROM epi_investigation_contacts \
             WHERE state = 'confirmed' AND hop = 1 AND area_code >= $1 AND area_code < $2",
        ),
        (
            "epidemic.secondary_contacts_found",
            "SELECT COUNT(DISTINCT person_id) FROM epi_investigation_contacts \
             WHERE state = 'confirmed' AND hop = 2 AND area_code >= $1 AND area_code < $2",
        ),
        (
            "epidemic.close_contacts_managed",
            "SELECT COUNT(*) FROM epi_key_persons WHERE category = 'close_contact' \
             AND status <> 'ended' AND area_code >= $1 AND area_code < $2",
        ),
        (
            "epidemic.secondary_contacts_managed",
            "SELECT COUNT(*) FROM epi_key_persons WHERE category = 'secondary_contact' \
             AND status <> 'ended' AND area_code >= $1 AND area_code < $2",
        ),
    ] {
        let want: i64 =
            platform::with_db!(&app.db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(&lo).bind(&hi).fetch_one(pool).await)
            .unwrap();
        let got = app
            .get_json(
                &commander,
                &format!("/api/v1/figures/{key}?area={township}&date={today}"),
            )
            .await;
        assert_eq!(got["value"].as_f64().unwrap() as i64, want, "{key}");
    }
    // x, s and m were confirmed within the hour of the investigation's start: 100 %.
    let got = app
        .get_json(
            &commander,
            &format!(
                "/api/v1/figures/epidemic.contacts_found_within_24h?area={township}&date={today}"
            ),
        )
        .await;
    assert_eq!(got["value"].as_f64(), Some(100.0));
    // Found figures count up to the day: nothing the day before.
    let yesterday = today.pred_opt().unwrap();
    let got = app
        .get_json(
            &commander,
            &format!(
                "/api/v1/figures/epidemic.close_contacts_found?area={township}&date={yesterday}"
            ),
        )
        .await;
    assert_eq!(got["value"].as_f64(), Some(0.0));
}

async fn a_rerun_keeps_decisions_and_bad_input_changes_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let sc = scene(&app).await;
    let town = app.signed_in("town01").await;
    let path = format!("/api/v1/epidemic/investigations/{}", sc.id);
    let post = |suffix: &str, body: Value| {
        let request = town.post(app.url(&format!("{path}{suffix}"))).json(&body);
        async move { request.send().await.unwrap() }
    };

    // Bad input: 422, naming the field, and nothing changes.
    let before = counts(&app).await;
    for (suffix, body, field) in [
        ("/confirm", json!({"contacts": [999_999_999]}), "contacts"),
        ("/confirm", json!({"contacts": [sc.case]}), "contacts"),
        (
            "/confirm",
            json!({"contacts": [sc.x, 999_999_999]}),
            "contacts",
        ),
        ("/confirm", json!({"contacts": []}), "contacts"),
        (
            "/confirm",
            json!({"contacts": [sc.x], "quarantine": "hotel"}),
            "quarantine",
        ),
        (
            "/dismiss",
            json!({"contacts": [sc.y], "reason": " "}),
            "reason",
        ),
        (
            "/dismiss",
            json!({"contacts": [sc.case], "reason": "无接触"}),
            "contacts",
        ),
    ] {
        let r = post(suffix, body.clone()).await;
        assert_eq!(r.status(), 422, "{suffix} {body}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["field"], field, "{suffix} {body}");
    }
    let r = town
        .post(app.url("/api/v1/epidemic/investigations"))
        .json(&json!({"cases": [999_999_999]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(counts(&app).await, before);

    // Decide: x confirmed (no quarantine: community tests), y dismissed with the reason.
    let r = post("/confirm", json!({"contacts": [sc.x]})).await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert!(out["confirmed"][0]["quarantine_order_id"].is_null());
    let tracing_tests = platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM epi_test_requirements WHERE person_id = $1 AND reason = 'tracing'")
        .bind(sc.x).fetch_one(pool).await)
    .unwrap();
    assert!(tracing_tests >= 1);
    let r = post(
        "/dismiss",
        json!({"contacts": [sc.y], "reason": "防护到位，未直接接触"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // x confirmed already: neither confirmed nor dismissed again.
    let again = counts(&app).await;
    let r = post("/confirm", json!({"contacts": [sc.x]})).await;
    assert_eq!(r.status(), 422);
    let r = post("/dismiss", json!({"contacts": [sc.x], "reason": "重复"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(counts(&app).await, again);

    // A new passage: z at venue A with the case. The re-run adds z and keeps the decisions.
    let z = passages(
        &app,
        "gate-late",
        &sc.people,
        &[(5, sc.venues[0], 20)],
        sc.at,
    )
    .await[0];
    let r = post("/run", json!({})).await;
    assert_eq!(r.status(), 200);
    let ran: Value = r.json().await.unwrap();
    assert_eq!(ran["added"], 1, "{ran}");
    let detail = app.get_json(&town, &path).await;
    assert_eq!(contact(&detail, z)["state"], "candidate");
    assert_eq!(contact(&detail, sc.x)["state"], "confirmed");
    let y = contact(&detail, sc.y);
    assert_eq!(y["state"], "dismissed");
    assert_eq!(y["dismissed_reason"], "防护到位，未直接接触");
    let filtered = app
        .get_json(&town, &format!("{path}?hop=1&state=candidate"))
        .await;
    let people: Vec<i64> = filtered["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["person_id"].as_i64().unwrap())
        .collect();
    assert!(people.contains(&z) && people.contains(&sc.m) && !people.contains(&sc.x));

    // A long list comes a page at a time, in the same order, with the total on every page.
    let ids = |d: &Value| -> Vec<i64> {
        d["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["person_id"].as_i64().unwrap())
            .collect()
    };
    let all = ids(&detail);
    assert!(all.len() >= 3, "{detail}");
    let mut paged = Vec::new();
    for offset in 0..all.len() {
        let one = app
            .get_json(&town, &format!("{path}?limit=1&offset={offset}"))
            .await;
        assert_eq!(one["total_contacts"].as_u64().unwrap() as usize, all.len());
        paged.extend(ids(&one));
    }
    assert_eq!(paged, all);
    for bad in ["limit=0", "limit=5001", "offset=-1"] {
        let r = town
            .get(app.url(&format!("{path}?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
    }

    // Scope: another township neither lists nor reads it; its own township does.
    let other = app.signed_in("town02").await;
    let r = other.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = other
        .post(app.url(&format!("{path}/confirm")))
        .json(&json!({"contacts": [z]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let listed = app
        .get_json(&other, "/api/v1/epidemic/investigations")
        .await;
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"].as_i64() == Some(sc.id))
    );
    let listed = app.get_json(&town, "/api/v1/epidemic/investigations").await;
    assert_eq!(listed["items"][0]["id"].as_i64(), Some(sc.id));
    assert_eq!(listed["items"][0]["confirmed"], 1);

    // The pages: the list, the review page with its rows, confirming through the form.
    let r = town
        .get(app.url("/epidemic/investigations"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("/epidemic/investigations/{}", sc.id))
    );
    let r = town
        .get(app.url(&format!("/epidemic/investigations/{}", sc.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{z}\"")) && html.contains("chain-graph"));
    let r = town
        .post(app.url(&format!("/epidemic/investigations/{}/decide", sc.id)))
        .form(&[
            ("contacts", z.to_string()),
            ("action", "confirm".into()),
            ("quarantine", "centralized".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let kind: String = platform::with_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT kind FROM epi_quarantine_orders WHERE person_id = $1")
        .bind(z).fetch_one(pool).await)
    .unwrap();
    assert_eq!(kind, "centralized");
    let r = town
        .post(app.url(&format!("/epidemic/investigations/{}/decide", sc.id)))
        .form(&[("contacts", z.to_string()), ("action", "confirm".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Closed: no more runs or decisions; closing twice is a conflict.
    let r = post("/close", json!({})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "closed");
    let closed = counts(&app).await;
    assert_eq!(post("/close", json!({})).await.status(), 409);
    assert_eq!(post("/run", json!({})).await.status(), 409);
    assert_eq!(
        post("/dismiss", json!({"contacts": [sc.m], "reason": "无接触"}))
            .await
            .status(),
        409
    );
    assert_eq!(counts(&app).await, closed);
    // A new investigation from the page form.
    let r = town
        .post(app.url("/epidemic/investigations/new"))
        .form(&[("case", sc.y.to_string()), ("title", "第二轮流调".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/epidemic/investigations/")
    );
}
