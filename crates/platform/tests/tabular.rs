//! The tabular layer on the sheets officials really have, built here as they build them: a
//! merged title, a unit row, a merged two-row header with a 序号 column, a blank row, an ID
//! typed into a number cell, a totals row and a signature line — as xlsx and as a GBK CSV.
//! Error reports, exports and templates are read back with calamine and with our own reader.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use domain::MoneyUnit;
use platform::i18n::{Catalogs, Lang, Tr};
use platform::tabular::{
    self, Cell, CellProblem, CsvExport, FieldSpec, Format, Problem, Record, SheetUnit, SkipReason,
    Skipped, Spec, TextEncoding, XlsxExport, describe_filter, keys,
};
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};

const PERSON: Spec = Spec::new(&[
    FieldSpec::new("name", "姓名").required(),
    FieldSpec::new("id_number", "身份证号")
        .aliases(&["公民身份号码", "身份证号码"])
        .required()
        .identifier(),
    FieldSpec::new("birth_date", "出生日期"),
    FieldSpec::new("mobile", "手机")
        .aliases(&["手机号码", "联系电话"])
        .identifier(),
    FieldSpec::new("landline", "固定电话").identifier(),
    FieldSpec::new("income", "月收入"),
    FieldSpec::new("address", "住址"),
]);

const ID: &str = "110101199003071234";

fn tr(lang: Lang) -> Tr {
    let catalogs = Catalogs::load(&[]).unwrap();
    Tr::new(lang, catalogs.get(lang).clone())
}

/// What Excel keeps of an 18-digit ID typed into a number cell.
fn id_as_number() -> String {
    format!("{}", ID.parse::<f64>().unwrap() as i64)
}

fn nasty_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let center = XFormat::new().set_align(rust_xlsxwriter::FormatAlign::Center);
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 8, "同心区独居老人台账", &center)
        .unwrap();
    ws.write(1, 8, "单位：万元").unwrap();
    ws.merge_range(2, 0, 3, 0, "序号", &center).unwrap();
    ws.merge_range(2, 1, 3, 1, "姓名", &center).unwrap();
    ws.merge_range(2, 2, 3, 2, "身份证号（必填）", &center)
        .unwrap();
    ws.merge_range(2, 3, 3, 3, "出生\n日期", &center).unwrap();
    ws.merge_range(2, 4, 2, 5, "联系方式", &center).unwrap();
    ws.write(3, 4, "手机").unwrap();
    ws.write(3, 5, "固定电话").unwrap();
    ws.merge_range(2, 6, 3, 6, "月收入", &center).unwrap();
    ws.merge_range(2, 7, 3, 7, "住址", &center).unwrap();
    ws.merge_range(2, 8, 3, 8, "备注说明", &center).unwrap();
    // Row 5: a clean row, the phone typed as a number, the birth date as a date cell.
    ws.write(4, 0, 1).unwrap();
    ws.write(4, 1, " 张三 ").unwrap();
    ws.write(4, 2, ID).unwrap();
    ws.write_datetime_with_format(4, 3, ExcelDateTime::from_ymd(1990, 3, 7).unwrap(), &date)
        .unwrap();
    ws.write(4, 4, 13800138000.0).unwrap();
    ws.write(4, 6, 0.35).unwrap();
    ws.write(4, 7, "东风街道1号").unwrap();
    // Row 6 is blank. Row 7: the ID typed into a number cell.
    ws.write(6, 0, 2).unwrap();
    ws.write(6, 1, "李四").unwrap();
    ws.write(6, 2, ID.parse::<f64>().unwrap()).unwrap();
    ws.write(6, 3, "1985-01-02").unwrap();
    ws.write(6, 4, "13900139000").unwrap();
    ws.write(6, 5, "0451-88888888").unwrap();
    ws.write(6, 6, 0.2).unwrap();
    ws.write(6, 7, "西山镇").unwrap();
    ws.write(6, 8, "老党员").unwrap();
    ws.write(7, 0, 3).unwrap();
    ws.write(7, 1, "王五").unwrap();
    ws.write(7, 2, "11010119900307123x").unwrap();
    ws.write(7, 4, "13700137000").unwrap();
    ws.write(7, 6, 1).unwrap();
    ws.write(7, 7, "东风街道2号").unwrap();
    ws.merge_range(8, 0, 8, 1, "合计", &center).unwrap();
    ws.write(8, 6, 1.55).unwrap();
    ws.write(9, 0, "填表人：赵六    审核人：钱七").unwrap();
    book.save_to_buffer().unwrap()
}

