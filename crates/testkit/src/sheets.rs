//! Person sheets as villages keep them, generated deterministically from a seed, for the
//! benchmarks (`platform/benches/tabular.rs`, `tongxin/benches/registry.rs`): a merged title row,
//! a header, a 序号 column, shared strings and date cells as Excel writes them, resident ID
//! numbers with correct GB 11643 check characters (all distinct), mobile numbers, addresses and
//! person tags by their Chinese labels (most rows have none). Every row is a valid person.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// The seed both benchmarks use.
pub const SEED: u64 = 20_200_306;

/// The columns of a generated sheet; with area codes, `AREA_HEADER` follows.
pub const HEADERS: [&str; 8] = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "手机号码",
    "住址",
    "人员类别",
];

/// The column holding each row's area (village or grid) code, when the sheet has one.
pub const AREA_HEADER: &str = "区划代码";

/// The title in the merged first row.
pub const TITLE: &str = "同心区重点人员台账";

/// More rows than this would repeat an ID number (see `person`).
pub const MAX_ROWS: usize = 10_000_000;

/// SplitMix64: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// One generated row.
pub struct Person {
    pub name: String,
    pub id: String,
    pub sex: &'static str,
    pub birth: NaiveDate,
    pub phone: String,
    pub address: String,
    /// A tag's Chinese label, or empty.
    pub tag: &'static str,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "桂兰", "建国",
];
const STREETS: &[&str] = &[
    "东风街道",
    "西山镇",
    "南湖街道",
    "北关街道",
    "新华镇",
    "红旗乡",
];
/// Labels of person tags as the catalog has them; empty (no tag) most of the time.
const TAGS: &[&str] = &[
    "独居老人",
    "残疾人",
    "困难学生",
    "低保对象",
    "退役军人",
    "",
    "",
    "",
    "",
    "",
];

/// Address codes per ID block; see `person`.
const ADDRESSES: usize = 20;
/// Sequence numbers per address code and birth date (GB 11643 allows 000–999).
const SEQUENCES: usize = 1000;
/// Birth dates are `block + BLOCKS × k` days after 1930-01-01, so blocks never share a date.
const BLOCKS: usize = MAX_ROWS / (ADDRESSES * SEQUENCES);

/// The `index`-th person (0-based); call with consecutive indexes on one `Rng`. ID numbers are
/// distinct up to `MAX_ROWS`: the sequence and the address code come from the index, and the
/// birth date's remainder modulo `BLOCKS` from its block.
pub fn person(rng: &mut Rng, index: usize) -> Person {
    assert!(index < MAX_ROWS, "at most {MAX_ROWS} distinct people");
    let block = index / (ADDRESSES * SEQUENCES);
    let days = block as u64 + BLOCKS as u64 * rng.below(365 * 85 / BLOCKS as u64);
    let birth = NaiveDate::from_ymd_opt(1930, 1, 1).expect("valid") + chrono::Days::new(days);
    let address = format!("110{:03}", 101 + (index / SEQUENCES) % ADDRESSES);
    let id = domain::IdNumber::from_parts(&address, birth, (index % SEQUENCES) as u16)
        .expect("valid parts");
    let sex = if id.as_str().as_bytes()[16] % 2 == 1 {
        "男"
    } else {
        "女"
    };
    let mut name = SURNAMES[rng.below(SURNAMES.len() as u64) as usize].to_string();
    name.push_str(GIVEN[rng.below(GIVEN.len() as u64) as usize]);
    if rng.below(2) == 0 {
        name.push_str(GIVEN[rng.below(GIVEN.len() as u64) as usize]);
    }
    Person {
        name,
        id: id.as_str().to_string(),
        sex,
        birth,
        phone: format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000)),
        address: format!(
            "同心区{}{}号楼{}单元{}室",
            STREETS[rng.below(STREETS.len() as u64) as usize],
            1 + rng.below(200),
            1 + rng.below(6),
            101 + rng.below(1800)
        ),
        tag: TAGS[rng.below(TAGS.len() as u64) as usize],
    }
}

/// Writes `rows` people (seed `SEED`) to an xlsx at `path`: the merged title row, the header
/// (`HEADERS`, then `AREA_HEADER` when `areas` is not empty) and one row per person, the `i`-th
/// in `areas[i % areas.len()]`.
pub fn write_person_xlsx(path: &Path, rows: usize, areas: &[String]) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    // Shared strings, as Excel and WPS write them.
    let ws = book.add_worksheet_with_low_memory()?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let title = Format::new().set_bold();
    let columns = HEADERS.len() + usize::from(!areas.is_empty());
    ws.merge_range(0, 0, 0, columns as u16 - 1, TITLE, &title)?;
    for (c, h) in HEADERS.iter().chain([AREA_HEADER].iter()).enumerate() {
        if c < columns {
            ws.write(1, c as u16, *h)?;
        }
    }
    let mut rng = Rng::new(SEED);
    for i in 0..rows {
        let p = person(&mut rng, i);
        let r = i as u32 + 2;
        ws.write(r, 0, (i + 1) as f64)?;
        ws.write(r, 1, &p.name)?;
        ws.write(r, 2, &p.id)?;
        ws.write(r, 3, p.sex)?;
        let birth = ExcelDateTime::from_ymd(
            p.birth.year() as u16,
            p.birth.month() as u8,
            p.birth.day() as u8,
        )?;
        ws.write_datetime_with_format(r, 4, birth, &date)?;
        ws.write(r, 5, &p.phone)?;
        ws.write(r, 6, &p.address)?;
        if !p.tag.is_empty() {
            ws.write(r, 7, p.tag)?;
        }
        if !areas.is_empty() {
            ws.write(r, 8, &areas[i % areas.len()])?;
        }
    }
    book.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_id_numbers_are_valid_and_distinct_across_blocks() {
        let mut rng = Rng::new(SEED);
        let mut seen = std::collections::HashSet::new();
        // Two whole blocks and the start of a third.
        for i in 0..(2 * ADDRESSES * SEQUENCES + 500) {
            let p = person(&mut rng, i);
            domain::IdNumber::parse(&p.id).expect("a valid resident ID");
            domain::Phone::parse(&p.phone).expect("a valid mobile number");
            assert!(seen.insert(p.id), "row {i} repeats an ID number");
        }
    }
}
