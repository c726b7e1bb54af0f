//! One file per command.

mod areas;
mod audit;
mod backup;
mod bulletin;
mod calendar;
mod demo;
mod import;
mod modules;
mod serve;
mod user;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::settings;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = settings::read_file(cli.config.as_deref())?;
    match &cli.command {
        Command::Serve(args) => {
            let config = settings::config(&cli, &file, args, settings::DEFAULT_DB)?;
            serve::serve(config, None).await?;
        }
        Command::Migrate => {
            let url = settings::db_url(&cli, &file, settings::DEFAULT_DB);
            let db = platform::db::connect(&url, 2).await?;
            platform::db::migrate(&db).await?;
            let status = platform::db::migration_status(&db).await?;
            println!(
                "migrations applied: {} of {}",
                status.applied.len(),
                status.known.len()
            );
        }
        Command::Demo(args) => return demo::run(&cli, &file, args).await,
        Command::User(cmd) => return user::run(&cli, &file, cmd).await,
        Command::Areas(cmd) => return areas::run(&cli, &file, cmd).await,
        Command::Audit(cmd) => return audit::run(&cli, &file, cmd).await,
        Command::Modules(cmd) => return modules::run(&cli, &file, cmd).await,
        Command::Import {
            kind,
            file: path,
            mode,
            report,
            area,
        } => {
            let url = settings::db_url(&cli, &file, settings::DEFAULT_DB);
            return import::run(&url, kind, path, mode, report.as_deref(), area.as_deref()).await;
        }
        Command::Backup { out } => {
            return backup::run(&settings::db_url(&cli, &file, settings::DEFAULT_DB), out).await;
        }
        Command::Calendar(cmd) => return calendar::run(cmd),
        Command::Bulletin(args) => {
            return bulletin::run(&settings::db_url(&cli, &file, settings::DEFAULT_DB), args).await;
        }
        Command::Version => println!("tongxin {}", env!("CARGO_PKG_VERSION")),
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens and migrates the database of a command that changes data.
pub async fn open(url: &str) -> anyhow::Result<platform::Db> {
    let db = platform::db::connect(url, 4).await?;
    platform::db::migrate(&db).await?;
    Ok(db)
}

/// The operator's language for messages from catalogs: `TONGXIN_LANG`, else Chinese.
pub fn operator_tr(db_less: &platform::i18n::Catalogs) -> platform::i18n::Tr {
    let lang = std::env::var("TONGXIN_LANG")
        .ok()
        .and_then(|v| platform::i18n::Lang::parse(&v))
        .unwrap_or_default();
    platform::i18n::Tr::new(lang, db_less.get(lang).clone())
}
