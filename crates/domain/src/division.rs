//! Administrative division codes (行政区划代码) as used by the statistics
//! bureau, extended by one level for grids.
//!
//! Layout of the 12 digits: 2 province, 2 prefecture, 2 county (GB/T 2260),
//! 3 township, 3 village. A grid appends 3 digits to its village's code.
//! Every code in a subtree starts with the subtree root's `prefix()`, which
//! is what makes subtree queries a simple index range scan.

use std::{fmt, str::FromStr};

use crate::{
    AreaLevel,
    error::{Invalid, keys},
    serde_str::serde_as_parsed_string,
};

/// Digit ranges of the segments below the province, top to bottom.
const SEGMENTS: [(usize, usize); 4] = [(2, 4), (4, 6), (6, 9), (9, 12)];

/// A structurally valid code of 12 (province … village) or 15 (grid) digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(String);

/// What a township-level unit is, from its three-digit number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TownshipKind {
    /// 001–099, 街道
    Subdistrict,
    /// 100–199, 镇
    Town,
    /// 200–299, 乡
    Township,
    /// 400–479, farms, forestry centres, development zones and parks
    FarmOrPark,
    Other,
}

/// What a village-level unit is, from its three-digit number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VillageKind {
    /// 001–199, residents' committee, 社区
    Community,
    /// 200–399, villagers' committee, 村
    Village,
    Other,
}

impl DivisionCode {
    /// Accepts 6, 9, 12 or 15 digits; 6 and 9 are padded with zeros to 12.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::DIVISION_EMPTY));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(keys::DIVISION_CHARACTERS));
        }
        let code = match text.len() {
            6 => format!("{text}000000"),
            9 => format!("{text}000"),
            12 | 15 => text.to_owned(),
            n => return Err(Invalid::with_detail(keys::DIVISION_LENGTH, n.to_string())),
        };
        check_structure(&code)?;
        Ok(Self(code))
    }

    /// The 12 digits, or 15 for a grid.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> AreaLevel {
        if self.0.len() == 15 {
            return AreaLevel::Grid;
        }
        let levels = [
            AreaLevel::Province,
            AreaLevel::Prefecture,
            AreaLevel::County,
            AreaLevel::Township,
        ];
        SEGMENTS
            .iter()
            .zip(levels)
            .find(|((from, to), _)| is_zero(&self.0[*from..*to]))
            .map_or(AreaLevel::Village, |(_, level)| level)
    }

    /// The significant leading digits: every code in this subtree, and no
    /// other, starts with them.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// Bounds for `code >= lo AND code < hi`, selecting exactly this subtree
    /// with an index; `:` is the character right after `9`.
    pub fn subtree_range(&self) -> (String, String) {
        let prefix = self.prefix();
        (prefix.to_owned(), format!("{prefix}:"))
    }

    /// Whether `other` is this area or lies below it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        let keep = match self.level() {
            AreaLevel::Province => return None,
            AreaLevel::Prefecture => 2,
            AreaLevel::County => 4,
            AreaLevel::Township => 6,
            AreaLevel::Village => 9,
            AreaLevel::Grid => return Some(Self(self.0[..12].to_owned())),
        };
        Some(Self(format!("{:0<12}", &self.0[..keep])))
    }

    /// The areas above this one, nearest first, up to the province.
    pub fn ancestors(&self) -> Vec<DivisionCode> {
        std::iter::successors(self.parent(), DivisionCode::parent).collect()
    }

    /// The code of the `n`-th child: prefecture or county 1–99, township,
    /// village or grid 1–999. Townships are numbered by kind (see
    /// `TownshipKind`), so a generator wanting a town asks for 101 and up.
    pub fn child_code(&self, n: u32) -> Result<DivisionCode, Invalid> {
        let level = self.level();
        let width = match level {
            AreaLevel::Province | AreaLevel::Prefecture => 2,
            AreaLevel::County | AreaLevel::Township | AreaLevel::Village => 3,
            AreaLevel::Grid => {
                return Err(Invalid::with_detail(
                    keys::DIVISION_CHILD,
                    "a grid has no children",
                ));
            }
        };
        if n == 0 || n >= 10u32.pow(width) {
            return Err(Invalid::with_detail(keys::DIVISION_CHILD, n.to_string()));
        }
        let child = format!("{}{n:0width$}", self.prefix(), width = width as usize);
        let code = if child.len() < 12 {
            format!("{child:0<12}")
        } else {
            child
        };
        Ok(Self(code))
    }

    /// The kind of the township this code is in (or is); `None` above it.
    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.level() < AreaLevel::Township {
            return None;
        }
        Some(match segment_value(&self.0[6..9]) {
            1..=99 => TownshipKind::Subdistrict,
            100..=199 => TownshipKind::Town,
            200..=299 => TownshipKind::Township,
            400..=479 => TownshipKind::FarmOrPark,
            _ => TownshipKind::Other,
        })
    }

    /// The kind of the village this code is in (or is); `None` above it.
    pub fn village_kind(&self) -> Option<VillageKind> {
        if self.level() < AreaLevel::Village {
            return None;
        }
        Some(match segment_value(&self.0[9..12]) {
            1..=199 => VillageKind::Community,
            200..=399 => VillageKind::Village,
            _ => VillageKind::Other,
        })
    }
}