fn nasty_gbk_csv() -> Vec<u8> {
    let text = "同心区独居老人台账,,,,,,,,\r\n\
        ,,,,,,,,单位：万元\r\n\
        序号,姓名,身份证号（必填）,\"出生\n日期\",联系方式,,月收入,住址,备注说明\r\n\
        ,,,,手机,固定电话,,,\r\n\
        1, 张三 ,110101199003071234,1990-03-07,13800138000,,0.35,东风街道1号,\r\n\
        \r\n\
        2,李四,1.10101E+17,1985-01-02,13900139000,0451-88888888,0.2,西山镇,老党员\r\n\
        3,王五,11010119900307123x,,13700137000,,1,东风街道2号,\r\n\
        合计,,,,,,1.55,,\r\n\
        填表人：赵六    审核人：钱七,,,,,,,,\r\n";
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn read_all(name: &str, bytes: Vec<u8>) -> (tabular::Table, tabular::Layout) {
    let mut table = tabular::open_bytes(name, bytes).unwrap();
    let layout = table.locate(&PERSON).unwrap();
    (table, layout)
}

fn read_records(table: tabular::Table, layout: &tabular::Layout) -> (Vec<Record>, Vec<Skipped>) {
    let mut records = table.records(layout);
    let rows: Vec<Record> = records.by_ref().map(|r| r.unwrap()).collect();
    (rows, records.skipped().to_vec())
}

fn assert_nasty_layout(layout: &tabular::Layout) {
    assert_eq!(
        (layout.header_row, layout.header_rows, layout.data_start),
        (3, 2, 5)
    );
    assert_eq!(layout.title.as_deref(), Some("同心区独居老人台账"));
    assert_eq!(layout.unit, Some(SheetUnit::Money(MoneyUnit::Wan)));
    assert_eq!(layout.serial, Some(0));
    let columns: Vec<(&str, usize)> = layout.fields.iter().map(|f| (f.key, f.column)).collect();
    assert_eq!(
        columns,
        vec![
            ("name", 1),
            ("id_number", 2),
            ("birth_date", 3),
            ("mobile", 4),
            ("landline", 5),
            ("income", 6),
            ("address", 7),
        ]
    );
    assert_eq!(layout.labels[4], "手机");
    assert_eq!(layout.labels[5], "固定电话");
    let zh = tr(Lang::ZhCn);
    let warnings: Vec<String> = layout.warnings.iter().map(|w| w.message(&zh)).collect();
    assert_eq!(warnings, vec!["I 列“备注说明”不是模板中的列，已忽略。"]);
}

fn assert_nasty_records(records: &[Record], skipped: &[Skipped], lost_value: &str) {
    let rows: Vec<usize> = records.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![5, 7, 8]);
    let first = &records[0];
    assert_eq!(first.get("name"), "张三");
    assert_eq!(first.get("id_number"), ID);
    assert_eq!(first.get("birth_date"), "1990-03-07");
    assert_eq!(first.get("mobile"), "13800138000");
    assert_eq!(first.get("landline"), "");
    assert_eq!(first.get("income"), "0.35");
    assert!(first.errors.is_empty());
    assert_eq!(first.to_map().len(), 7);
    assert_eq!(records[1].get("landline"), "0451-88888888");
    assert_eq!(records[2].get("id_number"), "11010119900307123x");
    assert!(records[2].errors.is_empty());
    let lost = &records[1].errors;
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].column, Some(2));
    assert_eq!(lost[0].problem.key, keys::CELL_LOST_DIGITS);
    assert_eq!(lost[0].problem.get("value"), Some(lost_value));
    assert_eq!(
        skipped,
        [
            Skipped {
                row: 9,
                reason: SkipReason::Totals
            },
            Skipped {
                row: 10,
                reason: SkipReason::Footer
            },
        ]
    );
}

#[test]
fn a_ledger_with_title_unit_merged_header_totals_and_a_numeric_id_reads_as_records() {
    let (table, layout) = read_all("台账.xlsx", nasty_xlsx());
    assert_eq!(table.format(), Format::Xlsx);
    assert_eq!(table.sheet_name(), Some("Sheet1"));
    assert_nasty_layout(&layout);
    let (records, skipped) = read_records(table, &layout);
    assert_nasty_records(&records, &skipped, &id_as_number());
}

