//! `cargo bench -p platform --bench tabular`: the tabular layer against issue [R]'s targets.
//!
//! Generates a person sheet with `testkit::sheets` (title row, header, 1,000,000 rows × 8
//! columns, deterministic from a seed; shared strings and date cells as Excel writes them; the
//! same generator as `tongxin/benches/registry.rs`), then times, as the median of 3
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
use platform::tabular::{self, Cell, CsvExport, FieldSpec, Spec, XlsxExport};
use testkit::sheets::{HEADERS, Person, Rng, SEED, person};

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
            let mut rng = Rng::new(SEED);
            for i in 0..rows {
                let p = person(&mut rng, i);
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
            let mut rng = Rng::new(SEED);
            for i in 0..rows {
                let p = person(&mut rng, i);
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
    testkit::sheets::write_person_xlsx(&file, rows, &[]).unwrap();
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