impl TownshipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TownshipKind::Subdistrict => "subdistrict",
            TownshipKind::Town => "town",
            TownshipKind::Township => "township",
            TownshipKind::FarmOrPark => "farm_or_park",
            TownshipKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TownshipKind::Subdistrict => "街道",
            TownshipKind::Town => "镇",
            TownshipKind::Township => "乡",
            TownshipKind::FarmOrPark => "农场、园区",
            TownshipKind::Other => "其他",
        }
    }
}

impl VillageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VillageKind::Community => "community",
            VillageKind::Village => "village",
            VillageKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VillageKind::Community => "社区",
            VillageKind::Village => "村",
            VillageKind::Other => "其他",
        }
    }
}

fn is_zero(digits: &str) -> bool {
    digits.bytes().all(|b| b == b'0')
}

fn segment_value(digits: &str) -> u32 {
    digits.parse().expect("segments are ASCII digits")
}

/// A zero segment ends the code: nothing below it may be set. A grid needs a
/// complete village code and a non-zero grid number.
fn check_structure(code: &str) -> Result<(), Invalid> {
    if is_zero(&code[..2]) {
        return Err(Invalid::new(keys::DIVISION_PROVINCE));
    }
    let mut ended = false;
    for (from, to) in SEGMENTS {
        let zero = is_zero(&code[from..to]);
        if ended && !zero {
            return Err(Invalid::with_detail(keys::DIVISION_STRUCTURE, code));
        }
        ended |= zero;
    }
    if code.len() == 15 && (ended || is_zero(&code[12..])) {
        return Err(Invalid::with_detail(keys::DIVISION_STRUCTURE, code));
    }
    Ok(())
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DivisionCode").field(&self.0).finish()
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

serde_as_parsed_string!(DivisionCode);

#[cfg(test)]
mod tests {

    #[test]
    fn ancestors_run_from_the_parent_to_the_province() {
        let grid = DivisionCode::parse("990102001201001").unwrap();
        let codes: Vec<String> = grid
            .ancestors()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        assert_eq!(
            codes,
            [
                "990102001201",
                "990102001000",
                "990102000000",
                "990100000000",
                "990000000000"
            ]
        );
        assert!(
            DivisionCode::parse("990000000000")
                .unwrap()
                .ancestors()
                .is_empty()
        );
    }
    use super::*;

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap()
    }

    fn key(text: &str) -> &'static str {
        DivisionCode::parse(text).unwrap_err().key()
    }

    #[test]
    fn six_and_nine_digit_codes_are_padded_to_twelve() {
        assert_eq!(code("110105").as_str(), "110105000000");
        assert_eq!(code("110105001").as_str(), "110105001000");
        assert_eq!(code(" 110105001002 ").as_str(), "110105001002");
    }

    #[test]
    fn the_level_follows_from_the_zero_segments() {
        let levels: Vec<AreaLevel> = [
            "110000000000",
            "110100000000",
            "110105000000",
            "110105001000",
            "110105001002",
            "110105001002003",
        ]
        .iter()
        .map(|c| code(c).level())
        .collect();
        assert_eq!(levels, AreaLevel::ALL);
    }

    #[test]
    fn malformed_codes_are_rejected_with_their_own_keys() {
        assert_eq!(key(""), keys::DIVISION_EMPTY);
        assert_eq!(key("11010a"), keys::DIVISION_CHARACTERS);
        assert_eq!(key("1101050"), keys::DIVISION_LENGTH);
        assert_eq!(key("000105000000"), keys::DIVISION_PROVINCE);
        assert_eq!(key("110100001000"), keys::DIVISION_STRUCTURE);
        assert_eq!(key("110105000002"), keys::DIVISION_STRUCTURE);
        assert_eq!(key("110001000000"), keys::DIVISION_STRUCTURE);
        assert_eq!(key("110105001002000"), keys::DIVISION_STRUCTURE);
        assert_eq!(key("110105001000001"), keys::DIVISION_STRUCTURE);
    }

    #[test]
    fn each_parent_is_one_level_up_until_the_province() {
        let mut c = code("110105001002003");
        let mut chain = vec![c.as_str().to_owned()];
        while let Some(p) = c.parent() {
            chain.push(p.as_str().to_owned());
            c = p;
        }
        assert_eq!(
            chain,
            [
                "110105001002003",
                "110105001002",
                "110105001000",
                "110105000000",
                "110100000000",
                "110000000000"
            ]
        );
    }

    #[test]
    fn the_prefix_and_range_select_exactly_the_subtree() {
        let county = code("110105");
        assert_eq!(county.prefix(), "110105");
        let (lo, hi) = county.subtree_range();
        assert_eq!((lo.as_str(), hi.as_str()), ("110105", "110105:"));
        for inside in ["110105000000", "110105001002", "110105999999999"] {
            assert!(lo.as_str() <= inside && inside < hi.as_str(), "{inside}");
        }
        for outside in ["110104999999", "110106000000", "110100000000"] {
            assert!(
                !(lo.as_str() <= outside && outside < hi.as_str()),
                "{outside}"
            );
        }
        assert_eq!(code("110000000000").prefix(), "11");
        assert_eq!(code("110105001002003").prefix(), "110105001002003");
    }

    #[test]
    fn contains_means_self_or_descendant() {
        let township = code("110105001");
        assert!(township.contains(&township));
        assert!(township.contains(&code("110105001002003")));
        assert!(!township.contains(&code("110105002001")));
        assert!(!township.contains(&code("110105")));
    }

    #[test]
    fn child_codes_fill_the_next_segment() {
        assert_eq!(
            code("990000").child_code(1).unwrap().as_str(),
            "990100000000"
        );
        assert_eq!(
            code("990100").child_code(2).unwrap().as_str(),
            "990102000000"
        );
        assert_eq!(
            code("990102").child_code(1).unwrap().as_str(),
            "990102001000"
        );
        assert_eq!(
            code("990102001").child_code(201).unwrap().as_str(),
            "990102001201"
        );
        assert_eq!(
            code("990102001201").child_code(7).unwrap().as_str(),
            "990102001201007"
        );
    }

    #[test]
    fn child_numbers_out_of_range_or_below_a_grid_are_rejected() {
        let child_key = |c: &str, n| code(c).child_code(n).unwrap_err().key();
        assert_eq!(child_key("990000", 100), keys::DIVISION_CHILD);
        assert_eq!(child_key("990102", 0), keys::DIVISION_CHILD);
        assert_eq!(child_key("990102001201007", 1), keys::DIVISION_CHILD);
        assert!(code("990102").child_code(999).is_ok());
    }

    #[test]
    fn township_and_village_kinds_come_from_their_number_ranges() {
        assert_eq!(
            code("110105001").township_kind(),
            Some(TownshipKind::Subdistrict)
        );
        assert_eq!(code("110105101").township_kind(), Some(TownshipKind::Town));
        assert_eq!(
            code("110105201").township_kind(),
            Some(TownshipKind::Township)
        );
        assert_eq!(
            code("110105400").township_kind(),
            Some(TownshipKind::FarmOrPark)
        );
        assert_eq!(code("110105480").township_kind(), Some(TownshipKind::Other));
        assert_eq!(code("110105").township_kind(), None);
        assert_eq!(
            code("110105101199").village_kind(),
            Some(VillageKind::Community)
        );
        assert_eq!(
            code("110105101200").village_kind(),
            Some(VillageKind::Village)
        );
        assert_eq!(
            code("110105101400005").village_kind(),
            Some(VillageKind::Other)
        );
        assert_eq!(code("110105101").village_kind(), None);
        assert_eq!(TownshipKind::FarmOrPark.as_str(), "farm_or_park");
        assert_eq!(VillageKind::Village.label_zh(), "村");
    }

    #[test]
    fn serde_uses_the_string_and_validates_on_the_way_in() {
        let c = code("110105001");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"110105001000\"");
        assert_eq!(
            serde_json::from_str::<DivisionCode>("\"110105001\"").unwrap(),
            c
        );
        assert!(serde_json::from_str::<DivisionCode>("\"110105000002\"").is_err());
    }
}
