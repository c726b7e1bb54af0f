//! `cargo bench -p platform --bench tabular`: the tabular layer against issue [R]'s targets.
//!
//! Generates a person sheet (title row, header, 1,000,000 rows × 8 columns, deterministic from a
//! seed; shared strings and date cells as Excel writes them), then times, as the median of 3
//! runs each in a fresh child process (so each peak RSS is its own):
//! calamine's bare parse (`worksheet_range`), calamine's merged-region scan (which `read` avoids,
//! shown for reference), our `open` + `locate` + records pass with and without domain validation
//! (resident ID, phone, date), the xlsx export and the CSV export of 1,000,000 rows. Reading is
//! compared with calamine as a ratio measured in the same run.
//!
//! `TABULAR_BENCH_ROWS` sets a smaller size for a quick look.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use calamine::{Reader, Xlsx, open_workbook};
use chrono::{Datelike, NaiveDate};
use platform::tabular::{self, Cell, CsvExport, FieldSpec, Spec, XlsxExport};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SEED: u64 = 20_200_306;
const RUNS: usize = 3;

const PERSON: Spec = Spec::new(&[
    FieldSpec::new("name", "姓名").required(),
    FieldSpec::new("id_number", "身份证号")
        .aliases(&["公民身份号码"])
        .required()
        .identifier(),
    FieldSpec::new("sex", "性别"),
    FieldSpec::new("birth_date", "出生日期"),
    FieldSpec::new("mobile", "手机号码").identifier(),
    FieldSpec::new("address", "住址"),
    FieldSpec::new("tag", "人员类别"),
]);

const HEADERS: [&str; 8] = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "手机号码",
    "住址",
    "人员类别",
];

/// SplitMix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

struct Person {
    name: String,
    id: String,
    sex: &'static str,
    birth: NaiveDate,
    phone: String,
    address: String,
    tag: &'static str,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "桂兰", "建国",
];
const STREETS: &[&str] = &[
    "东风街道",
    "西山镇",
    "南湖街道",
    "北关街道",
    "新华镇",
    "红旗乡",
];
const TAGS: &[&str] = &[
    "独居老人",
    "残疾人",
    "困难学生",
    "低保户",
    "退役军人",
    "一般人员",
];

fn person(rng: &mut Rng) -> Person {
    let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
        + chrono::Duration::days(rng.below(365 * 85) as i64);
    let address = format!("110{:03}", 101 + rng.below(20));
    let id = domain::IdNumber::from_parts(&address, birth, rng.below(1000) as u16).unwrap();
    let sex = if id.as_str().as_bytes()[16] % 2 == 1 {
        "男"
    } else {
        "女"
    };
    let mut name = SURNAMES[rng.below(SURNAMES.len() as u64) as usize].to_string();
    name.push_str(GIVEN[rng.below(GIVEN.len() as u64) as usize]);
    if rng.below(2) == 0 {
        name.push_str(GIVEN[rng.below(GIVEN.len() as u64) as usize]);
    }
    Person {
        name,
        id: id.as_str().to_string(),
        sex,
        birth,
        phone: format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000)),
        address: format!(
            "同心区{}{}号楼{}单元{}室",
            STREETS[rng.below(STREETS.len() as u64) as usize],
            1 + rng.below(200),
            1 + rng.below(6),
            101 + rng.below(1800)
        ),
        tag: TAGS[rng.below(TAGS.len() as u64) as usize],
    }
}

