//! Blank templates to download: the title, then the header with required columns marked `*`
//! and a note on each header cell saying whether it must be filled and how. Identifier columns
//! are formatted as text before anyone types into them, which is what keeps an 18-digit ID
//! number whole. What a template holds is exactly what `header::locate` reads back.

use rust_xlsxwriter::{Format, FormatAlign, Note, Workbook, XlsxError};

use super::normalize::display_width;
use super::problem::{Problem, keys};
use super::spec::Spec;
use crate::i18n::Tr;

pub fn write_template(tr: &Tr, spec: &Spec, title: &str) -> Result<Vec<u8>, Problem> {
    build(tr, spec, title).map_err(Problem::write_failed)
}

fn build(tr: &Tr, spec: &Spec, title: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let header = Format::new()
        .set_bold()
        .set_background_color(0xF2F2F2)
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let required = header.clone().set_font_color(0xC00000);
    let text = Format::new().set_num_format("@");
    let last = spec.fields.len().saturating_sub(1) as u16;
    ws.set_row_height(0, 30)?;
    ws.set_row_height(1, 24)?;
    if last > 0 {
        ws.merge_range(0, 0, 0, last, title, &title_format)?;
    } else {
        ws.write_string_with_format(0, 0, title, &title_format)?;
    }
    let author = tr.t("app.name").to_string();
    for (c, field) in spec.fields.iter().enumerate() {
        let c = c as u16;
        let label = if field.required {
            format!("{}*", field.label)
        } else {
            field.label.to_string()
        };
        let mut width = (display_width(&label) + 6).max(10);
        let mut help = vec![tr.t(if field.required {
            keys::TEMPLATE_REQUIRED
        } else {
            keys::TEMPLATE_OPTIONAL
        })];
        if field.identifier {
            width = width.max(22);
            help.push(tr.t(keys::TEMPLATE_IDENTIFIER));
            // The header cell keeps its own format; every cell typed below it is text.
            ws.set_column_format(c, &text)?;
        }
        if !field.help.is_empty() {
            help.push(tr.t(field.help));
        }
        ws.set_column_width(c, width as f64)?;
        ws.write_string_with_format(
            1,
            c,
            &label,
            if field.required { &required } else { &header },
        )?;
        let note = Note::new(help.join("\n"))
            .set_author(author.as_str())
            .add_author_prefix(false)
            .set_width(240);
        ws.insert_note(1, c, &note)?;
    }
    ws.set_freeze_panes(2, 0)?;
    workbook.save_to_buffer()
}
