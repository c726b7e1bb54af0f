//! A bulletin as a Word document in the layout of GB/T 9704 (党政机关公文格式): A4, margins
//! 37 mm top, 35 mm bottom, 28 mm left (订口), 26 mm right; the masthead title in red 小标宋,
//! the issuing area and date under it above a red rule; body in 3号 (16 pt) 仿宋 at a fixed 28 pt
//! line pitch with a two-character first-line indent; first-level headings in 黑体, second-level
//! in 楷体; tables in 4号; page numbers `— N —` at the foot. Fonts are named, not embedded: the
//! office's Word shows the official fonts where they are installed, and a deployment whose
//! offices lack them names others (`Fonts::from_env`).

use docx_rs::{
    AlignmentType, BorderType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use super::compose::{Block, Bulletin, Span};

/// The fonts a bulletin names, per role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fonts {
    /// The masthead title (方正小标宋).
    pub title: String,
    /// First-level headings (黑体).
    pub heading: String,
    /// Second-level headings (楷体).
    pub subheading: String,
    /// Body text and tables (仿宋).
    pub body: String,
    /// Page numbers (宋体).
    pub page_number: String,
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts {
            title: "方正小标宋简体".into(),
            heading: "黑体".into(),
            subheading: "楷体_GB2312".into(),
            body: "仿宋_GB2312".into(),
            page_number: "宋体".into(),
        }
    }
}

impl Fonts {
    /// The defaults, with any of `TONGXIN_BULLETIN_FONT_TITLE`, `…_HEADING`, `…_SUBHEADING`,
    /// `…_BODY`, `…_PAGE_NUMBER` set in the environment taking their place.
    pub fn from_env() -> Fonts {
        Fonts::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Fonts {
        let d = Fonts::default();
        let pick = |var: &str, default: String| {
            lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or(default)
        };
        Fonts {
            title: pick("TONGXIN_BULLETIN_FONT_TITLE", d.title),
            heading: pick("TONGXIN_BULLETIN_FONT_HEADING", d.heading),
            subheading: pick("TONGXIN_BULLETIN_FONT_SUBHEADING", d.subheading),
            body: pick("TONGXIN_BULLETIN_FONT_BODY", d.body),
            page_number: pick("TONGXIN_BULLETIN_FONT_PAGE_NUMBER", d.page_number),
        }
    }
}

/// Millimetres in twentieths of a point.
const fn mm(v: i32) -> i32 {
    v * 1440 * 10 / 254
}

/// Font sizes in half-points: 2号 22 pt, 3号 16 pt, 4号 14 pt.
const SIZE_2: usize = 44;
const SIZE_3: usize = 32;
const SIZE_4: usize = 28;
/// 28 pt: 22 lines on the 225 mm type area.
const LINE_PITCH: i32 = 560;
const RED: &str = "FF0000";
/// Two characters of 3号 text.
const FIRST_LINE: i32 = 640;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(name)
        .ascii(name)
        .hi_ansi(name)
        .cs(name)
}

fn exact_lines() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE_PITCH)
}

pub fn render(bulletin: &Bulletin, fonts: &Fonts) -> anyhow::Result<Vec<u8>> {
    let body_run = |text: &str| {
        Run::new()
            .add_text(text)
            .size(SIZE_3)
            .fonts(self::fonts(&fonts.body))
    };
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: mm(37),
            bottom: mm(35),
            left: mm(28),
            right: mm(26),
            header: mm(15),
            footer: mm(28) / 2,
            gutter: 0,
        })
        .default_fonts(self::fonts(&fonts.body))
        .default_size(SIZE_3)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(page_number_run("— ", &fonts.page_number))
                    .add_page_num(PageNum::new())
                    .add_run(page_number_run(" —", &fonts.page_number))
                    .size(SIZE_4)
                    .fonts(self::fonts(&fonts.page_number)),
            ),
        );

    // The masthead: title in red, then the area and date above a red rule.
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(240))
            .add_run(
                Run::new()
                    .add_text(&bulletin.title)
                    .size(SIZE_2)
                    .color(RED)
                    .fonts(self::fonts(&fonts.title)),
            ),
    );
    let rule = ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(12)
            .space(6)
            .color(RED),
    );
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(exact_lines().after(LINE_PITCH as u32))
            .set_borders(rule)
            .add_run(body_run(&format!(
                "{}    {}",
                bulletin.area_name, bulletin.official_date
            ))),
    );

    for block in &bulletin.blocks {
        match block {
            Block::Heading { level, spans } => {
                let font = if *level == 1 {
                    &fonts.heading
                } else {
                    &fonts.subheading
                };
                let mut p = Paragraph::new()
                    .line_spacing(exact_lines())
                    .indent(
                        None,
                        Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                        None,
                        None,
                    )
                    .keep_next(true);
                for span in spans {
                    p = p.add_run(span_run(span).size(SIZE_3).fonts(self::fonts(font)));
                }
                doc = doc.add_paragraph(p);
            }
            Block::Paragraph { spans } => {
                let mut p = Paragraph::new()
                    .align(AlignmentType::Both)
                    .line_spacing(exact_lines())
                    .indent(
                        None,
                        Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                        None,
                        None,
                    );
                for span in spans {
                    p = p.add_run(span_run(span).size(SIZE_3).fonts(self::fonts(&fonts.body)));
                }
                doc = doc.add_paragraph(p);
            }
            Block::Table(table) => {
                let cell = |text: &str, bold: bool, align: AlignmentType| {
                    let mut run = Run::new()
                        .add_text(text)
                        .size(SIZE_4)
                        .fonts(self::fonts(&fonts.body));
                    if bold {
                        run = run.bold();
                    }
                    TableCell::new().add_paragraph(Paragraph::new().align(align).add_run(run))
                };
                // The type area is 156 mm: the name column a quarter, the rest shared.
                let width = mm(156) as usize;
                let first = width / 4;
                let other = (width - first) / table.headers.len().saturating_sub(1).max(1);
                let mut grid = vec![first];
                grid.extend(std::iter::repeat_n(other, table.headers.len() - 1));
                let mut rows = vec![TableRow::new(
                    table
                        .headers
                        .iter()
                        .map(|h| cell(h, true, AlignmentType::Center))
                        .collect(),
                )];
                for row in &table.rows {
                    let mut cells = vec![cell(&row.name, row.total, AlignmentType::Left)];
                    cells.extend(
                        row.cells
                            .iter()
                            .map(|c| cell(c, row.total, AlignmentType::Right)),
                    );
                    rows.push(TableRow::new(cells));
                }
                doc = doc.add_table(Table::new(rows).set_grid(grid).width(width, WidthType::Dxa));
                // A table is followed by a paragraph, as Word expects.
                doc = doc.add_paragraph(Paragraph::new().line_spacing(exact_lines()));
            }
        }
    }

    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}

fn page_number_run(text: &str, font: &str) -> Run {
    Run::new().add_text(text).size(SIZE_4).fonts(fonts(font))
}

/// A span's run: figures as written, unavailable figures highlighted so no reader takes the
/// gap for a number.
fn span_run(span: &Span) -> Run {
    let run = Run::new().add_text(span.text());
    match span {
        Span::Unavailable { .. } => run.highlight("yellow").color(RED),
        _ => run,
    }
}
