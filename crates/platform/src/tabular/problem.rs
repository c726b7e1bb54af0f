//! What goes wrong with a sheet, as catalog keys with arguments: the layer never holds text, so
//! the same problem reads in Chinese on a page and in English through the API.

use crate::i18n::Tr;

/// Catalog keys of this layer (`i18n/*/tabular.toml`), one constant each so a typo cannot make a
/// key the catalogs lack; `ALL` lets a test check both catalogs.
pub mod keys {
    pub const FILE_UNREADABLE: &str = "tabular.file.unreadable";
    pub const FILE_UNKNOWN_FORMAT: &str = "tabular.file.unknown_format";
    pub const FILE_HTML: &str = "tabular.file.html";
    pub const FILE_PASSWORD: &str = "tabular.file.password";
    pub const FILE_NO_SHEET: &str = "tabular.file.no_sheet";
    pub const FILE_EMPTY: &str = "tabular.file.empty";
    pub const FILE_WRITE: &str = "tabular.file.write";

    pub const HEADER_NOT_FOUND: &str = "tabular.header.not_found";
    pub const HEADER_MISSING: &str = "tabular.header.missing";
    pub const HEADER_UNKNOWN_COLUMN: &str = "tabular.header.unknown_column";
    pub const HEADER_DUPLICATE_COLUMN: &str = "tabular.header.duplicate_column";

    pub const CELL_LOST_DIGITS: &str = "tabular.cell.lost_digits";
    pub const CELL_IN_COLUMN: &str = "tabular.cell.in_column";
    pub const ROW: &str = "tabular.row";
    pub const LIST_SEPARATOR: &str = "tabular.list_separator";

    pub const REPORT_SUMMARY: &str = "tabular.report.summary";
    pub const REPORT_ERRORS_COLUMN: &str = "tabular.report.errors_column";

    pub const EXPORT_FILTER: &str = "tabular.export.filter";
    pub const EXPORT_FILTER_NONE: &str = "tabular.export.filter_none";
    pub const EXPORT_FILTER_ITEM: &str = "tabular.export.filter_item";

    pub const TEMPLATE_REQUIRED: &str = "tabular.template.required";
    pub const TEMPLATE_OPTIONAL: &str = "tabular.template.optional";
    pub const TEMPLATE_IDENTIFIER: &str = "tabular.template.identifier";

    pub const ALL: &[&str] = &[
        FILE_UNREADABLE,
        FILE_UNKNOWN_FORMAT,
        FILE_HTML,
        FILE_PASSWORD,
        FILE_NO_SHEET,
        FILE_EMPTY,
        FILE_WRITE,
        HEADER_NOT_FOUND,
        HEADER_MISSING,
        HEADER_UNKNOWN_COLUMN,
        HEADER_DUPLICATE_COLUMN,
        CELL_LOST_DIGITS,
        CELL_IN_COLUMN,
        ROW,
        LIST_SEPARATOR,
        REPORT_SUMMARY,
        REPORT_ERRORS_COLUMN,
        EXPORT_FILTER,
        EXPORT_FILTER_NONE,
        EXPORT_FILTER_ITEM,
        TEMPLATE_REQUIRED,
        TEMPLATE_OPTIONAL,
        TEMPLATE_IDENTIFIER,
    ];
}

/// A problem as a catalog key and named arguments filling its `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(key: &'static str) -> Self {
        Problem {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// The argument named `name`, for tests and logs.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn message(&self, tr: &Tr) -> String {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        tr.f(self.key, &args)
    }

    pub(crate) fn unreadable(detail: impl ToString) -> Self {
        Problem::new(keys::FILE_UNREADABLE).arg("detail", detail.to_string())
    }

    pub(crate) fn write_failed(detail: impl ToString) -> Self {
        Problem::new(keys::FILE_WRITE).arg("detail", detail.to_string())
    }
}

/// A domain rejection (`IdNumber::parse` and the like) becomes a problem with the same key; its
/// detail, meant for logs, is kept as the `detail` argument.
impl From<domain::Invalid> for Problem {
    fn from(invalid: domain::Invalid) -> Self {
        let problem = Problem::new(invalid.key());
        match invalid.detail() {
            Some(detail) => problem.arg("detail", detail),
            None => problem,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// A problem with one cell (`column` 0-based) or, without a column, with the whole row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    pub column: Option<usize>,
    pub problem: Problem,
}

impl CellProblem {
    pub fn cell(column: usize, problem: impl Into<Problem>) -> Self {
        CellProblem {
            column: Some(column),
            problem: problem.into(),
        }
    }

    pub fn row(problem: impl Into<Problem>) -> Self {
        CellProblem {
            column: None,
            problem: problem.into(),
        }
    }
}

/// The column's letters as Excel shows them: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(column: usize) -> String {
    let mut n = column + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
