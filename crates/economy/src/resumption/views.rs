//! The views of the rates: an area's total and its breakdown by child area, GB/T 4754 industry
//! section, size (规上/规下) or the risk level of the enterprise's area on the day (the kernel's
//! `platform::risk`); the trend over the last days; and the enterprises not resumed, with their
//! 包保 cadre and their area's risk level — the ones whose level permits resumption first in
//! line for a call.

use chrono::{Duration, NaiveDate};
use domain::{DivisionCode, IndustrySection};
use platform::db::Db;
use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, Tr};
use platform::responsibility::model::Subject;
use serde::Serialize;
use utoipa::ToSchema;

use super::rates::{Latest, Tally, latest};

/// How a breakdown groups the enterprises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Area,
    Industry,
    Size,
    Risk,
}

impl By {
    pub fn parse(text: Option<&str>) -> AppResult<By> {
        match text.map(str::trim).unwrap_or("") {
            "" | "area" => Ok(By::Area),
            "industry" => Ok(By::Industry),
            "size" => Ok(By::Size),
            "risk" => Ok(By::Risk),
            _ => Err(AppError::invalid("resumption.bad_by").on_field("by")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Area => "area",
            By::Industry => "industry",
            By::Size => "size",
            By::Risk => "risk",
        }
    }
}

/// One line of a breakdown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Group {
    /// The child area's code, the industry section letter, `above`/`below`, or a risk level key.
    pub key: String,
    pub label: String,
    /// For a child area: its code, to drill down into.
    pub drill: Option<String>,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The enterprises of a breakdown line, grouped.
pub async fn groups(
    db: &Db,
    tr: &Tr,
    root: &DivisionCode,
    rows: &[Latest],
    by: By,
    day: NaiveDate,
) -> AppResult<Vec<Group>> {
    let mut out: Vec<Group> = Vec::new();
    let mut line = |key: String, label: String, drill: Option<String>, e: &Latest| match out
        .iter_mut()
        .find(|g| g.key == key)
    {
        Some(g) => g.tally.add(e),
        None => {
            let mut tally = Tally::default();
            tally.add(e);
            out.push(Group {
                key,
                label,
                drill,
                tally,
            });
        }
    };
    match by {
        By::Area => {
            let children = platform::areas::repo::children(db, root.as_str(), "", 10_000).await?;
            let prefixes: Vec<(String, String, String)> = children
                .into_iter()
                .filter_map(|a| {
                    let code = DivisionCode::parse(&a.code).ok()?;
                    Some((code.prefix().to_string(), a.code, a.name))
                })
                .collect();
            for e in rows {
                match prefixes
                    .iter()
                    .find(|(p, ..)| e.area_code.starts_with(p.as_str()))
                {
                    Some((_, code, name)) => {
                        line(code.clone(), name.clone(), Some(code.clone()), e)
                    }
                    None => line(
                        root.as_str().to_string(),
                        tr.t("resumption.own_level").to_string(),
                        None,
                        e,
                    ),
                }
            }
        }
        By::Industry => {
            for e in rows {
                let label = match IndustrySection::parse(&e.industry) {
                    Ok(s) if tr.lang == Lang::En => format!("{} {}", s.as_str(), s.name_en()),
                    Ok(s) => format!("{} {}", s.as_str(), s.name_zh()),
                    Err(_) => e.industry.clone(),
                };
                line(e.industry.clone(), label, None, e);
            }
        }
        By::Size => {
            for e in rows {
                let key = if e.above_size { "above" } else { "below" };
                let label = tr.t(&format!("resumption.size.{key}")).to_string();
                line(key.to_string(), label, None, e);
            }
        }
        By::Risk => {
            let now = platform::risk::service::in_force(db, day).await?;
            let zh = tr.lang == Lang::ZhCn;
            for e in rows {
                let key = now.key(now.level_at(&e.area_code)).to_string();
                let label = now.settings.name_of(&key, zh).to_string();
                line(key, label, None, e);
            }
            // Lowest level first, as the levels are set.
            out.sort_by_key(|g| now.settings.index_of(&g.key));
            return Ok(out);
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// One day of the trend.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub resumed: i64,
    pub counted: i64,
    pub resumption_rate: f64,
    pub workforce_rate: f64,
}

/// The `days` days up to `day`, oldest first.
pub async fn trend(
    db: &Db,
    scope: (&str, &str),
    day: NaiveDate,
    only: Option<i64>,
    days: i64,
) -> AppResult<Vec<TrendPoint>> {
    let mut points = Vec::new();
    for back in (0..days).rev() {
        let date = day - Duration::days(back);
        let t = Tally::of(&latest(db, scope, date, only).await?);
        points.push(TrendPoint {
            date,
            resumed: t.resumed,
            counted: t.counted,
            resumption_rate: t.resumption_rate,
            workforce_rate: t.workforce_rate,
        });
    }
    Ok(points)
}

/// An enterprise not resumed on the day, and who answers for it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Pending {
    pub enterprise_id: i64,
    pub name: String,
    pub uscc: String,
    pub area_code: String,
    pub industry: String,
    pub above_size: bool,
    /// The latest status; null when the enterprise never reported.
    pub status: Option<String>,
    pub report_on: Option<NaiveDate>,
    pub planned_on: Option<NaiveDate>,
    /// The 包保 cadre (or, without one, the leader): a person's name, else the unit's.
    pub cadre: Option<String>,
    /// The risk level of the enterprise's area on the day, and whether it permits resumption.
    pub risk_level: String,
    pub risk_permits: bool,
}

/// The counted enterprises that are not resumed, by id after `after`, at most `limit`; with
/// `permitted_only`, only those whose area's risk level permits resumption.
pub async fn pending(
    db: &Db,
    rows: &[Latest],
    day: NaiveDate,
    (after, limit): (i64, usize),
    permitted_only: bool,
) -> AppResult<Vec<Pending>> {
    let now = platform::risk::service::in_force(db, day).await?;
    let permits = |level: usize| {
        now.settings
            .levels
            .get(level)
            .is_some_and(|l| l.permits_resumption)
    };
    let mut out = Vec::new();
    for e in rows
        .iter()
        .filter(|e| e.counted() && !e.resumed() && e.enterprise_id > after)
        .filter(|e| !permitted_only || permits(now.level_at(&e.area_code)))
        .take(limit)
    {
        let level = now.level_at(&e.area_code);
        let assigned =
            platform::responsibility::responsible(db, Subject::Enterprise(e.enterprise_id), day)
                .await?;
        let cadre = ["cadre", "leader"].iter().find_map(|role| {
            assigned
                .iter()
                .find(|a| a.role == *role)
                .and_then(|a| a.user_name.clone().or_else(|| a.unit_name.clone()))
        });
        out.push(Pending {
            enterprise_id: e.enterprise_id,
            name: e.name.clone(),
            uscc: e.uscc.clone(),
            area_code: e.area_code.clone(),
            industry: e.industry.clone(),
            above_size: e.above_size,
            status: e.status.clone(),
            report_on: e.report_on,
            planned_on: e.planned_on,
            cadre,
            risk_level: now.key(level).to_string(),
            risk_permits: permits(level),
        });
    }
    Ok(out)
}