#[test]
fn the_same_ledger_saved_as_gbk_csv_reads_the_same() {
    let (table, layout) = read_all("台账.csv", nasty_gbk_csv());
    assert_eq!(table.format(), Format::Csv);
    assert_eq!(table.encoding(), Some(TextEncoding::Gbk));
    assert_nasty_layout(&layout);
    let (records, skipped) = read_records(table, &layout);
    assert_nasty_records(&records, &skipped, "1.10101E+17");
}

#[test]
fn a_numeric_id_is_rejected_with_a_chinese_message_naming_the_column() {
    let (table, layout) = read_all("台账.xlsx", nasty_xlsx());
    let (records, _) = read_records(table, &layout);
    let rejected = records[1].clone().reject(&tr(Lang::ZhCn), []);
    assert_eq!(rejected.row, 7);
    assert_eq!(rejected.errors[0].column, Some(2));
    assert_eq!(
        rejected.errors[0].message,
        format!(
            "【身份证号】被存成了数字，Excel 只保留 15 位有效数字，后面几位已经丢失（现为 {}）。\
             请先把该列设置为“文本”格式，再重新填写。",
            id_as_number()
        )
    );
    let english = records[1].clone().reject(&tr(Lang::En), []);
    assert!(
        english.errors[0]
            .message
            .starts_with("[身份证号] was stored as a number")
    );
}

#[test]
fn a_sheet_missing_a_required_column_is_refused_in_chinese() {
    let csv = "姓名,住址\n张三,东风街道\n";
    let mut table = tabular::open_bytes("a.csv", csv.as_bytes().to_vec()).unwrap();
    let problem = table.locate(&PERSON).unwrap_err();
    assert_eq!(
        problem.message(&tr(Lang::ZhCn)),
        "表格缺少必填列：身份证号。请按模板补上这些列后再导入。"
    );
}

#[test]
fn an_html_page_named_xls_and_an_unknown_extension_are_refused() {
    let html = b"<html><table><tr><td>1</td></tr></table></html>".to_vec();
    let problem = tabular::open_bytes("导出.xls", html).unwrap_err();
    assert_eq!(problem.key, keys::FILE_HTML);
    let problem = tabular::open_bytes("a.pdf", b"%PDF".to_vec()).unwrap_err();
    assert_eq!(problem.key, keys::FILE_UNKNOWN_FORMAT);
    assert_eq!(
        problem.message(&tr(Lang::ZhCn)),
        "不支持 .pdf 格式的文件，请上传 Excel（.xlsx、.xls）或 CSV 文件。"
    );
}

#[test]
fn text_exported_as_xls_is_read_as_text() {
    let text = "姓名\t身份证号\n张三\t110101199003071234\n";
    let mut table = tabular::open_bytes("导出.xls", text.as_bytes().to_vec()).unwrap();
    let layout = table.locate(&PERSON).unwrap();
    let (records, _) = read_records(table, &layout);
    assert_eq!(records[0].get("id_number"), ID);
}

