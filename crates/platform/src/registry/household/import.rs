//! The household sheet for the import framework (`crate::imports`), as villages keep it: one
//! row per member, with the head's name and document number on every row; the rows of one head
//! form one household, and the head's own row has the relation 户主 (or the head's number as
//! the member's). Heads and members must already be registered persons of the importer's area
//! (`confirm` looks them up and rejects the row otherwise: import the persons first). Storing
//! finds the household the head heads, or registers it; a member in another household is moved
//! into it (the upload page says so). A row that changes nothing is left alone, so re-importing
//! the same file changes nothing.

use chrono::{DateTime, Utc};
use domain::{AreaLevel, DivisionCode, Document, HouseholdRelation};
use futures::future::BoxFuture;

use super::{RECORD_KIND, repo};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::imports::pages::ImportPage;
use crate::imports::{CheckContext, Checked, Importer, Stored, cell_problem, problem_at};
use crate::registry::person::model::guess_document_type;
use crate::tabular::{CellProblem, FieldSpec, Problem, Record, Spec};

/// The columns of a household sheet, with the names officials use for them.
pub const SPEC: Spec = Spec::new(&[
    FieldSpec::new("head_name", "户主姓名").required(),
    FieldSpec::new("head_number", "户主身份证号")
        .aliases(&["户主证件号码", "户主公民身份号码", "户主身份证号码"])
        .required()
        .identifier(),
    FieldSpec::new("member_name", "成员姓名")
        .aliases(&["姓名", "家庭成员姓名"])
        .required(),
    FieldSpec::new("member_number", "成员身份证号")
        .aliases(&[
            "身份证号码",
            "公民身份号码",
            "证件号码",
            "身份证号",
            "成员证件号码",
        ])
        .required()
        .identifier(),
    FieldSpec::new("relation", "与户主关系")
        .aliases(&["与户主的关系", "关系"])
        .required(),
    FieldSpec::new("address", "家庭住址")
        .aliases(&["住址", "地址", "现住址"])
        .required(),
    FieldSpec::new("area_code", "区划代码").aliases(&[
        "网格代码",
        "所属网格代码",
        "村社区代码",
        "所属区划代码",
    ]),
]);

/// One checked row: who heads, who the member is and how related, where the household is; the
/// persons' ids are filled in by `confirm`.
pub struct MemberRow {
    head: Document,
    head_name: String,
    member: Document,
    member_name: String,
    relation: HouseholdRelation,
    address: String,
    area: DivisionCode,
    head_id: i64,
    member_id: i64,
}

impl MemberRow {
    fn is_head_row(&self) -> bool {
        self.member == self.head
    }
}

/// The household importer: `tongxin import households FILE`, `POST /api/v1/imports/households`.
pub struct HouseholdImporter;

pub static HOUSEHOLDS: HouseholdImporter = HouseholdImporter;

/// The upload page, `/registry/households/import`.
pub static PAGE: ImportPage = ImportPage {
    importer: &HOUSEHOLDS,
    title_key: "import.title_households",
    action: "/registry/households/import",
    template: "/registry/households/template",
    list: "/registry/households",
    list_key: "nav.households",
};

fn document(text: &str) -> Result<Document, AppError> {
    Document::parse(guess_document_type(text), text.trim()).map_err(AppError::from)
}

fn name_of(text: &str) -> Option<String> {
    let name = text.trim();
    (!name.is_empty() && name.chars().count() <= 50).then(|| name.to_string())
}

/// An `AppError` from parsing, as a problem at `key`'s cell.
fn at(record: &Record, key: &str, err: AppError) -> CellProblem {
    cell_problem(record, err, key)
}

impl Importer for HouseholdImporter {
    type Item = MemberRow;

