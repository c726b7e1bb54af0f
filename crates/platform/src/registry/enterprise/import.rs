//! The enterprise sheet for the import framework (`crate::imports`): the columns enterprise
//! ledgers use, a row checked like a registration (a pilot credit code that fails the checksum
//! is accepted, as on the form), and the batch upsert by credit code — a row equal to the stored
//! enterprise is left alone, so re-importing the same file changes nothing.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::RECORD_KIND;
use super::model::{EnterpriseInput, ValidEnterprise};
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::imports::cells::{whole_number, yes_no};
use crate::imports::pages::ImportPage;
use crate::imports::{CheckContext, Checked, Importer, Stored, cell_problem, problem_at};
use crate::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

/// The columns of an enterprise sheet, with the names officials use for them.
pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("name", "企业名称")
        .aliases(&["单位名称", "企业（单位）名称", "名称", "企业"])
        .required(),
    FieldSpec::new("uscc", "统一社会信用代码")
        .aliases(&["信用代码", "社会信用代码", "统一代码"])
        .required()
        .identifier(),
    FieldSpec::new("industry", "所属行业")
        .aliases(&["行业", "行业门类", "国民经济行业"])
        .required(),
    FieldSpec::new("above_size", "是否规上").aliases(&[
        "规上企业",
        "是否规模以上",
        "规模以上",
        "规上",
        "企业规模",
    ]),
    FieldSpec::new("employees", "从业人员").aliases(&[
        "从业人数",
        "职工人数",
        "员工人数",
        "从业人员数",
        "职工总数",
    ]),
    FieldSpec::new("legal_rep", "法定代表人").aliases(&["法人代表", "法人", "负责人"]),
    FieldSpec::new("contact_phone", "联系电话")
        .aliases(&["联系方式", "电话", "手机号码"])
        .identifier(),
    FieldSpec::new("address", "地址").aliases(&["企业地址", "注册地址", "经营地址", "住所"]),
    FieldSpec::new("area_code", "区划代码").aliases(&["所属区划代码", "乡镇街道代码"]),
]);

/// The enterprise importer: `tongxin import enterprises FILE`, `POST /api/v1/imports/enterprises`.
pub struct EnterpriseImporter;

pub static ENTERPRISES: EnterpriseImporter = EnterpriseImporter;

/// The upload page, `/registry/enterprises/import`.
pub static PAGE: ImportPage = ImportPage {
    importer: &ENTERPRISES,
    title_key: "import.title_enterprises",
    action: "/registry/enterprises/import",
    template: "/registry/enterprises/template",
    list: "/registry/enterprises",
    list_key: "nav.enterprises",
};

impl Importer for EnterpriseImporter {
    type Item = ValidEnterprise;

    fn kind(&self) -> &'static str {
        "enterprises"
    }

    fn record_kind(&self) -> &'static str {
        RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "enterprise.duplicate_in_file"
    }

    fn check(
        &self,
        record: &Record,
        ctx: &CheckContext<'_>,
    ) -> Result<Checked<ValidEnterprise>, Vec<CellProblem>> {
        let mut problems = Vec::new();
        let above_size = yes_no(record.get("above_size")).unwrap_or_else(|| {
            problems.push(problem_at(
                record,
                "above_size",
                Problem::new("enterprise.bad_above_size_cell"),
            ));
            false
        });
        let employees = whole_number(record.get("employees")).unwrap_or_else(|p| {
            problems.push(problem_at(record, "employees", p));
            None
        });
        let text = |key: &str| Some(record.get(key).to_string());
        let input = EnterpriseInput {
            uscc: record.get("uscc").to_string(),
            name: record.get("name").to_string(),
            industry: record.get("industry").to_string(),
            above_size,
            employees,
            legal_rep: text("legal_rep"),
            contact_phone: text("contact_phone"),
            address: text("address"),
            area_code: ctx.area_text(record, "area_code"),
        };
        match input.validate() {
            Ok(enterprise) => {
                if let Some(p) = ctx.area_problem(&enterprise.area) {
                    problems.push(problem_at(record, "area_code", p));
                }
                if problems.is_empty() {
                    return Ok(Checked {
                        key: enterprise.uscc.as_str().to_string(),
                        key_field: "uscc",
                        item: enterprise,
                    });
                }
            }
            Err(err) => problems.push(cell_problem(record, err, "name")),
        }
        Err(problems)
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [ValidEnterprise],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(upsert(tx, items, at, by))
    }
}

/// Upserts a batch by credit code; a row equal to the stored enterprise is left alone.
async fn upsert(
    tx: &mut Tx,
    rows: &[ValidEnterprise],
    now: DateTime<Utc>,
    by: &str,
) -> AppResult<Stored> {
    const COLUMNS: usize = 9;
    let (at, by_param) = (rows.len() * COLUMNS + 1, rows.len() * COLUMNS + 2);
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let p: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", i * COLUMNS + c))
                .collect();
            format!(
                "({}, 1, ${at}, ${by_param}, ${at}, ${by_param})",
                p.join(", ")
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO enterprises (uscc, name, industry, above_size, employees, legal_rep, contact_phone, \
         address, area_code, version, created_at, created_by, updated_at, updated_by) VALUES {} \
         ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, industry = excluded.industry, \
         above_size = excluded.above_size, employees = excluded.employees, legal_rep = excluded.legal_rep, \
         contact_phone = excluded.contact_phone, address = excluded.address, area_code = excluded.area_code, \
         version = enterprises.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by \
         WHERE enterprises.name <> excluded.name OR enterprises.industry <> excluded.industry \
         OR enterprises.above_size <> excluded.above_size \
         OR COALESCE(enterprises.employees, -1) <> COALESCE(excluded.employees, -1) \
         OR COALESCE(enterprises.legal_rep, '') <> COALESCE(excluded.legal_rep, '') \
         OR COALESCE(enterprises.contact_phone, '') <> COALESCE(excluded.contact_phone, '') \
         OR COALESCE(enterprises.address, '') <> COALESCE(excluded.address, '') \
         OR enterprises.area_code <> excluded.area_code \
         RETURNING version",
        values.join(", ")
    );
    let returned: Vec<i32> = crate::with_conn!(tx, conn => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for e in rows {
            q = q.bind(e.uscc.as_str()).bind(&e.name).bind(e.industry.as_str()).bind(e.above_size)
                .bind(e.employees).bind(&e.legal_rep)
                .bind(e.contact_phone.as_ref().map(|p| p.as_str().to_string()))
                .bind(&e.address).bind(e.area.as_str());
        }
        q.bind(now).bind(by).fetch_all(conn).await
    })
    .map_err(AppError::from)?;
    let inserted = returned.iter().filter(|v| **v == 1).count() as u64;
    Ok(Stored {
        inserted,
        updated: returned.len() as u64 - inserted,
    })
}
