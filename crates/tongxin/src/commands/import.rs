//! `tongxin import KIND FILE [--mode all-or-nothing|valid-rows] [--report OUT.xlsx] [--area CODE]`:
//! exits non-zero when any row was rejected.

use std::path::Path;
use std::process::ExitCode;

use platform::audit::Actor;
use platform::imports::{Mode, SheetImport, Target};

/// The importer for `kind` among the modules' importers.
fn importer(kind: &str) -> Result<&'static dyn SheetImport, Vec<&'static str>> {
    let all: Vec<&'static dyn SheetImport> = crate::modules::all()
        .iter()
        .flat_map(|m| m.importers())
        .collect();
    all.iter()
        .find(|i| i.kind() == kind)
        .copied()
        .ok_or_else(|| all.iter().map(|i| i.kind()).collect())
}

pub async fn run(
    url: &str,
    kind: &str,
    path: &Path,
    mode: &str,
    report: Option<&Path>,
    area: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let catalogs = platform::i18n::Catalogs::load(&[])?;
    let tr = super::operator_tr(&catalogs);
    let importer = match importer(kind) {
        Ok(importer) => importer,
        Err(kinds) => {
            eprintln!(
                "{}",
                tr.f(
                    "import.unknown_kind",
                    &[("kind", kind), ("kinds", &kinds.join(", "))]
                )
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let mode = Mode::parse(mode)
        .ok_or_else(|| anyhow::anyhow!("--mode must be all-or-nothing or valid-rows"))?;
    let default_area = match area {
        Some(code) => Some(
            domain::DivisionCode::parse(code)
                .map_err(|e| anyhow::anyhow!("--area {code:?}: {e}"))?,
        ),
        None => None,
    };
    let table = match platform::tabular::open(path) {
        Ok(table) => table,
        Err(problem) => {
            eprintln!("{}", problem.message(&tr));
            return Ok(ExitCode::FAILURE);
        }
    };
    let db = super::open(url).await?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let target = Target {
        scope: None,
        default_area,
    };
    let outcome = match importer
        .run(&db, &Actor::cli(), &tr, table, mode, &target, file_name)
        .await
    {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("{}", err.message(&tr));
            return Ok(ExitCode::FAILURE);
        }
    };
    let s = &outcome.summary;
    let n = |v: u64| v.to_string();
    println!(
        "{}",
        tr.f(
            "import.summary",
            &[
                ("rows", &s.rows.to_string()),
                ("inserted", &n(s.inserted)),
                ("updated", &n(s.updated)),
                ("unchanged", &n(s.unchanged)),
                ("rejected", &s.rejected.len().to_string()),
            ]
        )
    );
    if !s.committed {
        eprintln!("{}", tr.t("import.nothing_stored"));
    }
    for r in s.rejected.iter().take(50) {
        eprintln!(
            "  {}",
            tr.f(
                "import.row",
                &[
                    ("row", &r.row.to_string()),
                    ("errors", &r.errors.join("；"))
                ]
            )
        );
    }
    if let Some(report) = report
        && !outcome.rejected.is_empty()
    {
        platform::tabular::write_error_report(report, &tr, &outcome.header, &outcome.rejected)
            .map_err(|p| anyhow::anyhow!(p.message(&tr)))?;
        println!(
            "{}",
            tr.f(
                "import.report_written",
                &[("path", &report.display().to_string())]
            )
        );
    }
    db.close().await;
    Ok(if s.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
