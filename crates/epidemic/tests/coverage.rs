//! Testing coverage through the real server on both backends: the untested list of a group
//! equals, person for person, an independent count from the database; the call list exports;
//! by-area rows add up; groups are checked and scoped.

mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    the_untested_list_of_a_staff_group_equals_an_independent_count,
    the_untested_list_of_a_round_equals_an_independent_count_and_exports,
    bad_groups_name_the_field_and_change_nothing,
);

async fn all_untested(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get_json(
                client,
                &format!("/api/v1/epidemic/coverage/untested?limit=7&{query}{cursor}"),
            )
            .await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return all,
        }
    }
}

fn ids(rows: &[Value]) -> BTreeSet<i64> {
    rows.iter()
        .map(|r| r["person_id"].as_i64().unwrap())
        .collect()
}

async fn the_untested_list_of_a_staff_group_equals_an_independent_count(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let area = app.area_of("town01").await;
    // Twenty people of the township, the demo sampled about half of them in the last days.
    const PEOPLE: &str =
        "SELECT id FROM persons WHERE area_code >= $1 AND area_code < $2 ORDER BY id LIMIT 20";
    let (lo, hi) = domain::DivisionCode::parse(&area).unwrap().subtree_range();
    let people: Vec<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(PEOPLE)
        .bind(&lo).bind(&hi).fetch_all(pool).await)
    .unwrap();
    let r = town
        .post(app.url("/api/v1/epidemic/coverage/groups"))
        .json(&json!({"name": "冷链从业人员", "area_code": area, "every_days": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let group: Value = r.json().await.unwrap();
    let gid = group["id"].as_i64().unwrap();
    let members: Vec<Value> = people.iter().map(|p| json!({"person_id": p})).collect();
    let r = town
        .post(app.url(&format!("/api/v1/epidemic/coverage/groups/{gid}/members")))
        .json(&json!({"members": members}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    for date in [0i64, 1, 2] {
        let day = platform::responsibility::today() - chrono::Duration::days(date);
        let query = format!("group=staff:{gid}&date={day}");
        let listed = ids(&all_untested(&app, &town, &query).await);
        // Independently: members without a sample in the two days up to `day`.
        const SQL: &str = "SELECT m.person_id FROM epi_staff_members m WHERE m.group_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM epi_sample_members s WHERE s.person_id = m.person_id \
             AND s.sampled_on >= $2 AND s.sampled_on <= $3)";
        let expected: Vec<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL)
            .bind(gid).bind(day - chrono::Duration::days(1)).bind(day).fetch_all(pool).await)
        .unwrap();
        let expected: BTreeSet<i64> = expected.into_iter().collect();
        assert_eq!(listed, expected, "on {day}");
        let summary = app
            .get_json(&town, &format!("/api/v1/epidemic/coverage?{query}"))
            .await;
        assert_eq!(summary["total"]["must"], 20);
        assert_eq!(summary["total"]["untested"], expected.len() as i64);
        let rows = summary["children"].as_array().unwrap();
        let sum: i64 = rows.iter().map(|r| r["untested"].as_i64().unwrap()).sum();
        assert_eq!(sum, expected.len() as i64);
    }
    // A new sample for a listed member takes them off the list at once.
    let today = platform::responsibility::today();
    let listed = ids(&all_untested(&app, &town, &format!("group=staff:{gid}")).await);
    let first = *listed.iter().next().expect("someone untested");
    let r = town
        .post(app.url("/api/v1/epidemic/samples"))
        .json(&json!({"barcode": "STAFF-00001", "members": [{"person_id": first}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let after = ids(&all_untested(&app, &town, &format!("group=staff:{gid}&date={today}")).await);
    assert!(!after.contains(&first));
    assert_eq!(after.len(), listed.len() - 1);
}

async fn the_untested_list_of_a_round_equals_an_independent_count_and_exports(backend: Backend) {
    let app = support::spawn(backend).await;
    let commander = app.signed_in("commander").await;
    let groups = app
        .get_json(&commander, "/api/v1/epidemic/coverage/groups")
        .await;
    let round = &groups["rounds"][0];
    let (rid, area) = (
        round["id"].as_i64().unwrap(),
        round["area_code"].as_str().unwrap().to_string(),
    );
    let starts = round["starts_on"].as_str().unwrap().to_string();
    let query = format!("group=round:{rid}");
    let listed = all_untested(&app, &commander, &query).await;
    const SQL: &str = "SELECT p.id FROM persons p WHERE p.area_code >= $1 AND p.area_code < $2 \
         AND p.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM epi_sample_members s \
         WHERE s.person_id = p.id AND s.sampled_on >= $3 AND s.sampled_on <= $4)";
    let (lo, hi) = domain::DivisionCode::parse(&area).unwrap().subtree_range();
    let from = chrono::NaiveDate::parse_from_str(&starts, "%Y-%m-%d").unwrap();
    let expected: Vec<i64> = platform::with_db!(&app.db, pool => sqlx::query_scalar(SQL)
        .bind(&lo).bind(&hi).bind(from).bind(platform::responsibility::today()).fetch_all(pool).await)
    .unwrap();
    assert!(!expected.is_empty());
    assert_eq!(ids(&listed), expected.into_iter().collect::<BTreeSet<_>>());
    assert!(
        listed
            .iter()
            .all(|r| r["phone"].as_str().unwrap_or("").is_empty()
                || r["phone"].as_str().unwrap().contains('*'))
    );

    // The call list as CSV: a header and one line per untested person, masked.
    let r = commander
        .get(app.url(&format!("/epidemic/coverage/export/csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), listed.len() + 1, "{text}");
    let doc = listed[0]["doc_number"].as_str().unwrap();
    assert!(text.contains(doc) && doc.contains('*'));
    let r = commander
        .get(app.url(&format!("/epidemic/coverage/export/xlsx?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn bad_groups_name_the_field_and_change_nothing(backend: Backend) {
    let app = support::spawn(backend).await;
    let town = app.signed_in("town01").await;
    let area = app.area_of("town01").await;
    let other = app.area_of("town02").await;
    for (body, status, field) in [
        (
            json!({"name": "", "area_code": area, "every_days": 7}),
            422,
            Some("name"),
        ),
        (
            json!({"name": "养老院工作人员", "area_code": area, "every_days": 0}),
            422,
            Some("every_days"),
        ),
        (
            json!({"name": "养老院工作人员", "area_code": other, "every_days": 7}),
            403,
            None,
        ),
    ] {
        let r = town
            .post(app.url("/api/v1/epidemic/coverage/groups"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status);
        if let Some(field) = field {
            let err: Value = r.json().await.unwrap();
            assert_eq!(err["error"]["field"], field);
        }
    }
    assert_eq!(
        support::count(&app, "SELECT COUNT(*) FROM epi_staff_groups").await,
        1
    );
    let r = town
        .get(app.url("/api/v1/epidemic/coverage?group=nonsense"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}