    fn kind(&self) -> &'static str {
        "households"
    }

    fn record_kind(&self) -> &'static str {
        RECORD_KIND
    }

    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn duplicate_key(&self) -> &'static str {
        "household.duplicate_in_file"
    }

    fn note_key(&self) -> Option<&'static str> {
        Some("household.import_note")
    }

    fn check(
        &self,
        record: &Record,
        ctx: &CheckContext<'_>,
    ) -> Result<Checked<MemberRow>, Vec<CellProblem>> {
        let mut problems: Vec<CellProblem> = Vec::new();
        let head = document(record.get("head_number"))
            .map_err(|e| problems.push(at(record, "head_number", e)))
            .ok();
        let head_name = name_of(record.get("head_name"));
        if head_name.is_none() {
            problems.push(problem_at(
                record,
                "head_name",
                Problem::new("person.bad_name"),
            ));
        }
        let relation_text = record.get("relation").trim();
        let relation = if relation_text.is_empty() {
            None
        } else {
            HouseholdRelation::parse(relation_text)
                .map_err(|e| problems.push(at(record, "relation", AppError::from(e))))
                .ok()
        };
        // The head's own row may leave the member's cells empty.
        let member_text = record.get("member_number").trim();
        let member = if member_text.is_empty() && relation == Some(HouseholdRelation::Head) {
            head.clone()
        } else {
            document(member_text)
                .map_err(|e| problems.push(at(record, "member_number", e)))
                .ok()
        };
        let is_head = member.is_some() && member == head;
        let member_name = match name_of(record.get("member_name")) {
            Some(name) => Some(name),
            None if is_head => head_name.clone(),
            None => {
                problems.push(problem_at(
                    record,
                    "member_name",
                    Problem::new("person.bad_name"),
                ));
                None
            }
        };
        let relation = match relation {
            None if is_head => Some(HouseholdRelation::Head),
            None if relation_text.is_empty() => {
                problems.push(problem_at(
                    record,
                    "relation",
                    Problem::new("household.import_no_relation"),
                ));
                None
            }
            Some(HouseholdRelation::Head) if !is_head && member.is_some() => {
                problems.push(problem_at(
                    record,
                    "relation",
                    Problem::new("household.import_second_head"),
                ));
                None
            }
            Some(r) if is_head && r != HouseholdRelation::Head => {
                problems.push(problem_at(
                    record,
                    "relation",
                    Problem::new("household.import_head_relation"),
                ));
                None
            }
            other => other,
        };
        let address = record.get("address").trim();
        if address.is_empty() || address.chars().count() > 200 {
            problems.push(problem_at(
                record,
                "address",
                Problem::new("household.bad_address"),
            ));
        }
        let area = match DivisionCode::parse(&ctx.area_text(record, "area_code")) {
            Ok(area) if !matches!(area.level(), AreaLevel::Village | AreaLevel::Grid) => {
                problems.push(problem_at(
                    record,
                    "area_code",
                    Problem::new("household.area_not_village"),
                ));
                None
            }
            Ok(area) => match ctx.area_problem(&area) {
                Some(p) => {
                    problems.push(problem_at(record, "area_code", p));
                    None
                }
                None => Some(area),
            },
            Err(e) => {
                problems.push(at(record, "area_code", AppError::from(e)));
                None
            }
        };
        match (head, head_name, member, member_name, relation, area) {
            (
                Some(head),
                Some(head_name),
                Some(member),
                Some(member_name),
                Some(relation),
                Some(area),
            ) if problems.is_empty() => Ok(Checked {
                key: format!("{}:{}", member.kind().as_str(), member.number()),
                key_field: "member_number",
                item: MemberRow {
                    head,
                    head_name,
                    member,
                    member_name,
                    relation,
                    address: address.to_string(),
                    area,
                    head_id: 0,
                    member_id: 0,
                },
            }),
            _ => Err(problems),
        }
    }

    fn confirm<'a>(
        &'a self,
        db: &'a Db,
        record: &'a Record,
        item: &'a mut MemberRow,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFuture<'a, AppResult<Result<(), Vec<CellProblem>>>> {
        Box::pin(confirm(db, record, item, ctx))
    }

    fn store<'a>(
        &'a self,
        tx: &'a mut Tx,
        items: &'a [MemberRow],
        at: DateTime<Utc>,
        by: &'a str,
    ) -> BoxFuture<'a, AppResult<Stored>> {
        Box::pin(store(tx, items, at, by))
    }
}

/// A registered person as the import needs them.
#[derive(sqlx::FromRow)]
struct Registered {
    id: i64,
    name: String,
    area_code: String,
    merged_into: Option<i64>,
    /// The household this person heads, if any.
    heads: Option<i64>,
}

async fn registered(db: &Db, doc: &Document) -> AppResult<Option<Registered>> {
    const SQL: &str = "SELECT p.id, p.name, p.area_code, p.merged_into, \
         (SELECT MIN(h.id) FROM households h WHERE h.head_person_id = p.id) AS heads \
         FROM persons p WHERE p.doc_type = $1 AND p.doc_number = $2";
    Ok(crate::with_db!(db, pool => sqlx::query_as(SQL)
        .bind(doc.kind().as_str()).bind(doc.number()).fetch_optional(pool).await)?)
}