fn sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[test]
fn the_error_report_keeps_rejected_rows_as_they_were_with_reasons_and_red_cells() {
    let zh = tr(Lang::ZhCn);
    let (table, layout) = read_all("台账.xlsx", nasty_xlsx());
    let (records, _) = read_records(table, &layout);
    let id_column = layout.column("id_number").unwrap();
    let rejected = vec![
        records[1].clone().reject(&zh, []),
        records[2].clone().reject(
            &zh,
            [
                CellProblem::cell(id_column, Problem::new("invalid.id_number.checksum")),
                CellProblem::row(Problem::new("invalid.phone.empty")),
            ],
        ),
    ];
    let bytes = tabular::error_report(&zh, &layout.labels, &rejected).unwrap();

    let range = sheet(&bytes, "Sheet1");
    assert!(text(&range, 0, 0).starts_with("共有 2 行未能导入，原因见最后一列“错误原因”"));
    let header: Vec<String> = (0..10).map(|c| text(&range, 1, c)).collect();
    assert_eq!(
        header,
        vec![
            "序号",
            "姓名",
            "身份证号（必填）",
            "出生\n日期",
            "手机",
            "固定电话",
            "月收入",
            "住址",
            "备注说明",
            "错误原因"
        ]
    );
    assert_eq!(text(&range, 2, 1), "李四");
    assert_eq!(text(&range, 2, 2), id_as_number());
    assert_eq!(text(&range, 2, 8), "老党员");
    assert!(text(&range, 2, 9).starts_with("第 7 行：【身份证号】被存成了数字"));
    assert_eq!(
        text(&range, 3, 9),
        "第 8 行：【身份证号】身份证号码校验位错误，请核对最后一位；请填写手机号码"
    );

    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let styles = book.worksheet_style("Sheet1").unwrap();
    let fill = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.get_color())
            .map(|c| (c.red, c.green, c.blue))
    };
    assert_eq!(fill(2, 2), Some((0xFF, 0xC7, 0xCE)));
    assert_eq!(fill(3, 2), Some((0xFF, 0xC7, 0xCE)));
    assert_eq!(fill(2, 1), None);

    // Corrected and imported again, the report is read like the ledger it came from.
    let mut again = tabular::open_bytes("错误报告.xlsx", bytes).unwrap();
    let layout_again = again.locate(&PERSON).unwrap();
    assert_eq!(layout_again.fields, layout.fields);
    assert_eq!(layout_again.header_row, 2);
    assert_eq!(layout_again.warnings.len(), 1, "only 备注说明 is unknown");
    let (again, _) = read_records(again, &layout_again);
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].get("id_number"), "11010119900307123x");
}

#[test]
fn rejected_rows_collected_one_at_a_time_make_the_same_report() {
    let zh = tr(Lang::ZhCn);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    let header: Vec<String> = vec!["姓名".into(), "身份证号".into()];
    let mut report = tabular::ErrorReport::new(header).unwrap();
    for i in 0..50 {
        report
            .push(&tabular::RejectedRow {
                row: i + 2,
                cells: vec![format!("人{i}"), "1".into()],
                errors: vec![tabular::CellError {
                    column: Some(1),
                    message: "身份证号码应为18位（或旧版15位）".into(),
                }],
            })
            .unwrap();
    }
    assert_eq!(report.finish(&zh, &path).unwrap(), 50);
    let range = sheet(&std::fs::read(&path).unwrap(), "Sheet1");
    assert!(text(&range, 0, 0).starts_with("共有 50 行未能导入"));
    assert_eq!(text(&range, 51, 0), "人49");
    assert_eq!(
        text(&range, 51, 2),
        "第 51 行：身份证号码应为18位（或旧版15位）"
    );
}

#[test]
fn an_export_splits_sheets_under_the_same_title_filter_and_header() {
    let zh = tr(Lang::ZhCn);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    let filter = describe_filter(&zh, &[("辖区", "同心区"), ("标签", "独居老人")]);
    assert_eq!(filter, "筛选条件：辖区 同心区；标签 独居老人");
    let headers = ["姓名", "身份证号", "年龄", "月收入", "登记日期", "备注"];
    let mut export =
        XlsxExport::create_with_sheet_rows(&path, "同心区独居老人名单", &filter, &headers, 10)
            .unwrap();
    let date = NaiveDate::from_ymd_opt(2020, 3, 6).unwrap();
    for i in 0..25 {
        let name = format!("老人{i}");
        let id = format!("11010119900307{i:04}");
        export
            .push_row(&[
                Cell::Text(&name),
                Cell::Id(&id),
                Cell::Int(80 + i),
                Cell::Float(0.25),
                Cell::Date(date),
                Cell::Empty,
            ])
            .unwrap();
    }
    let summary = export.finish().unwrap();
    assert_eq!((summary.rows, summary.sheets), (25, 4));

    let bytes = std::fs::read(&path).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["Sheet1", "Sheet2", "Sheet3", "Sheet4"]);
    let mut seen = 0;
    for (n, name) in book.sheet_names().iter().enumerate() {
        let range = book.worksheet_range(name).unwrap();
        assert_eq!(text(&range, 0, 0), "同心区独居老人名单");
        assert_eq!(text(&range, 1, 0), "筛选条件：辖区 同心区；标签 独居老人");
        let header: Vec<String> = (0..6).map(|c| text(&range, 2, c)).collect();
        assert_eq!(header, headers);
        let data_rows = range.height() - 3;
        assert_eq!(data_rows, if n < 3 { 7 } else { 4 });
        for r in 3..range.height() as u32 {
            let id = range.get_value((r, 1)).unwrap();
            assert_eq!(id, &Data::String(format!("11010119900307{seen:04}")));
            assert_eq!(
                range.get_value((r, 2)),
                Some(&Data::Float(80.0 + seen as f64))
            );
            assert!(matches!(range.get_value((r, 4)), Some(Data::DateTime(_))));
            seen += 1;
        }
    }
    assert_eq!(seen, 25);

    // Our own reader takes the export back, title and all.
    const LIST: Spec = Spec::new(&[
        FieldSpec::new("name", "姓名").required(),
        FieldSpec::new("id_number", "身份证号").identifier(),
        FieldSpec::new("registered", "登记日期"),
    ]);
    let mut table = tabular::open_bytes("export.xlsx", bytes).unwrap();
    let layout = table.locate(&LIST).unwrap();
    assert_eq!(layout.title.as_deref(), Some("同心区独居老人名单"));
    let first = table.records(&layout).next().unwrap().unwrap();
    assert_eq!((first.row, first.get("registered")), (4, "2020-03-06"));
    assert!(first.errors.is_empty());
}

