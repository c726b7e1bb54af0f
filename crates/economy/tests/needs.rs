//! Enterprise needs and PPE through the API: a need filed by an enterprise account reaches the
//! department its category routes to, in that department's inbox with a deadline; the answer
//! comes back to the enterprise, which rates it, and the rating reaches the ticket. An
//! enterprise account cannot see or file for another enterprise. A producer's output moves the
//! PPE figures and the shortfall against the district's demand.

mod support;

use serde_json::{Value, json};
use testkit::{Backend, TestApp, backend_tests};

backend_tests!(
    a_need_filed_by_an_enterprise_reaches_the_departments_inbox_and_the_rating_comes_back,
    an_enterprise_account_cannot_see_or_file_for_another_enterprise,
    a_producers_output_moves_the_ppe_figures_and_the_shortfall,
    the_phone_form_reports_output_for_the_own_enterprise_only
);

async fn figure(app: &TestApp, client: &reqwest::Client, key: &str, area: &str) -> f64 {
    let v: Value = app
        .get_json(client, &format!("/api/v1/figures/{key}?area={area}"))
        .await;
    v["value"].as_f64().unwrap_or_else(|| panic!("{key}: {v}"))
}

async fn act(
    app: &TestApp,
    client: &reqwest::Client,
    ticket: i64,
    action: &str,
    reason: Option<&str>,
) {
    let t: Value = app
        .get_json(client, &format!("/api/v1/tickets/{ticket}"))
        .await;
    let r = client
        .post(app.url(&format!("/api/v1/tickets/{ticket}/actions")))
        .json(&json!({"action": action, "version": t["ticket"]["version"], "reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap());
}

async fn a_need_filed_by_an_enterprise_reaches_the_departments_inbox_and_the_rating_comes_back(
    backend: Backend,
) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let department = app.signed_in("dept-development").await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("commander").await;
    let open_before = figure(&app, &commander, "economy.needs_open", &district).await;

    let r = account
        .post(app.url("/api/v1/economy/needs"))
        .json(&json!({"enterprise_id": own, "category": "finance",
            "title": "流动资金紧张，申请贷款展期", "description": "一笔300万元贷款4月到期"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let need: Value = r.json().await.unwrap();
    let id = need["id"].as_i64().unwrap();
    let ticket = need["ticket_id"].as_i64().unwrap();
    assert!(
        need["owner_unit_name"]
            .as_str()
            .unwrap()
            .ends_with("发展和改革局"),
        "{need}"
    );
    assert!(need["due_at"].is_string(), "a deadline: {need}");
    assert_eq!(
        figure(&app, &commander, "economy.needs_open", &district).await,
        open_before + 1.0
    );

    // It waits in the department's inbox, with its deadline.
    let inbox: Value = app.get_json(&department, "/api/v1/inbox").await;
    let mine = inbox["todo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"].as_i64() == Some(ticket))
        .unwrap_or_else(|| panic!("not in the inbox: {inbox}"));
    assert_eq!(mine["kind"], json!("economy.need"));
    assert_eq!(mine["due_at"], need["due_at"]);

    // Not answered yet: nothing to rate.
    let r = account
        .post(app.url(&format!("/api/v1/economy/needs/{id}/rating")))
        .json(&json!({"rating": "satisfied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    act(&app, &department, ticket, "accept", None).await;
    act(
        &app,
        &department,
        ticket,
        "handle",
        Some("已协调银行同意展期三个月"),
    )
    .await;

    // The enterprise reads the answer and rates it; the rating reaches the ticket.
    let seen: Value = app
        .get_json(&account, &format!("/api/v1/economy/needs/{id}"))
        .await;
    assert_eq!(seen["answer"], json!("已协调银行同意展期三个月"));
    let page = account
        .get(app.url(&format!("/economy/needs/{id}")))
        .send()
        .await
        .unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("已协调银行同意展期三个月")
    );
    let r = account
        .post(app.url(&format!("/api/v1/economy/needs/{id}/rating")))
        .json(&json!({"rating": "great"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = account
        .post(app.url(&format!("/api/v1/economy/needs/{id}/rating")))
        .json(&json!({"rating": "satisfied", "comment": "办理及时"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rated: Value = r.json().await.unwrap();
    assert_eq!(rated["rating"], json!("satisfied"));
    let t: Value = app
        .get_json(&department, &format!("/api/v1/tickets/{ticket}"))
        .await;
    assert_eq!(t["ticket"]["rating"], json!("satisfied"));
    assert_eq!(t["ticket"]["callback_done"], json!(true));
    let callback = t["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "callback")
        .expect("the callback on the timeline");
    assert_eq!(callback["detail"], json!("办理及时"));
}

async fn an_enterprise_account_cannot_see_or_file_for_another_enterprise(backend: Backend) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let other = support::neighbour_of(&app, "enterprise01", own).await;
    let account = app.signed_in("enterprise01").await;
    let town = app.signed_in("town01").await;
    let needs = "SELECT COUNT(*) FROM eco_needs";
    let before = support::scalar(&app, needs, &[]).await;

    let r = account
        .post(app.url("/api/v1/economy/needs"))
        .json(&json!({"enterprise_id": other, "category": "labour", "title": "招工"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = account
        .post(app.url("/economy/need"))
        .form(&[
            ("enterprise_id", other.to_string().as_str()),
            ("category", "labour"),
            ("title", "招工"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "the form files for the account's own enterprise only"
    );
    assert_eq!(support::scalar(&app, needs, &[]).await, before + 1);
    let filed: Value = app.get_json(&account, "/api/v1/economy/needs").await;
    assert!(
        filed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["enterprise_id"].as_i64() == Some(own)),
        "{filed}"
    );

    // The township files one for the neighbour: the account neither sees nor lists it.
    let r = town
        .post(app.url("/api/v1/economy/needs"))
        .json(&json!({"enterprise_id": other, "category": "logistics", "title": "通行证"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let theirs = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/economy/needs/{theirs}"),
        format!("/economy/needs/{theirs}"),
    ] {
        let r = account.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    for path in [
        format!("/api/v1/economy/needs?enterprise_id={other}"),
        format!("/api/v1/economy/reports?enterprise_id={other}"),
    ] {
        let r = account.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = account
        .post(app.url(&format!("/api/v1/economy/needs/{theirs}/rating")))
        .json(&json!({"rating": "dissatisfied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = account
        .post(app.url("/api/v1/economy/ppe/output"))
        .json(&json!({"enterprise_id": other, "product": "masks", "quantity": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = account
        .put(app.url("/api/v1/economy/need-routes"))
        .json(&json!({"category": "labour", "unit_id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn a_producers_output_moves_the_ppe_figures_and_the_shortfall(backend: Backend) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let town = app.signed_in("town01").await;
    let commander = app.signed_in("commander").await;
    let district = app.area_of("commander").await;
    // Whatever the demo made it, it starts as no producer.
    let r = town
        .put(app.url(&format!("/api/v1/economy/ppe/producers/{own}")))
        .json(&json!({"lines": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let output_before = figure(&app, &commander, "economy.ppe_output.masks", &district).await;

    let r = commander
        .put(app.url("/api/v1/economy/ppe/demand"))
        .json(&json!({"product": "masks", "daily_demand": 900_000_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Not yet a producer of masks: its output is refused.
    let r = account
        .post(app.url("/api/v1/economy/ppe/output"))
        .json(&json!({"enterprise_id": own, "product": "masks", "quantity": 800}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = town
        .put(app.url(&format!("/api/v1/economy/ppe/producers/{own}")))
        .json(&json!({"lines": [{"product": "masks", "daily_capacity": 1000}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = account
        .post(app.url("/api/v1/economy/ppe/output"))
        .json(&json!({"enterprise_id": own, "product": "masks", "quantity": 800}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mine: Value = r.json().await.unwrap();
    assert_eq!(mine["products"][0]["spare_capacity"].as_i64(), Some(200));

    let output = figure(&app, &commander, "economy.ppe_output.masks", &district).await;
    assert_eq!(output, output_before + 800.0);
    let shortfall = figure(&app, &commander, "economy.ppe_shortfall.masks", &district).await;
    assert_eq!(shortfall, 900_000_000.0 - output);
    let supply: Value = app.get_json(&commander, "/api/v1/economy/ppe").await;
    assert_eq!(supply["products"][0]["output"].as_f64(), Some(output));
    assert_eq!(supply["products"][0]["demand"].as_i64(), Some(900_000_000));

    // A second report of the day replaces the first.
    let r = account
        .post(app.url("/api/v1/economy/ppe/output"))
        .json(&json!({"enterprise_id": own, "product": "masks", "quantity": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        figure(&app, &commander, "economy.ppe_output.masks", &district).await,
        output_before + 500.0
    );
    let r = account
        .post(app.url("/api/v1/economy/ppe/output"))
        .json(&json!({"enterprise_id": own, "product": "masks", "quantity": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = commander.get(app.url("/economy/ppe")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("口罩"));
}

/// The PPE phone form: an enterprise account reports its own output (the enterprise is not
/// chosen, and an id typed into the form is ignored); a bad quantity or a product it does not
/// make answers on the form in Chinese and records nothing.
async fn the_phone_form_reports_output_for_the_own_enterprise_only(backend: Backend) {
    let app = support::spawn(backend).await;
    let (own, _) = support::enterprise_of(&app, "enterprise01").await;
    let account = app.signed_in("enterprise01").await;
    let town = app.signed_in("town01").await;
    let r = town
        .put(app.url(&format!("/api/v1/economy/ppe/producers/{own}")))
        .json(&json!({"lines": [{"product": "disinfectant", "daily_capacity": 300}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let form = account
        .get(app.url("/economy/ppe/output"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("填报防疫物资产量") && html.contains("消毒液"));
    assert!(
        !html.contains("name=\"enterprise_id\" type=\"text\""),
        "no enterprise picker for an enterprise account"
    );

    let stored = |product: &'static str| {
        let app = &app;
        async move {
            platform::with_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM eco_ppe_output WHERE enterprise_id = $1 AND product = $2")
                .bind(own).bind(product).fetch_one(pool).await)
            .unwrap()
        }
    };
    for (product, quantity, message) in [
        ("disinfectant", "-5", "数量应为"),
        ("masks", "10", "没有登记这种物资的产能"),
    ] {
        let r = account
            .post(app.url("/economy/ppe/output"))
            .form(&[
                ("enterprise_id", "999999"),
                ("product", product),
                ("quantity", quantity),
                ("date", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(
            r.text().await.unwrap().contains(message),
            "{product} {quantity}"
        );
    }
    assert_eq!(stored("disinfectant").await, 0);
    let r = account
        .post(app.url("/economy/ppe/output"))
        .form(&[
            ("enterprise_id", "999999"),
            ("product", "disinfectant"),
            ("quantity", "280"),
            ("date", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains(&format!("enterprise_id={own}")), "{back}");
    assert_eq!(stored("disinfectant").await, 280);
    let html = account
        .get(app.url(&back))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("产量已保存") && html.contains("280"));
}
