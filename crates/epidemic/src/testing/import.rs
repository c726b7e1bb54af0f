//! The lab sheet (`lab_results`) for the import framework: barcode, result, time, lab. A row's
//! barcode must name a recorded sample of the importer's area (else the row is rejected, as the
//! results API does); barcodes are matched a batch at a time with one query
//! (`Importer::confirm_batch`), and storing applies a batch of results with a few statements
//! (`results::apply_batch_in`) under the same rules as the API, so re-importing the same sheet
//! changes nothing.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use domain::DivisionCode;
use futures::future::BoxFuture;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::imports::pages::ImportPage;
use platform::imports::{
    CheckContext, Checked, Importer, Stored, Verdict, cell_problem, problem_at,
};
use platform::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

use super::model::{ResultInput, ValidResult};

pub const RECORD_KIND: &str = "epidemic.lab_result";

pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("barcode", "条码")
        .aliases(&[
            "试管编码",
            "试管条码",
            "条形码",
            "样本编号",
            "样本条码",
            "管码",
            "采样管编号",
        ])
        .required()
        .identifier(),
    FieldSpec::new("result", "检测结果")
        .aliases(&["结果", "核酸结果", "检测结论"])
        .required(),
    FieldSpec::new("tested_at", "检测时间").aliases(&[
        "报告时间",
        "检测日期",
        "结果时间",
        "出结果时间",
    ]),
    FieldSpec::new("lab", "检测机构").aliases(&["检测单位", "实验室", "检测实验室", "机构名称"]),
]);

pub struct LabResults;

/// Results per `store` call.
const STORE_BATCH: usize = 16_384;

pub static LAB_RESULTS: LabResults = LabResults;

pub static PAGE: ImportPage = ImportPage {
    importer: &LAB_RESULTS,
    title_key: "testing.import_title",
    action: "/epidemic/testing/import",
    template: "/epidemic/testing/template",
    list: "/epidemic/testing",
    list_key: "nav.epidemic.testing",
};

/// A lab's time: a date and time, a date (its start), or a spreadsheet serial number, in
/// Beijing time.
pub fn parse_time(text: &str) -> Result<Option<DateTime<Utc>>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let local: Option<NaiveDateTime> = domain::parse_datetime_lenient(text)
        .ok()
        .or_else(|| {
            domain::parse_date_lenient(text)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .or_else(|| {
            let serial: f64 = text.parse().ok()?;
            if !(20_000.0..80_000.0).contains(&serial) {
                return None;
            }
            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
            Some(base + chrono::Duration::seconds((serial * 86_400.0).round() as i64))
        });
    let local = local.ok_or_else(|| Problem::new("testing.bad_time"))?;
    domain::china_offset()
        .from_local_datetime(&local)
        .single()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| Problem::new("testing.bad_time"))
}

/// Of these barcodes, those that name no sample inside `scope` (a sample outside the
/// importer's area does not exist for them, as in the results API): one query for the lot,
/// answering only the misses, which are few (callers send at most
/// `platform::imports::CONFIRM_BATCH` barcodes).
async fn unknown_of(
    db: &Db,
    scope: Option<&DivisionCode>,
    barcodes: &[&str],
) -> AppResult<HashSet<String>> {
    const PG: &str = "SELECT b.barcode FROM UNNEST($1::text[]) AS b(barcode) \
         LEFT JOIN epi_samples s ON s.barcode = b.barcode \
         WHERE s.id IS NULL OR s.area_code < $2 OR s.area_code >= $3";
    if barcodes.is_empty() {
        return Ok(HashSet::new());
    }
    let unknown: Vec<String> = match (db, scope) {
        // The whole tree: the barcode index alone answers.
        (Db::Sqlite(pool), None) => {
            let sql = format!(
                "WITH b(barcode) AS (VALUES {}) SELECT b.barcode FROM b \
                 LEFT JOIN epi_samples s ON s.barcode = b.barcode WHERE s.id IS NULL",
                vec!["(?)"; barcodes.len()].join(", ")
            );
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            for b in barcodes {
                q = q.bind(*b);
            }
            q.fetch_all(pool).await
        }
        (Db::Sqlite(pool), Some(scope)) => {
            let (lo, hi) = scope.subtree_range();
            let sql = format!(
                "WITH b(barcode) AS (VALUES {}) SELECT b.barcode FROM b \
                 LEFT JOIN epi_samples s ON s.barcode = b.barcode \
                 WHERE s.id IS NULL OR s.area_code < ? OR s.area_code >= ?",
                vec!["(?)"; barcodes.len()].join(", ")
            );
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            for b in barcodes {
                q = q.bind(*b);
            }
            q.bind(lo).bind(hi).fetch_all(pool).await
        }
        (Db::Postgres(pool), scope) => {
            // Area codes are digits: the whole tree lies between "" and ":" (after "9").
            let (lo, hi) = scope
                .map(|s| s.subtree_range())
                .unwrap_or_else(|| (String::new(), ":".to_string()));
            sqlx::query_scalar(PG)
                .bind(barcodes)
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await
        }
    }
    .map_err(AppError::from)?;
    Ok(unknown.into_iter().collect())
}