#[test]
fn a_csv_export_reads_back_through_the_importer() {
    let mut csv = CsvExport::new(Vec::new(), &["姓名", "身份证号", "住址"]).unwrap();
    csv.push_row(&[
        Cell::Text("张三"),
        Cell::Id(ID),
        Cell::Text("东风街道1号, 2单元"),
    ])
    .unwrap();
    let bytes = csv.finish().unwrap();
    let mut table = tabular::open_bytes("export.csv", bytes).unwrap();
    assert_eq!(table.encoding(), Some(TextEncoding::Utf8));
    let layout = table.locate(&PERSON).unwrap();
    let (records, _) = read_records(table, &layout);
    assert_eq!(records[0].get("id_number"), ID);
    assert_eq!(records[0].get("address"), "东风街道1号, 2单元");
}

#[test]
fn a_template_marks_required_columns_and_reads_back_with_every_field() {
    let zh = tr(Lang::ZhCn);
    let bytes = tabular::write_template(&zh, &PERSON, "同心区独居老人台账").unwrap();
    let range = sheet(&bytes, "Sheet1");
    assert_eq!(text(&range, 0, 0), "同心区独居老人台账");
    assert_eq!(text(&range, 1, 0), "姓名*");
    assert_eq!(text(&range, 1, 1), "身份证号*");
    assert_eq!(text(&range, 1, 2), "出生日期");
    let mut table = tabular::open_bytes("模板.xlsx", bytes).unwrap();
    let layout = table.locate(&PERSON).unwrap();
    assert_eq!(layout.fields.len(), PERSON.fields.len());
    assert!(layout.warnings.is_empty());
    assert_eq!((layout.header_row, layout.data_start), (2, 3));
    assert_eq!(table.records(&layout).count(), 0);
}

#[test]
fn every_tabular_key_is_in_both_catalogs_and_the_report_column_is_ignored_on_reimport() {
    let catalogs = Catalogs::load(&[]).unwrap();
    for lang in Lang::ALL {
        let catalog = catalogs.get(lang);
        for key in keys::ALL {
            assert!(catalog.contains(key), "{key} missing in {lang:?}");
        }
        // The reasons column in either language is not taken for an unknown column.
        let label = catalog.get(keys::REPORT_ERRORS_COLUMN).to_string();
        let csv = format!("姓名,身份证号,{label}\n张三,{ID},x\n");
        let mut table = tabular::open_bytes("r.csv", csv.into_bytes()).unwrap();
        let layout = table.locate(&PERSON).unwrap();
        assert!(layout.warnings.is_empty(), "{label}");
    }
}

