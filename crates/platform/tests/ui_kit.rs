//! The UI kit through the server: inline validation, the area picker, the style page's table
//! (sort, filter, keyset pages, export), flash messages, and the command-screen layout.

use testkit::{Backend, backend_tests, spawn_app};

backend_tests!(
    inline_validation_explains_or_confirms_a_value,
    the_area_picker_searches_only_the_users_subtree,
    the_style_page_table_sorts_filters_and_pages,
    a_flash_key_from_the_catalog_shows_once_and_other_text_never,
);

async fn inline_validation_explains_or_confirms_a_value(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.signed_in("g010101").await;
    let get = |path: String| {
        let client = client.clone();
        async move { client.get(path).send().await.unwrap().text().await.unwrap() }
    };
    let ok = get(app.url("/ui/validate/id_number?field=idn&idn=11010519491231002x")).await;
    assert!(
        ok.contains("class=\"field-hint\"") && ok.contains("女") && ok.contains("1949年12月31日"),
        "{ok}"
    );
    assert!(
        ok.contains("id=\"f-idn-error\""),
        "the fragment replaces the field's error element: {ok}"
    );
    let bad = get(app.url("/ui/validate/id_number?field=idn&idn=110105194912310021")).await;
    assert!(
        bad.contains("class=\"field-error\"") && bad.contains("校验位"),
        "{bad}"
    );
    let date = get(app.url("/ui/validate/date?field=d&d=2020%E5%B9%B43%E6%9C%8810%E6%97%A5")).await;
    assert!(date.contains("2020年3月10日"), "{date}");
    let impossible = get(app.url("/ui/validate/date?field=d&d=2020-02-30")).await;
    assert!(impossible.contains("role=\"alert\""), "{impossible}");
    let phone = get(app.url("/ui/validate/phone?field=p&p=%2B86%20138-1234-5678")).await;
    assert!(
        phone.contains("hidden"),
        "a valid phone clears the error: {phone}"
    );
    let empty = get(app.url("/ui/validate/phone?field=p&p=")).await;
    assert!(empty.contains("hidden"));
    let unknown = client
        .get(app.url("/ui/validate/bank_card?field=x&x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    // Escaped: a field name cannot inject markup.
    let sneaky =
        get(app.url("/ui/validate/phone?field=%22%3E%3Cscript%3E&%22%3E%3Cscript%3E=1")).await;
    assert!(!sneaky.contains("<script>"), "{sneaky}");
}

async fn the_area_picker_searches_only_the_users_subtree(backend: Backend) {
    let app = spawn_app(backend).await;
    let town = app.signed_in("town01").await;
    let me: serde_json::Value = town
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = me["area_code"].as_str().unwrap().to_string();
    let first = town
        .get(app.url("/ui/pick/areas?field=a&a="))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains(&format!("data-pick-value=\"{mine}\"")),
        "{first}"
    );
    assert_eq!(
        first.matches("data-pick-value=").count(),
        3,
        "the township and its two villages: {first}"
    );
    let grids = town
        .get(app.url("/ui/pick/areas?field=a&a=%E7%BD%91%E6%A0%BC"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(grids.matches("data-pick-value=").count(), 4, "{grids}");
    for code in grids.split("data-pick-value=\"").skip(1).map(|r| &r[..15]) {
        assert!(code.starts_with(&mine[..9]), "{code} outside {mine}");
    }
    let none = town
        .get(app.url("/ui/pick/areas?field=a&a=%E4%B8%8D%E5%AD%98%E5%9C%A8"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(none.contains("没有符合条件的辖区"), "{none}");
}

async fn the_style_page_table_sorts_filters_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let page = admin
        .get(app.url("/ui"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "示例事项 01",
        "aria-sort=\"none\"",
        "href=\"/ui?cursor=5\"",
        "data-confirm=",
        "type=\"file\"",
        "role=\"combobox\"",
        "data-testid=\"empty-state\"",
    ] {
        assert!(page.contains(needle), "style page lacks {needle}");
    }
    let sorted = admin
        .get(app.url("/ui?sort=-count"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sorted.contains("aria-sort=\"descending\""));
    let first_count = sorted
        .split("class=\"cell-num num\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let largest = (1..=23).map(|n| (n * 37) % 101).max().unwrap();
    assert_eq!(first_count, largest.to_string(), "the largest count first");
    let next = sorted
        .split("class=\"pager\"><a class=\"btn\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        next.contains("cursor=5") && next.contains("sort=-count"),
        "{next}"
    );
    let filtered = admin
        .get(app.url("/ui?q=%E4%BA%8B%E9%A1%B9%2012"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.matches("class=\"cell-link\"").count(), 1);
    let csv = admin.get(app.url("/ui/export.csv")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = csv.bytes().await.unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "a BOM, so Excel reads UTF-8"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 24, "a header and 23 rows: {text}");
    let screen = admin
        .get(app.url("/ui/screen"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(screen.contains("data-theme=\"dark\"") && screen.contains("class=\"screen\""));
    // Non-admins do not see the style page.
    assert_eq!(
        app.signed_in("v0101")
            .await
            .get(app.url("/ui"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn a_flash_key_from_the_catalog_shows_once_and_other_text_never(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin").await;
    let shown = admin
        .get(app.url("/?flash=flash.user_enabled"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.contains("data-testid=\"flash\"") && shown.contains("已启用该用户"));
    for bad in ["error.internal", "flash.nope", "%3Cscript%3E"] {
        let page = admin
            .get(app.url(&format!("/?flash={bad}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("data-testid=\"flash\""), "{bad}");
    }
}
