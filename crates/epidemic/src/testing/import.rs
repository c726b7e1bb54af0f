//! The lab sheet (`lab_results`) for the import framework: barcode, result, time, lab. A row's
//! barcode must name a recorded sample of the importer's area (else the row is rejected, as the
//! results API does); barcodes are matched a batch at a time with one query
//! (`Importer::confirm_batch`), and storing applies a batch of results with a few statements
//! (`results::apply_batch_in`) under the same rules as the API, so re-importing the same sheet
//! changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use domain::DivisionCode;
use futures::future::BoxFuture;
use platform::db::{Db, Tx};
use platform::error::{AppError, AppResult};
use platform::imports::pages::ImportPage;
use platform::imports::{CheckContext, Checked, Importer, Stored, cell_problem, problem_at};
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

/// A sheet row that passed its checks, and once confirmed, the sample its barcode names.
#[derive(Clone, Debug)]
pub struct LabRow {
    pub result: ValidResult,
    pub sample_id: i64,
}

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

/// The samples these barcodes name, with their areas: one query for the lot (callers send at
/// most `platform::imports::CONFIRM_BATCH` barcodes).
async fn samples_of(db: &Db, barcodes: &[&str]) -> AppResult<HashMap<String, (i64, String)>> {
    if barcodes.is_empty() {
        return Ok(HashMap::new());
    }
    let params: Vec<String> = (1..=barcodes.len())
        .map(|n| match db {
            Db::Sqlite(_) => "?".to_string(),
            Db::Postgres(_) => format!("${n}"),
        })
        .collect();
    let sql = format!(
        "SELECT barcode, id, area_code FROM epi_samples WHERE barcode IN ({})",
        params.join(", ")
    );
    let rows: Vec<(String, i64, String)> = platform::with_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for b in barcodes {
            q = q.bind(*b);
        }
        q.fetch_all(pool).await
    })
    .map_err(AppError::from)?;
    Ok(rows
        .into_iter()
        .map(|(barcode, id, area)| (barcode, (id, area)))
        .collect())
}

/// A sample outside the importer's area does not exist for them.
fn in_scope(ctx: &CheckContext<'_>, area: &str) -> bool {
    match (&ctx.target.scope, DivisionCode::parse(area)) {
        (None, _) => true,
        (Some(scope), Ok(area)) => scope.contains(&area),
        (Some(_), Err(_)) => false,
    }
}

/// The verdict on one row, given the samples found for its batch.
fn verdict(
    samples: &HashMap<String, (i64, String)>,
    ctx: &CheckContext<'_>,
    record: &Record,
    row: &mut LabRow,
) -> Result<(), Vec<CellProblem>> {
    match samples.get(&row.result.barcode) {
        Some((id, area)) if in_scope(ctx, area) => {
            row.sample_id = *id;
            Ok(())
        }
        _ => Err(vec![problem_at(
            record,
            "barcode",
            Problem::new("testing.unknown_barcode"),
        )]),
    }
}

impl Importer for LabResults {
    type Item = LabRow;

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
    ) -> Result<Checked<LabRow>, Vec<CellProblem>> {
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
                item: LabRow {
                    result: valid,
                    sample_id: 0,
                },
            }),
            Err(err) => Err(vec![cell_problem(record, err, "barcode")]),
        }
    }

    fn confirm<'a>(
        &'a self,
        db: &'a Db,
        record: &'a Record,
        item: &'a mut LabRow,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Result<(), Vec<CellProblem>>>> {
        Box::pin(async move {
            let samples = samples_of(db, &[item.result.barcode.as_str()]).await?;
            Ok(verdict(&samples, ctx, record, item))
        })
    }

    fn confirm_batch<'a>(
        &'a self,
        db: &'a Db,
        rows: &'a mut [(&'a Record, &'a mut LabRow)],
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Vec<Result<(), Vec<CellProblem>>>>> {
        Box::pin(async move {
            let barcodes: Vec<&str> = rows
                .iter()
                .map(|(_, r)| r.result.barcode.as_str())
                .collect();
            let samples = samples_of(db, &barcodes).await?;
            Ok(rows
                .iter_mut()
                .map(|(record, row)| verdict(&samples, ctx, record, row))
                .collect())
        })
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [LabRow],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(async move {
            let rows: Vec<(i64, &ValidResult)> =
                items.iter().map(|r| (r.sample_id, &r.result)).collect();
            let applied = super::results::apply_batch_in(tx, by, at, &rows).await?;
            Ok(Stored {
                inserted: 0,
                updated: applied.changed,
            })
        })
    }
}