/// The verdict on one row, given its batch's unknown barcodes.
fn verdict(
    unknown: &HashSet<String>,
    record: &Record,
    row: &ValidResult,
) -> Result<(), Vec<CellProblem>> {
    if unknown.contains(&row.barcode) {
        Err(vec![problem_at(
            record,
            "barcode",
            Problem::new("testing.unknown_barcode"),
        )])
    } else {
        Ok(())
    }
}

impl Importer for LabResults {
    type Item = ValidResult;

    fn kind(&self) -> &'static str {
        "lab_results"
    }

    fn record_kind(&self) -> &'static str {
        RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "testing.barcode_twice_in_file"
    }

    fn note_key(&self) -> Option<&'static str> {
        Some("testing.import_note")
    }

    fn check(
        &self,
        record: &Record,
        _ctx: &CheckContext<'_>,
    ) -> Result<Checked<ValidResult>, Vec<CellProblem>> {
        let tested_at = match parse_time(record.get("tested_at")) {
            Ok(t) => t,
            Err(p) => return Err(vec![problem_at(record, "tested_at", p)]),
        };
        let input = ResultInput {
            barcode: record.get("barcode").to_string(),
            result: record.get("result").to_string(),
            tested_at,
            lab: Some(record.get("lab").to_string()),
        };
        match input.validate(Utc::now()) {
            Ok(valid) => Ok(Checked {
                key: valid.barcode.clone(),
                key_field: "barcode",
                item: valid,
            }),
            Err(err) => Err(vec![cell_problem(record, err, "barcode")]),
        }
    }

    fn confirm<'a>(
        &'a self,
        db: &'a Db,
        record: &'a Record,
        item: &'a mut ValidResult,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Result<(), Vec<CellProblem>>>> {
        Box::pin(async move {
            let scope = ctx.target.scope.as_ref();
            let unknown = unknown_of(db, scope, &[item.barcode.as_str()]).await?;
            Ok(verdict(&unknown, record, item))
        })
    }

    fn confirm_batch<'a>(
        &'a self,
        db: &'a Db,
        rows: &'a mut [(&'a Record, &'a mut ValidResult)],
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Vec<Verdict>>> {
        Box::pin(async move {
            // In barcode order, the lookups follow the index.
            let mut barcodes: Vec<&str> = rows.iter().map(|(_, r)| r.barcode.as_str()).collect();
            barcodes.sort_unstable();
            barcodes.dedup();
            let unknown = unknown_of(db, ctx.target.scope.as_ref(), &barcodes).await?;
            Ok(rows
                .iter()
                .map(|(record, row)| verdict(&unknown, record, row))
                .collect())
        })
    }

    /// Thousands of results at a time, applied in barcode order: the samples they update are
    /// then visited in their index's order instead of the sheet's, which is several times
    /// faster on SQLite for a large sheet.
    fn store_batch(&self) -> usize {
        STORE_BATCH
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [ValidResult],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(async move {
            let applied = super::results::apply_batch_in(tx, by, at, items).await?;
            Ok(Stored {
                inserted: 0,
                updated: applied.changed,
            })
        })
    }
}