fn generate(path: &Path, rows: usize) {
    let mut book = Workbook::new();
    // Shared strings, as Excel and WPS write them.
    let ws = book.add_worksheet_with_low_memory().unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let title = Format::new().set_bold();
    ws.merge_range(0, 0, 0, 7, "同心区重点人员台账", &title)
        .unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write(1, c as u16, *h).unwrap();
    }
    let mut rng = Rng(SEED);
    for i in 0..rows {
        let p = person(&mut rng);
        let r = i as u32 + 2;
        ws.write(r, 0, (i + 1) as f64).unwrap();
        ws.write(r, 1, &p.name).unwrap();
        ws.write(r, 2, &p.id).unwrap();
        ws.write(r, 3, p.sex).unwrap();
        let birth = ExcelDateTime::from_ymd(
            p.birth.year() as u16,
            p.birth.month() as u8,
            p.birth.day() as u8,
        )
        .unwrap();
        ws.write_datetime_with_format(r, 4, birth, &date).unwrap();
        ws.write(r, 5, &p.phone).unwrap();
        ws.write(r, 6, &p.address).unwrap();
        ws.write(r, 7, p.tag).unwrap();
    }
    book.save(path).unwrap();
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// One phase in this (child) process; prints `seconds peak_mb check`.
fn run_phase(phase: &str, file: &Path, rows: usize, out_dir: &Path) {
    let start = Instant::now();
    let check: u64 = match phase {
        "calamine" => {
            let mut book: Xlsx<_> = open_workbook(file).unwrap();
            let name = book.sheet_names()[0].clone();
            let range = book.worksheet_range(&name).unwrap();
            range.used_cells().count() as u64
        }
        "merges" => {
            let mut book: Xlsx<_> = open_workbook(file).unwrap();
            let name = book.sheet_names()[0].clone();
            book.merge_cells_by_sheet_name(&name).unwrap().len() as u64
        }
        "read" | "validate" => {
            let mut table = tabular::open(file).unwrap();
            let layout = table.locate(&PERSON).unwrap();
            let mut n = 0u64;
            for record in table.records(&layout) {
                let record = record.unwrap();
                if phase == "validate" {
                    let ok = record.errors.is_empty()
                        && domain::IdNumber::parse(record.get("id_number")).is_ok()
                        && domain::Phone::parse(record.get("mobile")).is_ok()
                        && domain::parse_date_lenient(record.get("birth_date")).is_ok()
                        && !record.get("name").is_empty();
                    n += ok as u64;
                } else {
                    n += record.get("name").len() as u64;
                }
            }
            n
        }
        "export_xlsx" => {
            let path = out_dir.join(format!("export-{}.xlsx", std::process::id()));
            let mut export = XlsxExport::create(
                &path,
                "同心区重点人员名单",
                "筛选条件：辖区 同心区；标签 全部",
                &HEADERS,
            )
            .unwrap();
            let mut rng = Rng(SEED);
            for i in 0..rows {
                let p = person(&mut rng);
                export.push_row(&cells(i, &p)).unwrap();
            }
            let summary = export.finish().unwrap();
            let size = std::fs::metadata(&path).unwrap().len();
            std::fs::remove_file(&path).unwrap();
            summary.rows + size
        }
        "export_csv" => {
            let path = out_dir.join(format!("export-{}.csv", std::process::id()));
            let file = BufWriter::new(std::fs::File::create(&path).unwrap());
            let mut export = CsvExport::new(file, &HEADERS).unwrap();
            let mut rng = Rng(SEED);
            for i in 0..rows {
                let p = person(&mut rng);
                export.push_row(&cells(i, &p)).unwrap();
            }
            export.finish().unwrap().flush().unwrap();
            let size = std::fs::metadata(&path).unwrap().len();
            std::fs::remove_file(&path).unwrap();
            size
        }
        other => panic!("unknown phase {other}"),
    };
    println!(
        "{:.3} {:.1} {check}",
        start.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}

fn cells(i: usize, p: &Person) -> [Cell<'_>; 8] {
    [
        Cell::Int(i as i64 + 1),
        Cell::Text(&p.name),
        Cell::Id(&p.id),
        Cell::Text(p.sex),
        Cell::Date(p.birth),
        Cell::Id(&p.phone),
        Cell::Text(&p.address),
        Cell::Text(p.tag),
    ]
}

struct Figures {
    seconds: Vec<f64>,
    peak_mb: Vec<f64>,
}

impl Figures {
    fn median(values: &[f64]) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    }
}

fn measure(phase: &str, file: &Path, rows: usize, dir: &Path) -> Figures {
    let exe = std::env::current_exe().unwrap();
    let mut figures = Figures {
        seconds: Vec::new(),
        peak_mb: Vec::new(),
    };
    for _ in 0..RUNS {
        let out = Command::new(&exe)
            .args(["--phase", phase])
            .arg(file)
            .arg(rows.to_string())
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{phase}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text.split_whitespace();
        figures.seconds.push(parts.next().unwrap().parse().unwrap());
        figures.peak_mb.push(parts.next().unwrap().parse().unwrap());
    }
    figures
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--phase") {
        run_phase(
            &args[i + 1],
            Path::new(&args[i + 2]),
            args[i + 3].parse().unwrap(),
            Path::new(&args[i + 4]),
        );
        return;
    }
    let rows: usize = std::env::var("TABULAR_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("persons.xlsx");
    let start = Instant::now();
    generate(&file, rows);
    let size_mb = std::fs::metadata(&file).unwrap().len() as f64 / 1e6;
    println!(
        "tabular: {rows} rows × 8 columns (seed {SEED}), xlsx {size_mb:.1} MB generated in {:.1} s; median of {RUNS} runs, each in its own process",
        start.elapsed().as_secs_f64()
    );
    println!(
        "{:<42} {:>9} {:>22} {:>13} {:>12}",
        "phase", "median s", "runs s", "peak RSS MB", "× calamine"
    );
    let phases = [
        ("calamine", "calamine worksheet_range (bare parse)"),
        ("merges", "calamine merge_cells scan (avoided; reference)"),
        ("read", "open + locate + records"),
        ("validate", "open + locate + records + validation"),
        ("export_xlsx", "export xlsx (XlsxExport)"),
        ("export_csv", "export CSV (CsvExport)"),
    ];
    let mut calamine = f64::NAN;
    for (phase, label) in phases {
        let f = measure(phase, &file, rows, dir.path());
        let median = Figures::median(&f.seconds);
        if phase == "calamine" {
            calamine = median;
        }
        let runs: Vec<String> = f.seconds.iter().map(|s| format!("{s:.2}")).collect();
        let ratio = if matches!(phase, "read" | "validate") {
            format!("{:.2}", median / calamine)
        } else {
            String::new()
        };
        println!(
            "{label:<42} {median:>9.2} {:>22} {:>13.0} {ratio:>12}",
            runs.join(" "),
            f.peak_mb.iter().cloned().fold(0.0, f64::max),
        );
    }
    println!(
        "targets ([R]): reading+validation ≤ 2× calamine, ≤ 500 MB; export xlsx ≤ 12 s, CSV ≤ 2 s, ≤ 300 MB"
    );
    std::io::stdout().flush().unwrap();
}
