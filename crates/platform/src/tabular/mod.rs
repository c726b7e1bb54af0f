//! Spreadsheets in and out, shared by every ledger: reading the sheets officials really have
//! (`read`: CSV in UTF-8 or GBK, xlsx, xls), finding their header under title and unit rows
//! (`header`, against a `spec`), turning the rows below it into records (`rows`), and writing
//! error reports (`report`), list exports (`export`) and blank templates (`template`).
//!
//! The layer knows no database and no ledger: a registry describes its columns with a `Spec`,
//! validates each `Record` itself, and hands back the rows it rejects for the report. Everything
//! streams, so a million-row sheet is never held in memory.
//!
//! ```no_run
//! # use platform::tabular::{self, FieldSpec, Spec};
//! const PERSON: Spec = Spec::new(&[
//!     FieldSpec::new("name", "姓名").required(),
//!     FieldSpec::new("id_number", "身份证号").aliases(&["公民身份号码"]).required().identifier(),
//! ]);
//! # fn run() -> Result<(), tabular::Problem> {
//! let mut table = tabular::open("台账.xlsx".as_ref())?;
//! let layout = table.locate(&PERSON)?;
//! for record in table.records(&layout) {
//!     let record = record?;
//!     let _ = (record.row, record.get("id_number"));
//! }
//! # Ok(()) }
//! ```

pub mod export;
pub mod header;
mod normalize;
mod problem;
pub mod read;
pub mod report;
pub mod rows;
mod spec;
pub mod template;

pub use export::{Cell, CsvExport, ExportSummary, XlsxExport, describe_filter};
pub use header::{Layout, MappedField, SheetUnit, locate};
pub use problem::{CellProblem, Problem, column_name, keys};
pub use read::{Format, Merged, SheetRow, Table, TextEncoding, open, open_bytes};
pub use report::{CellError, ErrorReport, RejectedRow, error_report, write_error_report};
pub use rows::{Record, Records, SkipReason, Skipped};
pub use spec::{FieldSpec, Spec};
pub use template::write_template;