#[test]
fn a_township_merged_down_its_villages_is_filled_into_each_record() {
    const VILLAGERS: Spec = Spec::new(&[
        FieldSpec::new("township", "乡镇（街道）").required(),
        FieldSpec::new("village", "村（社区）").required(),
        FieldSpec::new("name", "姓名").required(),
    ]);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write(0, 0, "乡镇（街道）").unwrap();
    ws.write(0, 1, "村（社区）").unwrap();
    ws.write(0, 2, "姓名").unwrap();
    ws.merge_range(1, 0, 3, 0, "东风街道", &XFormat::new())
        .unwrap();
    ws.merge_range(4, 0, 5, 0, "西山镇", &XFormat::new())
        .unwrap();
    for (r, (village, name)) in [
        ("东风社区", "张三"),
        ("东风社区", "李四"),
        ("红星社区", "王五"),
        ("西山村", "赵六"),
        ("西山村", "钱七"),
    ]
    .iter()
    .enumerate()
    {
        ws.write(r as u32 + 1, 1, *village).unwrap();
        ws.write(r as u32 + 1, 2, *name).unwrap();
    }
    let mut table = tabular::open_bytes("村民.xlsx", book.save_to_buffer().unwrap()).unwrap();
    let layout = table.locate(&VILLAGERS).unwrap();
    let (records, _) = read_records(table, &layout);
    let townships: Vec<(usize, &str)> =
        records.iter().map(|r| (r.row, r.get("township"))).collect();
    assert_eq!(
        townships,
        vec![
            (2, "东风街道"),
            (3, "东风街道"),
            (4, "东风街道"),
            (5, "西山镇"),
            (6, "西山镇")
        ]
    );
}

#[test]
fn a_printed_ledger_repeating_its_header_and_numbered_blank_rows_yields_only_data() {
    let csv = "序号,姓名,身份证号\r\n\
        1,张三,110101199003071234\r\n\
        序号,姓名,身份证号\r\n\
        2,李四,11010119900307123X\r\n\
        3,,\r\n\
        4,,\r\n\
        小计,,\r\n\
        注：本表由村委会填写。\r\n\
        2. 每月5日前报送。\r\n";
    let mut table = tabular::open_bytes("台账.csv", csv.as_bytes().to_vec()).unwrap();
    let layout = table.locate(&PERSON).unwrap();
    let (records, skipped) = read_records(table, &layout);
    let rows: Vec<usize> = records.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![2, 4]);
    let reasons: Vec<(usize, SkipReason)> = skipped.iter().map(|s| (s.row, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (3, SkipReason::RepeatedHeader),
            (5, SkipReason::NoData),
            (6, SkipReason::NoData),
            (7, SkipReason::Totals),
            (8, SkipReason::Footer),
            (9, SkipReason::Footer),
        ]
    );
}

/// The xls fixture is the ledger above saved by LibreOffice as Excel 97–2003, merges and all:
/// `cargo test -p platform --test tabular -- --ignored` rewrites it (needs `soffice`).

// `tests/fixtures/ledger.xls` is `nasty_xlsx()` converted by LibreOffice
// (`soffice --headless --convert-to xls ledger.xlsx`): no Rust crate writes the old format.

#[test]
fn reports_exports_and_templates_open_in_libreoffice() {
    let zh = tr(Lang::ZhCn);
    let dir = tempfile::tempdir().unwrap();
    let (table, layout) = read_all("台账.xlsx", nasty_xlsx());
    let (records, _) = read_records(table, &layout);
    let rejected = vec![records[1].clone().reject(&zh, [])];
    tabular::write_error_report(
        &dir.path().join("report.xlsx"),
        &zh,
        &layout.labels,
        &rejected,
    )
    .unwrap();
    let mut export = XlsxExport::create(
        dir.path().join("export.xlsx"),
        "同心区独居老人名单",
        &describe_filter(&zh, &[]),
        &["姓名", "身份证号"],
    )
    .unwrap();
    export
        .push_row(&[Cell::Text("张三"), Cell::Id(ID)])
        .unwrap();
    export.finish().unwrap();
    let template = tabular::write_template(&zh, &PERSON, "同心区独居老人台账").unwrap();
    std::fs::write(dir.path().join("template.xlsx"), template).unwrap();
    for (name, expected) in [
        ("report", "第 7 行：【身份证号】被存成了数字"),
        ("export", ID),
        ("template", "身份证号*"),
    ] {
        let status = std::process::Command::new("soffice")
            .args([
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76",
                "--outdir",
            ])
            .arg(dir.path())
            .arg(dir.path().join(format!("{name}.xlsx")))
            .status()
            .unwrap();
        assert!(status.success(), "{name}");
        let csv = std::fs::read_to_string(dir.path().join(format!("{name}.csv"))).unwrap();
        assert!(csv.contains(expected), "{name}: {csv}");
    }
}
