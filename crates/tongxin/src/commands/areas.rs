//! `tongxin areas import FILE` and `tongxin areas shapes FILE.geojson`.

use std::process::ExitCode;

use chrono::Datelike;
use platform::areas::import::{ImportError, import_file};

use crate::cli::{AreasCommand, Cli};
use crate::settings::{self, FileSettings};

pub async fn run(cli: &Cli, file: &FileSettings, cmd: &AreasCommand) -> anyhow::Result<ExitCode> {
    let (path, edition_year) = match cmd {
        AreasCommand::Import { file, edition_year } => (file, edition_year),
        AreasCommand::Shapes { file: path } => return shapes(cli, file, path).await,
    };
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

/// Loads map shapes: prints what was stored and the codes not in the tree; a file refused as a
/// whole exits non-zero with the reason.
async fn shapes(
    cli: &Cli,
    file: &FileSettings,
    path: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let catalogs = platform::i18n::Catalogs::load(&[])?;
    let tr = super::operator_tr(&catalogs);
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let Ok(collection) = serde_json::from_str::<serde_json::Value>(&text) else {
        eprintln!("{}", tr.t("risk.not_feature_collection"));
        return Ok(ExitCode::FAILURE);
    };
    let db = super::open(&settings::db_url(cli, file, settings::DEFAULT_DB)).await?;
    let actor = platform::audit::Actor::cli();
    match platform::risk::shapes::load(&db, &actor, &collection).await {
        Ok(loaded) => {
            println!(
                "{}",
                tr.f(
                    "risk.shapes_loaded",
                    &[
                        ("stored", &loaded.stored.to_string()),
                        ("unknown", &loaded.unknown_areas.len().to_string())
                    ]
                )
            );
            for code in loaded.unknown_areas.iter().take(50) {
                eprintln!("  {code}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) if err.status.is_client_error() => {
            eprintln!("{}", err.message(&tr));
            Ok(ExitCode::FAILURE)
        }
        Err(err) => Err(anyhow::anyhow!("{err:?}")),
    }
}
