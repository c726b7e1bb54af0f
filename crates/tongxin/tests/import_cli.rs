//! `tongxin import persons` on the sheet villages really send: a title row, a unit row, a merged
//! two-row header, a 序号 column, a totals row, valid and invalid ID numbers, a lowercase x, a
//! 15-digit number, a passport and a duplicate.

use std::process::{Command, Output, Stdio};

use calamine::{Reader, open_workbook_auto};
use rust_xlsxwriter::{Format, Workbook};

const BIN: &str = env!("CARGO_BIN_EXE_tongxin");

fn tongxin(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("TONGXIN_DB")
        .env("TONGXIN_LANG", "zh-CN")
        .stdin(Stdio::null())
        .output()
        .expect("tongxin runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A valid resident ID whose check character is X, written in lower case as people type it.
fn lowercase_x_number() -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    (1..999)
        .map(|seq| domain::IdNumber::from_parts("440524", birth, seq).unwrap())
        .find(|id| id.as_str().ends_with('X'))
        .unwrap()
        .as_str()
        .to_lowercase()
}

/// The sheet, with its rows numbered as Excel shows them.
fn write_sheet(path: &std::path::Path) {
    let lower_x = lowercase_x_number();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let plain = Format::new();
    sheet
        .merge_range(0, 0, 0, 6, "东风社区重点人员台账", &plain)
        .unwrap();
    sheet
        .write_string(1, 0, "填报单位：东风社区    单位：人")
        .unwrap();
    sheet.merge_range(2, 0, 3, 0, "序号", &plain).unwrap();
    sheet.merge_range(2, 1, 2, 3, "基本信息", &plain).unwrap();
    sheet.write_string(3, 1, "姓名").unwrap();
    sheet.write_string(3, 2, "证件类型").unwrap();
    sheet.write_string(3, 3, "身份证号码").unwrap();
    sheet.merge_range(2, 4, 2, 5, "联系方式", &plain).unwrap();
    sheet.write_string(3, 4, "手机号码").unwrap();
    sheet.write_string(3, 5, "住址").unwrap();
    sheet.merge_range(2, 6, 3, 6, "标签", &plain).unwrap();
    let rows: &[[&str; 7]] = &[
        [
            "1",
            "张秀英",
            "",
            "11010519491231002X",
            "13812345678",
            "东风路1号",
            "独居老人",
        ],
        [
            "2",
            "王错号",
            "",
            "110105194912310021",
            "13812345679",
            "东风路2号",
            "",
        ],
        ["3", "李小写", "", lower_x.as_str(), "", "东风路3号", ""],
        ["4", "赵旧号", "", "440524800101001", "", "", ""],
        ["5", "John Smith", "护照", "E12345678", "", "", ""],
        ["6", "张秀英", "", "11010519491231002X", "", "", ""],
        ["合计", "", "", "", "", "", ""],
    ];
    for (i, row) in rows.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            sheet.write_string(4 + i as u32, j as u16, *cell).unwrap();
        }
    }
    book.save(path).unwrap();
}

fn count_persons(db: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = platform::db::connect(db, 1).await.unwrap();
        platform::registry::person::repo::count(&db).await.unwrap()
    })
}

#[test]
fn a_real_village_sheet_imports_its_valid_rows_and_reports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("import.db").display());
    assert!(
        tongxin(&["demo", "--scale", "tiny", "--no-serve", "--db", &db])
            .status
            .success()
    );
    let before = count_persons(&db);
    let sheet = dir.path().join("台账.xlsx");
    write_sheet(&sheet);
    let grid = "990102001001001";

    // All or nothing: the bad rows stop everything.
    let refused = tongxin(&[
        "import",
        "persons",
        sheet.to_str().unwrap(),
        "--db",
        &db,
        "--area",
        grid,
        "--mode",
        "all-or-nothing",
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("未导入任何数据"),
        "{}",
        text(&refused)
    );
    assert_eq!(count_persons(&db), before);

    // Valid rows: exactly rows 5, 7, 8, 9 go in; rows 6 and 10 come back with reasons.
    let report = dir.path().join("错误报告.xlsx");
    let out = tongxin(&[
        "import",
        "persons",
        sheet.to_str().unwrap(),
        "--db",
        &db,
        "--area",
        grid,
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(
        !out.status.success(),
        "rejected rows make the exit status non-zero"
    );
    let printed = text(&out);
    assert!(printed.contains("共 6 行：新增 4 条"), "{printed}");
    assert!(
        printed.contains("第 6 行") && printed.contains("校验位"),
        "{printed}"
    );
    assert!(
        printed.contains("第 10 行") && printed.contains("与第 5 行是同一证件号码"),
        "{printed}"
    );
    assert_eq!(count_persons(&db), before + 4);

    // The report holds the two rows as they were, with the reason in Chinese.
    let mut book = open_workbook_auto(&report).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    let cells: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    let all = cells.join("|");
    assert!(
        all.contains("王错号") && all.contains("张秀英") && all.contains("错误原因"),
        "{all}"
    );
    assert!(!all.contains("李小写"), "valid rows are not in the report");

    // The same file again changes nothing.
    let again = tongxin(&[
        "import",
        "persons",
        sheet.to_str().unwrap(),
        "--db",
        &db,
        "--area",
        grid,
    ]);
    assert!(
        text(&again).contains("新增 0 条，更新 0 条，未变 4 条"),
        "{}",
        text(&again)
    );
    assert_eq!(count_persons(&db), before + 4);
}

#[test]
fn an_enterprise_ledger_imports_by_kind_and_an_unknown_kind_names_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("import.db").display());
    assert!(
        tongxin(&["demo", "--scale", "tiny", "--no-serve", "--db", &db])
            .status
            .success()
    );
    let code = domain::Uscc::from_parts("91350100M00009999").unwrap();
    let csv = dir.path().join("企业.csv");
    std::fs::write(
        &csv,
        format!(
            "企业名称,统一社会信用代码,所属行业,是否规上,区划代码\n新星纺织有限公司,{},制造业,是,990102001000\n",
            code.as_str()
        ),
    )
    .unwrap();
    let done = tongxin(&["import", "enterprises", csv.to_str().unwrap(), "--db", &db]);
    assert!(done.status.success(), "{}", text(&done));
    assert!(text(&done).contains("新增 1 条"), "{}", text(&done));

    let unknown = tongxin(&["import", "firms", csv.to_str().unwrap(), "--db", &db]);
    assert!(!unknown.status.success());
    let said = text(&unknown);
    assert!(
        said.contains("firms") && said.contains("persons") && said.contains("enterprises"),
        "{said}"
    );
}
