//! `tongxin calendar check FILE`: validates a holiday-notice file before it is configured as
//! `calendar_file`, and shows what it changes.

use std::process::ExitCode;

use domain::WorkCalendar;

use crate::cli::CalendarCommand;

pub fn run(cmd: &CalendarCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CalendarCommand::Check { file } => {
            let catalogs = platform::i18n::Catalogs::load(&[])?;
            let tr = super::operator_tr(&catalogs);
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let from_file = match WorkCalendar::from_json(&text) {
                Ok(calendar) => calendar,
                Err(err) => {
                    eprintln!(
                        "{}: {} ({}{})",
                        file.display(),
                        tr.t(err.key()),
                        err.key(),
                        err.detail().map(|d| format!(": {d}")).unwrap_or_default()
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            if from_file.years().next().is_none() {
                eprintln!("{}: the file lists no year", file.display());
                return Ok(ExitCode::FAILURE);
            }
            let shipped = WorkCalendar::official();
            for year in from_file.years() {
                let counts = from_file.year_counts(year).expect("a year the file lists");
                let status = if shipped.years().any(|y| y == year) {
                    "replaces the shipped year"
                } else {
                    "new year"
                };
                println!(
                    "{year}: {} days off, {} make-up working days ({status})",
                    counts.holidays, counts.workdays
                );
            }
            let merged = shipped.extended_with(&text)?;
            println!(
                "calendar with this file covers {}",
                platform::calendar::describe_years(&merged)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
