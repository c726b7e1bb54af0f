//! A template filled in for an area and a day: the bulletin as a document — title, headings,
//! paragraphs of text and figures, tables — that the HTML, DOCX and XLSX renderers share, so the
//! three never disagree. Every number comes from the kernel's figure registry
//! (`platform::figures::compute`), the same computation as `GET /api/v1/figures/{key}`.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use domain::DivisionCode;
use platform::AppState;
use platform::auth::{Action, CurrentUser};
use platform::error::AppResult;
use platform::i18n::Tr;
use platform::module::FigureDef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::template::{Node, Placeholder, Show, Template};

/// At most this many sub-areas in a table.
const MAX_TABLE_ROWS: u32 = 500;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Bulletin {
    pub template: String,
    pub title: String,
    pub area_code: String,
    pub area_name: String,
    pub date: NaiveDate,
    /// The date as official documents write it: `2026年11月27日`.
    pub official_date: String,
    pub blocks: Vec<Block>,
    /// Every figure quoted, with its value (`None`: unavailable), for checking and for the API.
    pub figures: Vec<Quoted>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// `level` 1 (一、) or 2 (（一）).
    Heading {
        level: u8,
        spans: Vec<Span>,
    },
    Paragraph {
        spans: Vec<Span>,
    },
    Table(Table),
}

impl Block {
    /// 1 or 2 for a heading, 0 otherwise.
    pub fn heading_level(&self) -> u8 {
        match self {
            Block::Heading { level, .. } => *level,
            _ => 0,
        }
    }

    /// A heading's or paragraph's spans; none for a table.
    pub fn spans(&self) -> &[Span] {
        match self {
            Block::Heading { spans, .. } | Block::Paragraph { spans } => spans,
            Block::Table(_) => &[],
        }
    }

