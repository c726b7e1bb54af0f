//! Importing the statistics bureau's lists: CSV in UTF-8 and GBK, JSON, xlsx; a broken tree is
//! refused whole with each bad row named; importing again renames instead of duplicating.

use platform::areas::import::{ImportError, import_file};
use platform::areas::repo;
use platform::i18n::{Catalogs, Lang};
use testkit::{AppBuilder, Backend, backend_tests};

backend_tests!(
    a_csv_tree_imports_and_a_second_import_only_updates,
    a_gbk_csv_with_a_title_row_imports,
    a_broken_tree_is_refused_whole_with_each_bad_row_named,
    json_and_xlsx_lists_import,
    a_second_district_may_sit_beside_the_first_but_a_stray_village_may_not,
);

const TREE: &str = "code,name\n\
    990301000000,示范县\n\
    990301001000,东风街道\n\
    990301001001,东风社区\n\
    990301001001001,东风社区第1网格\n\
    990301101000,西山镇\n\
    990301101201,西山村\n";

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn a_csv_tree_imports_and_a_second_import_only_updates(backend: Backend) {
    let app = AppBuilder::new(backend).empty().spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "areas.csv", TREE.as_bytes());
    let counts = import_file(&app.db, &file, 2024).await.unwrap();
    assert_eq!((counts.inserted, counts.updated), (6, 0));
    let grid = repo::get(&app.db, "990301001001001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grid.level, "grid");
    assert_eq!(grid.parent_code.as_deref(), Some("990301001001"));
    assert_eq!(grid.edition_year, 2024);
    let root = repo::get(&app.db, "990301000000").await.unwrap().unwrap();
    assert_eq!(root.parent_code, None);
    assert_eq!(root.children, 2);
    let renamed = TREE.replace("西山村", "西山新村");
    let file = write(&dir, "again.csv", renamed.as_bytes());
    let counts = import_file(&app.db, &file, 2025).await.unwrap();
    assert_eq!((counts.inserted, counts.updated), (0, 6));
    assert_eq!(repo::count_all(&app.db).await.unwrap(), 6);
    assert_eq!(
        repo::get(&app.db, "990301101201")
            .await
            .unwrap()
            .unwrap()
            .name,
        "西山新村"
    );
}

async fn a_gbk_csv_with_a_title_row_imports(backend: Backend) {
    let app = AppBuilder::new(backend).empty().spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "2024年统计用区划代码\n统计用区划代码,名称\n{}",
        TREE.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = write(&dir, "areas.csv", &gbk);
    let counts = import_file(&app.db, &file, 2024).await.unwrap();
    assert_eq!(counts.inserted, 6);
    assert_eq!(
        repo::get(&app.db, "990301101000")
            .await
            .unwrap()
            .unwrap()
            .name,
        "西山镇"
    );
}

async fn a_broken_tree_is_refused_whole_with_each_bad_row_named(backend: Backend) {
    let app = AppBuilder::new(backend).empty().spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let broken = format!(
        "{TREE}990301202201,孤儿村\n99030110120,短代码\n990301001001,重复社区\n990301101202,\n"
    );
    let file = write(&dir, "broken.csv", broken.as_bytes());
    let Err(ImportError::Rows(problems)) = import_file(&app.db, &file, 2024).await else {
        panic!("a broken tree must be refused");
    };
    let rows: Vec<usize> = problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, vec![8, 9, 10, 11]);
    let tr = platform::i18n::Tr::new(
        Lang::ZhCn,
        Catalogs::load(&[]).unwrap().get(Lang::ZhCn).clone(),
    );
    let messages: Vec<String> = problems.iter().map(|p| p.message(&tr)).collect();
    assert!(
        messages[0].starts_with("第 8 行") && messages[0].contains("990301202000"),
        "{messages:?}"
    );
    assert!(messages[2].contains("重复"), "{messages:?}");
    assert!(messages[3].contains("没有名称"), "{messages:?}");
    assert_eq!(
        repo::count_all(&app.db).await.unwrap(),
        0,
        "nothing may be stored"
    );
}

async fn json_and_xlsx_lists_import(backend: Backend) {
    let app = AppBuilder::new(backend).empty().spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"areas": [{"code": "990301000000", "name": "示范县", "edition_year": 2023},
        ["990301001000", "东风街道"], {"code": 990301001001, "name": "东风社区"}]}"#;
    let file = write(&dir, "areas.json", json.as_bytes());
    assert_eq!(import_file(&app.db, &file, 2024).await.unwrap().inserted, 3);
    assert_eq!(
        repo::get(&app.db, "990301000000")
            .await
            .unwrap()
            .unwrap()
            .edition_year,
        2023
    );
    assert_eq!(
        repo::get(&app.db, "990301001000")
            .await
            .unwrap()
            .unwrap()
            .edition_year,
        2024
    );

    let path = dir.path().join("areas.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "示范县区划代码表").unwrap();
    sheet.write_string(1, 0, "区划代码").unwrap();
    sheet.write_string(1, 1, "名称").unwrap();
    // Codes typed as numbers, as Excel users do.
    sheet.write_number(2, 0, 990301101000.0).unwrap();
    sheet.write_string(2, 1, "西山镇").unwrap();
    sheet.write_number(3, 0, 990301101201.0).unwrap();
    sheet.write_string(3, 1, "西山村").unwrap();
    book.save(&path).unwrap();
    assert_eq!(import_file(&app.db, &path, 2024).await.unwrap().inserted, 2);
    assert_eq!(
        repo::get(&app.db, "990301101201")
            .await
            .unwrap()
            .unwrap()
            .parent_code
            .as_deref(),
        Some("990301101000")
    );
}

async fn a_second_district_may_sit_beside_the_first_but_a_stray_village_may_not(backend: Backend) {
    let app = testkit::spawn_app(backend).await; // the demo district 990102 is a root
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "second.csv", TREE.as_bytes());
    assert_eq!(import_file(&app.db, &file, 2024).await.unwrap().inserted, 6);
    let stray = write(
        &dir,
        "stray.csv",
        "code,name\n990401001001,无主社区\n".as_bytes(),
    );
    assert!(matches!(
        import_file(&app.db, &stray, 2024).await,
        Err(ImportError::Rows(_))
    ));
    let unknown = write(&dir, "areas.pdf", b"%PDF");
    assert!(matches!(
        import_file(&app.db, &unknown, 2024).await,
        Err(ImportError::File(_))
    ));
}
