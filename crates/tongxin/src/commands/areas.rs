//! `tongxin areas import FILE`.

use std::process::ExitCode;

use chrono::Datelike;
use platform::areas::import::{ImportError, import_file};

use crate::cli::{AreasCommand, Cli};
use crate::settings::{self, FileSettings};

pub async fn run(cli: &Cli, file: &FileSettings, cmd: &AreasCommand) -> anyhow::Result<ExitCode> {
    let AreasCommand::Import {
        file: path,
        edition_year,
    } = cmd;
    let catalogs = platform::i18n::Catalogs::load(&[])?;
    let tr = super::operator_tr(&catalogs);
    let db = super::open(&settings::db_url(cli, file, settings::DEFAULT_DB)).await?;
    let year = edition_year.unwrap_or_else(|| chrono::Utc::now().year());
    match import_file(&db, path, year).await {
        Ok(counts) => {
            println!(
                "{}",
                tr.f(
                    "areas.import.done",
                    &[
                        ("inserted", &counts.inserted.to_string()),
                        ("updated", &counts.updated.to_string())
                    ]
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::File(problem)) => {
            eprintln!("{}", problem.message(&tr));
            Ok(ExitCode::FAILURE)
        }
        Err(ImportError::Rows(problems)) => {
            eprintln!(
                "{}",
                tr.f(
                    "areas.import.refused",
                    &[("n", &problems.len().to_string())]
                )
            );
            for p in problems.iter().take(50) {
                eprintln!("  {}", p.message(&tr));
            }
            if problems.len() > 50 {
                eprintln!("  …");
            }
            Ok(ExitCode::FAILURE)
        }
        Err(ImportError::Storage(err)) => Err(err),
    }
}