    pub fn table(&self) -> Option<&Table> {
        match self {
            Block::Table(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Span {
    Text {
        text: String,
    },
    /// A figure's value or change, as written.
    Figure {
        key: String,
        text: String,
    },
    /// A figure this platform cannot know (its module is not built) or the reader may not read.
    Unavailable {
        key: String,
        text: String,
    },
}

impl Span {
    pub fn text(&self) -> &str {
        match self {
            Span::Text { text } | Span::Figure { text, .. } | Span::Unavailable { text, .. } => {
                text
            }
        }
    }

    pub fn is_figure(&self) -> bool {
        matches!(self, Span::Figure { .. })
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Span::Unavailable { .. })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Table {
    /// The first column's header, then one per figure (label and unit).
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TableRow {
    pub area_code: String,
    pub name: String,
    /// Written values; an unavailable figure's column says so.
    pub cells: Vec<String>,
    /// The raw values (`None`: unavailable).
    pub values: Vec<Option<f64>>,
    /// The area's own total row (last).
    pub total: bool,
}

/// A figure the bulletin quotes; the day and week before where the bulletin shows a change.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Quoted {
    pub key: String,
    pub label: String,
    pub unit: String,
    pub value: Option<f64>,
    pub day_before: Option<f64>,
    pub week_before: Option<f64>,
}

/// The figures a bulletin may quote for this reader: registered and readable.
struct Figures<'a> {
    state: &'a AppState,
    readable: HashMap<&'static str, FigureDef>,
    /// Label keys of figures registered but not readable by this reader.
    unreadable: HashMap<&'static str, &'static str>,
    values: HashMap<(String, String, NaiveDate), Option<f64>>,
}

impl<'a> Figures<'a> {
    async fn new(state: &'a AppState, user: &CurrentUser) -> AppResult<Figures<'a>> {
        let mut readable = HashMap::new();
        let mut unreadable = HashMap::new();
        let mut held: HashMap<&str, bool> = HashMap::new();
        for f in state.figures() {
            let module = platform::figures::module_of(f.key);
            let holds = match held.get(module) {
                Some(h) => *h,
                None => {
                    let h = platform::auth::permission::allows(state, user, module, Action::Read)
                        .await?;
                    held.insert(module, h);
                    h
                }
            };
            if holds {
                readable.insert(f.key, f.clone());
            } else {
                unreadable.insert(f.key, f.label_key);
            }
        }
        Ok(Figures {
            state,
            readable,
            unreadable,
            values: HashMap::new(),
        })
    }

    fn def(&self, key: &str) -> Option<&FigureDef> {
        self.readable.get(key)
    }

    /// The label key of a figure that is registered but not readable.
    fn label_of(&self, key: &str) -> Option<&'static str> {
        self.unreadable.get(key).copied()
    }

    /// A value already computed for this bulletin, if any.
    fn computed(&self, key: &str, area: &DivisionCode, day: Option<NaiveDate>) -> Option<f64> {
        let slot = (key.to_string(), area.as_str().to_string(), day?);
        self.values.get(&slot).copied().flatten()
    }

    async fn value(
        &mut self,
        key: &str,
        area: &DivisionCode,
        day: Option<NaiveDate>,
    ) -> AppResult<Option<f64>> {
        let (Some(def), Some(day)) = (self.readable.get(key), day) else {
            return Ok(None);
        };
        let slot = (key.to_string(), area.as_str().to_string(), day);
        if let Some(v) = self.values.get(&slot) {
            return Ok(*v);
        }
        let v = platform::figures::compute(self.state, def, area, day).await?;
        self.values.insert(slot, Some(v));
        Ok(Some(v))
    }
}

/// A template to fill: its name, title and parsed body.
pub struct Named<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub template: &'a Template,
}

/// Fills `template` for `area`'s subtree on `date`, as `user` may read it, in `tr`'s language.
pub async fn compose(
    state: &AppState,
    user: &CurrentUser,
    tr: &Tr,
    named: &Named<'_>,
    area: &DivisionCode,
    date: NaiveDate,
) -> AppResult<Bulletin> {
    let Named {
        name,
        title,
        template,
    } = *named;
    let area_name = platform::areas::repo::get(state.db(), area.as_str())
        .await?
        .map(|a| a.name)
        .unwrap_or_else(|| area.as_str().to_string());
    let mut figures = Figures::new(state, user).await?;
    let mut ctx = Ctx {
        tr,
        area,
        area_name: &area_name,
        date,
        figures: &mut figures,
        lines: vec![Line::default()],
        tables: Vec::new(),
    };
    ctx.walk(&template.nodes).await?;
    let Ctx { lines, tables, .. } = ctx;

    let mut tables = tables.into_iter();
    let mut blocks = Vec::new();
    for line in lines {
        match line {
            Line::Table => {
                if let Some(t) = tables.next() {
                    blocks.push(Block::Table(t));
                }
            }
            Line::Spans(spans) => {
                if let Some(block) = block_of(spans) {
                    blocks.push(block);
                }
            }
        }
    }

    let mut quoted = Vec::new();
    for key in template.figure_keys() {
        let (label, unit) = match figures.def(&key) {
            Some(def) => (
                tr.t(def.label_key).to_string(),
                tr.t(def.unit_key).to_string(),
            ),
            None => (key.clone(), String::new()),
        };
        quoted.push(Quoted {
            value: figures.value(&key, area, Some(date)).await?,
            day_before: figures.computed(&key, area, date.checked_sub_days(Days::new(1))),
            week_before: figures.computed(&key, area, date.checked_sub_days(Days::new(7))),
            key,
            label,
            unit,
        });
    }

    Ok(Bulletin {
        template: name.to_string(),
        title: title.to_string(),
        area_code: area.as_str().to_string(),
        area_name,
        date,
        official_date: domain::dates::official_date(date),
        blocks,
        figures: quoted,
    })
}

/// What a line of the filled template became.
enum Line {
    Spans(Vec<Span>),
    Table,
}

impl Default for Line {
    fn default() -> Self {
        Line::Spans(Vec::new())
    }
}

/// A line's spans as a block: `# ` and `## ` make headings, an empty line nothing.
fn block_of(mut spans: Vec<Span>) -> Option<Block> {
    let mut level = 0;
    if let Some(Span::Text { text }) = spans.first_mut() {
        for (prefix, l) in [("## ", 2), ("# ", 1)] {
            if let Some(rest) = text.strip_prefix(prefix) {
                *text = rest.trim_start().to_string();
                level = l;
                break;
            }
        }
    }
    spans.retain(|s| !s.text().is_empty());
    if spans.iter().all(|s| s.text().trim().is_empty()) {
        return None;
    }
    if let Some(Span::Text { text }) = spans.first_mut() {
        *text = text.trim_start().to_string();
    }
    Some(match level {
        0 => Block::Paragraph { spans },
        level => Block::Heading { level, spans },
    })
}

struct Ctx<'a, 'f> {
    tr: &'a Tr,
    area: &'a DivisionCode,
    area_name: &'a str,
    date: NaiveDate,
    figures: &'a mut Figures<'f>,
    lines: Vec<Line>,
    tables: Vec<Table>,
}

impl Ctx<'_, '_> {
    fn push(&mut self, span: Span) {
        match self.lines.last_mut() {
            Some(Line::Spans(spans)) => spans.push(span),
            _ => self.lines.push(Line::Spans(vec![span])),
        }
    }

    /// The mark of a figure that cannot be given: named when the reader's language has a label
    /// for it (a figure this reader may not read), else plain (a module not built yet; the
    /// sentence around it says what it is).
    fn unavailable(&self, key: &str) -> Span {
        let text = match self.figures.label_of(key) {
            Some(label) => self.tr.f(
                "bulletin.unavailable_named",
                &[("figure", self.tr.t(label))],
            ),
            None => self.tr.t("bulletin.unavailable").to_string(),
        };
        Span::Unavailable {
            key: key.to_string(),
            text,
        }
    }

    fn walk<'n>(&'n mut self, nodes: &'n [Node]) -> futures::future::BoxFuture<'n, AppResult<()>> {
        Box::pin(async move {
            for node in nodes {
                match node {
                    Node::Text(t) => self.push(Span::Text { text: t.clone() }),
                    Node::Newline => self.lines.push(Line::default()),
                    Node::Value(Placeholder::Date) => self.push(Span::Text {
                        text: domain::dates::official_date(self.date),
                    }),
                    Node::Value(Placeholder::Area) => self.push(Span::Text {
                        text: self.area_name.to_string(),
                    }),
                    Node::Value(Placeholder::Figure { key, show }) => {
                        let span = self.figure(key, *show).await?;
                        self.push(span);
                    }
                    Node::If {
                        cond,
                        then,
                        otherwise,
                    } => match self
                        .figures
                        .value(&cond.key, self.area, Some(self.date))
                        .await?
                    {
                        // Neither branch: saying either would invent a fact.
                        None => {
                            let span = self.unavailable(&cond.key);
                            self.push(span);
                        }
                        Some(v) if cond.op.holds(v, cond.number) => self.walk(then).await?,
                        Some(_) => self.walk(otherwise).await?,
                    },
                    Node::Table(keys) => {
                        let table = self.table(keys).await?;
                        self.tables.push(table);
                        // The table takes its line's place; the line's own newline follows.
                        if matches!(self.lines.last(), Some(Line::Spans(s)) if s.is_empty()) {
                            self.lines.pop();
                        }
                        self.lines.push(Line::Table);
                    }
                }
            }
            Ok(())
        })
    }

    async fn figure(&mut self, key: &str, show: Show) -> AppResult<Span> {
        let Some(value) = self.figures.value(key, self.area, Some(self.date)).await? else {
            return Ok(self.unavailable(key));
        };
        let unit = self
            .figures
            .def(key)
            .map(|d| self.tr.t(d.unit_key).to_string())
            .unwrap_or_default();
        let text = match show {
            Show::Value => number(value, &unit),
            Show::WithUnit => format!("{}{unit}", number(value, &unit)),
            Show::DayChange | Show::WeekChange => {
                let days = if show == Show::DayChange { 1 } else { 7 };
                let before = self.date.checked_sub_days(Days::new(days));
                match self.figures.value(key, self.area, before).await? {
                    None => return Ok(self.unavailable(key)),
                    Some(before) => change(self.tr, value - before, &unit),
                }
            }
        };
        Ok(Span::Figure {
            key: key.to_string(),
            text,
        })
    }

    async fn table(&mut self, keys: &[String]) -> AppResult<Table> {
        let mut headers = vec![self.tr.t("bulletin.table.area").to_string()];
        let mut units = Vec::new();
        for key in keys {
            match self.figures.def(key) {
                Some(def) => {
                    let unit = self.tr.t(def.unit_key).to_string();
                    headers.push(format!("{}（{unit}）", self.tr.t(def.label_key)));
                    units.push(unit);
                }
                None => {
                    headers.push(key.clone());
                    units.push(String::new());
                }
            }
        }
        let children = platform::areas::repo::children(
            self.figures.state.db(),
            self.area.as_str(),
            "",
            MAX_TABLE_ROWS,
        )
        .await?;
        let mut rows = Vec::with_capacity(children.len() + 1);
        let mut areas: Vec<(String, String, bool)> = children
            .into_iter()
            .map(|c| (c.code, c.name, false))
            .collect();
        areas.push((
            self.area.as_str().to_string(),
            self.tr.t("bulletin.table.total").to_string(),
            true,
        ));
        for (code, name, total) in areas {
            let area = DivisionCode::parse(&code)?;
            let mut cells = Vec::with_capacity(keys.len());
            let mut values = Vec::with_capacity(keys.len());
            for (key, unit) in keys.iter().zip(&units) {
                let v = self.figures.value(key, &area, Some(self.date)).await?;
                cells.push(match v {
                    Some(v) => number(v, unit),
                    None => self.tr.t("bulletin.table.unavailable").to_string(),
                });
                values.push(v);
            }
            rows.push(TableRow {
                area_code: code,
                name,
                cells,
                values,
                total,
            });
        }
        Ok(Table { headers, rows })
    }
}

/// A value as a bulletin writes it: whole numbers plainly, rates with one decimal, other
/// fractions with at most two.
pub fn number(v: f64, unit: &str) -> String {
    if unit == "%" {
        return format!("{v:.1}");
    }
    if (v - v.round()).abs() < 1e-9 {
        return format!("{}", v.round() as i64);
    }
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A change with its arrow: `↑12户`, `↓1.5个百分点`, `持平` when it rounds to nothing.
pub fn change(tr: &Tr, delta: f64, unit: &str) -> String {
    let written = number(delta.abs(), unit);
    if written.trim_start_matches(['0', '.']).is_empty() {
        return tr.t("bulletin.change.flat").to_string();
    }
    let unit = if unit == "%" {
        tr.t("bulletin.change.points")
    } else {
        unit
    };
    let key = if delta > 0.0 {
        "bulletin.change.up"
    } else {
        "bulletin.change.down"
    };
    tr.f(key, &[("amount", &format!("{written}{unit}"))])
}
