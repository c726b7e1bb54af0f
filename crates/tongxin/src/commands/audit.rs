//! `tongxin audit verify`: walks the audit log's hash chain. Exit 0 with the count and the newest
//! hash when it is intact; exit 1 naming the first entry edited, deleted or reordered.

use std::process::ExitCode;

use platform::audit::{Verdict, verify};

use crate::cli::{AuditCommand, Cli};
use crate::settings::{self, FileSettings};

pub async fn run(cli: &Cli, file: &FileSettings, cmd: &AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify = cmd;
    let catalogs = platform::i18n::Catalogs::load(&[])?;
    let tr = super::operator_tr(&catalogs);
    // Only reads: no migration, so checking a copy of a database changes nothing in it.
    let url = settings::db_url(cli, file, settings::DEFAULT_DB);
    let db = platform::db::connect(&url, 2).await?;
    let verdict = verify(&db).await?;
    db.close().await;
    match verdict {
        Verdict::Intact { entries, head_hash } => {
            println!(
                "{}",
                tr.f(
                    "audit.verify.ok",
                    &[("n", &entries.to_string()), ("hash", &head_hash)]
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken { seq, problem } => {
            let (next, head) = match problem {
                platform::audit::Problem::Missing { next } => (next, 0),
                platform::audit::Problem::TailMissing { head } => (0, head),
                _ => (0, 0),
            };
            eprintln!(
                "{}",
                tr.f(
                    problem.key(),
                    &[
                        ("seq", &seq.to_string()),
                        ("next", &next.to_string()),
                        ("head", &head.to_string()),
                    ]
                )
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
