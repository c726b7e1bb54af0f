//! The resumption sheet (`resumption_reports`) for the import framework: one row per enterprise
//! and day, by credit code. A row replaces that day's report like the API does; the prevention
//! measures, which the sheet does not carry, stay those of the enterprise's latest report.
//! Re-importing the same sheet changes nothing.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::imports::pages::ImportPage;
use platform::imports::{CheckContext, Checked, Importer, Stored, cell_problem, problem_at};
use platform::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

use super::model::{ReportInput, STATUSES, ValidReport};
use super::repo;

pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("uscc", "统一社会信用代码")
        .aliases(&["信用代码", "社会信用代码", "企业信用代码", "统一代码"])
        .required()
        .identifier(),
    FieldSpec::new("enterprise_name", "企业名称").aliases(&["企业", "单位名称", "名称"]),
    FieldSpec::new("date", "日期").aliases(&["填报日期", "报告日期", "统计日期"]),
    FieldSpec::new("status", "复工状态")
        .aliases(&["状态", "复工情况", "是否复工"])
        .required(),
    FieldSpec::new("on_duty", "在岗人数")
        .aliases(&["复工人数", "到岗人数", "在岗职工数"])
        .required(),
    FieldSpec::new("total_staff", "职工总数")
        .aliases(&["职工人数", "员工总数", "从业人数", "总人数"])
        .required(),
    FieldSpec::new("returned", "外地返岗人数").aliases(&[
        "外地返岗",
        "外地返工人数",
        "外来返岗人数",
    ]),
    FieldSpec::new("quarantined", "隔离人数").aliases(&["隔离观察人数", "正在隔离人数"]),
    FieldSpec::new("capacity_pct", "产能利用率").aliases(&[
        "产能恢复率",
        "产能利用率(%)",
        "产能(%)",
    ]),
    FieldSpec::new("planned_on", "计划复工日期").aliases(&[
        "拟复工日期",
        "预计复工日期",
        "计划复工时间",
    ]),
]);

pub struct ResumptionReports;

pub static RESUMPTION_REPORTS: ResumptionReports = ResumptionReports;

pub static PAGE: ImportPage = ImportPage {
    importer: &RESUMPTION_REPORTS,
    title_key: "resumption.import_title",
    action: "/economy/import",
    template: "/economy/template",
    list: "/economy/resumption",
    list_key: "nav.economy.resumption",
};

/// A row ready to store: the report, its enterprise's area, and the measures kept.
pub struct Item {
    pub report: ValidReport,
    pub uscc: String,
    /// The enterprise's area, found by `confirm`.
    pub area_code: String,
}

/// A status as officials write it: the code, or its Chinese name.
pub fn status_of(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if let Some(code) = STATUSES.iter().find(|s| **s == t) {
        return Some(code);
    }
    Some(match t {
        "未复工" | "未开工" | "否" => "not_resumed",
        "部分复工" | "部分开工" => "partly_resumed",
        "全面复工" | "已复工" | "全部复工" | "复工" | "是" => "fully_resumed",
        "停工整改" | "停工" | "暂停" => "suspended",
        "关停" | "已关闭" | "关闭" | "注销" | "歇业" => "closed",
        _ => return None,
    })
}

/// A head count: a whole number, possibly written `12.0` by a spreadsheet; blank is 0.
fn number(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('人');
    if t.is_empty() {
        return Some(0);
    }
    let v: f64 = t.parse().ok()?;
    (v.fract() == 0.0 && v.abs() < 1e12).then_some(v as i64)
}

/// A percentage: `85`, `85%`, or a fraction with a decimal point (`0.85`).
fn percentage(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0);
    }
    let (t, had_sign) = match t.strip_suffix('%') {
        Some(rest) => (rest.trim(), true),
        None => (t, false),
    };
    let v: f64 = t.parse().ok()?;
    let v = if !had_sign && t.contains('.') && v <= 1.0 {
        v * 100.0
    } else {
        v
    };
    Some(v.round() as i64)
}

impl Importer for ResumptionReports {
    type Item = Item;