/// The head and the member must be registered persons of the importer's area, not merged, under
/// the names the sheet gives; a member must not head another household.
async fn confirm(
    db: &Db,
    record: &Record,
    item: &mut MemberRow,
    ctx: &CheckContext<'_>,
) -> AppResult<Result<(), Vec<CellProblem>>> {
    let mut problems = Vec::new();
    let people = [
        ("head_number", "head_name", &item.head, &item.head_name),
        (
            "member_number",
            "member_name",
            &item.member,
            &item.member_name,
        ),
    ];
    let mut ids = [0i64; 2];
    for (i, (number_key, name_key, doc, name)) in people.into_iter().enumerate() {
        if i == 1 && item.member == item.head {
            ids[1] = ids[0];
            break;
        }
        let in_scope = |p: &Registered| match (&ctx.target.scope, DivisionCode::parse(&p.area_code))
        {
            (None, _) => true,
            (Some(scope), Ok(area)) => scope.contains(&area),
            (Some(_), Err(_)) => false,
        };
        match registered(db, doc).await?.filter(in_scope) {
            None => problems.push(problem_at(
                record,
                number_key,
                Problem::new("household.import_unregistered").arg("name", name.clone()),
            )),
            Some(p) if p.merged_into.is_some() => problems.push(problem_at(
                record,
                number_key,
                Problem::new("household.person_merged").arg("name", p.name),
            )),
            Some(p) if p.name != *name => problems.push(problem_at(
                record,
                name_key,
                Problem::new("household.import_name_mismatch")
                    .arg("name", name.clone())
                    .arg("registered", p.name),
            )),
            Some(p) => {
                if i == 1
                    && let Some(other) = p.heads
                {
                    problems.push(problem_at(
                        record,
                        number_key,
                        Problem::new("household.person_heads_other")
                            .arg("name", p.name.clone())
                            .arg("household", other.to_string()),
                    ));
                }
                ids[i] = p.id;
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    item.head_id = ids[0];
    item.member_id = ids[1];
    Ok(Ok(()))
}

/// The household `head` heads, in the transaction.
async fn household_headed_by(tx: &mut Tx, head: i64) -> AppResult<Option<i64>> {
    const SQL: &str = "SELECT MIN(id) FROM households WHERE head_person_id = $1";
    Ok(crate::with_conn!(tx, conn => sqlx::query_scalar(SQL).bind(head).fetch_one(conn).await)?)
}

/// A person's household and relation, in the transaction.
async fn membership(tx: &mut Tx, person: i64) -> AppResult<(Option<i64>, Option<String>)> {
    const SQL: &str = "SELECT household_id, household_relation FROM persons WHERE id = $1";
    Ok(crate::with_conn!(tx, conn => sqlx::query_as(SQL).bind(person).fetch_one(conn).await)?)
}

/// Puts `person` in `household` as `relation`, taking them out of the household they were in
/// (which gets a new version).
async fn join(
    tx: &mut Tx,
    person: i64,
    household: i64,
    relation: HouseholdRelation,
    from: Option<i64>,
    at: DateTime<Utc>,
    by: &str,
) -> AppResult<()> {
    if let Some(other) = from.filter(|o| *o != household) {
        repo::touch(tx, other, None, at, by).await?;
    }
    if !repo::set_member(tx, person, Some(household), Some(relation.as_str()), from).await? {
        return Err(AppError::conflict("household.changed_meanwhile"));
    }
    Ok(())
}

/// Per row, in order: the household the head heads, or a new one at the row's address and area
/// (the head joins it); the head's own row brings the household's address and area up to date;
/// a member's row puts the member in it with the relation, moving them from another household.
/// A row counts as inserted when it registered the household or brought the member into it,
/// updated when it changed the relation, the address or the area, unchanged otherwise. A member
/// who heads another household by now (an earlier row of this import made them a head) is left
/// where they are.
async fn store(tx: &mut Tx, rows: &[MemberRow], at: DateTime<Utc>, by: &str) -> AppResult<Stored> {
    const ADDRESS: &str = "UPDATE households SET address = $2, area_code = $3, version = version + 1, \
         updated_at = $4, updated_by = $5 WHERE id = $1 AND NOT (COALESCE(address, '') = $2 AND area_code = $3)";
    let mut stored = Stored::default();
    for row in rows {
        let (household, created) = match household_headed_by(tx, row.head_id).await? {
            Some(id) => (id, false),
            None => {
                let (from, _) = membership(tx, row.head_id).await?;
                let id =
                    repo::insert(tx, row.head_id, &row.address, row.area.as_str(), at, by).await?;
                join(tx, row.head_id, id, HouseholdRelation::Head, from, at, by).await?;
                (id, true)
            }
        };
        if row.is_head_row() {
            if created {
                stored.inserted += 1;
            } else {
                stored.updated += crate::with_conn!(tx, conn => sqlx::query(ADDRESS)
                    .bind(household).bind(&row.address).bind(row.area.as_str()).bind(at).bind(by)
                    .execute(conn).await.map(|r| r.rows_affected()))?;
            }
            continue;
        }
        if household_headed_by(tx, row.member_id)
            .await?
            .is_some_and(|h| h != household)
        {
            continue;
        }
        let (from, relation) = membership(tx, row.member_id).await?;
        if from == Some(household) {
            if relation.as_deref() != Some(row.relation.as_str()) {
                repo::set_member(
                    tx,
                    row.member_id,
                    Some(household),
                    Some(row.relation.as_str()),
                    from,
                )
                .await?;
                repo::touch(tx, household, None, at, by).await?;
                stored.updated += 1;
            } else if created {
                stored.inserted += 1;
            }
            continue;
        }
        join(tx, row.member_id, household, row.relation, from, at, by).await?;
        if !created {
            repo::touch(tx, household, None, at, by).await?;
        }
        stored.inserted += 1;
    }
    Ok(stored)
}
