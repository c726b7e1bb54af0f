//! A bulletin's tables as a workbook: one sheet per table, a title row naming the bulletin, area
//! and day, the headers, a row per sub-area and the total — numbers as numbers, so the office can
//! go on calculating.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::compose::{Block, Bulletin};

pub fn render(bulletin: &Bulletin, sheet_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let total = Format::new().set_bold().set_border(FormatBorder::Thin);
    let tables = bulletin.blocks.iter().filter_map(|b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    let mut sheets = 0;
    for (i, table) in tables.enumerate() {
        sheets += 1;
        let sheet = book.add_worksheet();
        sheet.set_name(format!("{sheet_name}{}", i + 1))?;
        sheet.write_string_with_format(
            0,
            0,
            format!(
                "{} — {} {}",
                bulletin.title, bulletin.area_name, bulletin.official_date
            ),
            &title,
        )?;
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(2, c as u16, h, &header)?;
            sheet.set_column_width(c as u16, if c == 0 { 18 } else { 16 })?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = 3 + r as u32;
            let f = if row.total { &total } else { &cell };
            sheet.write_string_with_format(r, 0, &row.name, f)?;
            for (c, (value, text)) in row.values.iter().zip(&row.cells).enumerate() {
                let c = 1 + c as u16;
                match value {
                    Some(v) => sheet.write_number_with_format(r, c, *v, f)?,
                    None => sheet.write_string_with_format(r, c, text, f)?,
                };
            }
        }
    }
    if sheets == 0 {
        book.add_worksheet().set_name(sheet_name)?;
    }
    book.save_to_buffer()
}