    fn kind(&self) -> &'static str {
        "resumption_reports"
    }

    fn record_kind(&self) -> &'static str {
        super::service::RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "resumption.twice_in_file"
    }

    fn note_key(&self) -> Option<&'static str> {
        Some("resumption.import_note")
    }

    fn check(
        &self,
        record: &Record,
        _ctx: &CheckContext<'_>,
    ) -> Result<Checked<Item>, Vec<CellProblem>> {
        let mut problems = Vec::new();
        let status = status_of(record.get("status"));
        if status.is_none() {
            problems.push(problem_at(
                record,
                "status",
                Problem::new("resumption.bad_status"),
            ));
        }
        let mut counts = [0i64; 4];
        for (i, key) in ["on_duty", "total_staff", "returned", "quarantined"]
            .iter()
            .enumerate()
        {
            match number(record.get(key)) {
                Some(n) => counts[i] = n,
                None => problems.push(problem_at(
                    record,
                    key,
                    Problem::new("resumption.bad_count"),
                )),
            }
        }
        let capacity = percentage(record.get("capacity_pct"));
        if capacity.is_none() {
            problems.push(problem_at(
                record,
                "capacity_pct",
                Problem::new("resumption.bad_capacity"),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let uscc = record.get("uscc").trim().to_ascii_uppercase();
        let input = ReportInput {
            enterprise_id: 0,
            date: Some(record.get("date").to_string()),
            status: status.unwrap_or_default().to_string(),
            on_duty: counts[0],
            total_staff: counts[1],
            returned: counts[2],
            quarantined: counts[3],
            capacity_pct: capacity.unwrap_or(0),
            planned_on: Some(record.get("planned_on").to_string()),
            measures: Vec::new(),
        };
        match input.validate(platform::responsibility::today()) {
            Ok(report) => Ok(Checked {
                key: format!("{uscc} {}", report.report_on),
                key_field: "uscc",
                item: Item {
                    report,
                    uscc,
                    area_code: String::new(),
                },
            }),
            Err(err) => Err(vec![cell_problem(record, err, "uscc")]),
        }
    }

    /// Finds the enterprise by its credit code, in the importer's area, and the measures of its
    /// latest report.
    fn confirm<'a>(
        &'a self,
        db: &'a Db,
        record: &'a Record,
        item: &'a mut Item,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Result<(), Vec<CellProblem>>>> {
        Box::pin(async move {
            let unknown = || {
                Ok(Err(vec![problem_at(
                    record,
                    "uscc",
                    Problem::new("resumption.unknown_enterprise"),
                )]))
            };
            let Some(enterprise) =
                platform::registry::enterprise::repo::find_by_uscc(db, &item.uscc).await?
            else {
                return unknown();
            };
            let inside = match &ctx.target.scope {
                None => true,
                Some(scope) => domain::DivisionCode::parse(&enterprise.area_code)
                    .is_ok_and(|c| scope.contains(&c)),
            };
            if !inside {
                return unknown();
            }
            item.report.enterprise_id = enterprise.id;
            item.area_code = enterprise.area_code;
            if let Some(last) =
                repo::latest_on_or_before(db, enterprise.id, item.report.report_on).await?
            {
                item.report.measures = super::model::MEASURES
                    .iter()
                    .filter(|m| last.measures.split_whitespace().any(|k| k == **m))
                    .copied()
                    .collect();
            }
            Ok(Ok(()))
        })
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [Item],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(async move {
            let mut stored = Stored::default();
            for item in items {
                let r = &item.report;
                let before = repo::get_for_in(tx, r.enterprise_id, r.report_on).await?;
                if let Some(b) = &before
                    && same(b, r)
                {
                    continue;
                }
                repo::upsert_in(tx, r, &item.area_code, at, by)
                    .await
                    .map_err(AppError::from)?;
                if before.is_some() {
                    stored.updated += 1;
                } else {
                    stored.inserted += 1;
                }
            }
            Ok(stored)
        })
    }
}

/// Whether the stored report says what the row says.
fn same(stored: &super::model::ReportRow, r: &ValidReport) -> bool {
    stored.status == r.status
        && stored.on_duty == r.on_duty
        && stored.total_staff == r.total_staff
        && stored.returned == r.returned
        && stored.quarantined == r.quarantined
        && stored.capacity_pct == r.capacity_pct
        && stored.planned_on == r.planned_on
        && stored.measures == r.measures.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_numbers_are_read_as_officials_write_them() {
        assert_eq!(status_of("部分复工"), Some("partly_resumed"));
        assert_eq!(status_of("closed"), Some("closed"));
        assert_eq!(status_of("也许"), None);
        assert_eq!(number("12.0"), Some(12));
        assert_eq!(number("1.5"), None);
        assert_eq!(number(""), Some(0));
        assert_eq!(percentage("85%"), Some(85));
        assert_eq!(percentage("0.85"), Some(85));
        assert_eq!(percentage("60"), Some(60));
    }
}
