//! Kinds of places in the place registry: the checkpoints, quarantine sites, compounds, buildings
//! and public venues that campaigns inspect, staff and count.
//!
//! The Chinese names live here rather than in the message catalog: they are the words officials
//! type in their sheets, and `parse` must understand them whatever language the page is in.

use std::{fmt, str::FromStr};

use crate::error::{Invalid, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceKind {
    Checkpoint,
    QuarantineSite,
    ResidentialCompound,
    Building,
    Venue,
    School,
    CareHome,
    Hospital,
    ConstructionSite,
    Market,
    Other,
}

use PlaceKind::*;

/// (kind, code, Chinese name, other Chinese names accepted by `parse`), in declaration order.
const KINDS: [(PlaceKind, &str, &str, &[&str]); 11] = [
    (
        Checkpoint,
        "checkpoint",
        "卡口",
        &["检查站", "检查点", "卡点"],
    ),
    (
        QuarantineSite,
        "quarantine_site",
        "隔离点",
        &["集中隔离点", "隔离场所", "集中隔离场所", "隔离酒店"],
    ),
    (
        ResidentialCompound,
        "residential_compound",
        "居民小区",
        &["小区", "住宅小区", "居住小区"],
    ),
    (Building, "building", "楼栋", &["楼宇", "楼"]),
    (
        Venue,
        "venue",
        "场所",
        &["公共场所", "经营场所", "人员密集场所"],
    ),
    (School, "school", "学校", &["幼儿园", "中小学"]),
    (
        CareHome,
        "care_home",
        "养老机构",
        &["养老院", "敬老院", "福利院", "老年公寓"],
    ),
    (
        Hospital,
        "hospital",
        "医院",
        &["医疗机构", "卫生院", "诊所", "卫生室"],
    ),
    (
        ConstructionSite,
        "construction_site",
        "建筑工地",
        &["工地", "施工工地", "在建工地"],
    ),
    (
        Market,
        "market",
        "农贸市场",
        &["市场", "菜市场", "集贸市场"],
    ),
    (Other, "other", "其他", &["其它"]),
];

impl PlaceKind {
    pub const ALL: [PlaceKind; 11] = [
        Checkpoint,
        QuarantineSite,
        ResidentialCompound,
        Building,
        Venue,
        School,
        CareHome,
        Hospital,
        ConstructionSite,
        Market,
        Other,
    ];

    fn entry(
        self,
    ) -> &'static (
        PlaceKind,
        &'static str,
        &'static str,
        &'static [&'static str],
    ) {
        &KINDS[self as usize]
    }

    /// The snake_case code, for storage and the API: `quarantine_site`.
    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    /// The Chinese name: `隔离点`.
    pub fn name_zh(self) -> &'static str {
        self.entry().2
    }

    /// Accepts the code (any case, `-` for `_`), the Chinese name, or a common Chinese alias
    /// (`集中隔离点`, `小区`, `养老院`, `市场`, …).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::PLACE_KIND_EMPTY));
        }
        let code = text.to_ascii_lowercase().replace('-', "_");
        KINDS
            .iter()
            .find(|(_, c, zh, aliases)| code == *c || text == *zh || aliases.contains(&text))
            .map(|entry| entry.0)
            .ok_or_else(|| Invalid::with_detail(keys::PLACE_KIND_UNKNOWN, text))
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlaceKind {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for PlaceKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PlaceKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_table_follows_declaration_order() {
        for (i, kind) in PlaceKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i);
            assert_eq!(kind.entry().0, *kind, "KINDS must follow declaration order");
        }
    }

    #[test]
    fn codes_are_the_documented_snake_case_names() {
        let codes: Vec<&str> = PlaceKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            codes,
            [
                "checkpoint",
                "quarantine_site",
                "residential_compound",
                "building",
                "venue",
                "school",
                "care_home",
                "hospital",
                "construction_site",
                "market",
                "other"
            ]
        );
    }

    #[test]
    fn codes_and_chinese_names_parse_back() {
        for kind in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(PlaceKind::parse(kind.name_zh()), Ok(kind));
            assert_eq!(
                PlaceKind::parse(&format!(" {} ", kind.as_str().to_uppercase())),
                Ok(kind)
            );
        }
        assert_eq!(
            PlaceKind::parse("quarantine-site"),
            Ok(PlaceKind::QuarantineSite)
        );
        assert_eq!(PlaceKind::CareHome.name_zh(), "养老机构");
        assert_eq!(PlaceKind::ConstructionSite.name_zh(), "建筑工地");
    }

    #[test]
    fn common_aliases_parse() {
        for (text, kind) in [
            ("集中隔离点", PlaceKind::QuarantineSite),
            ("小区", PlaceKind::ResidentialCompound),
            ("养老院", PlaceKind::CareHome),
            ("敬老院", PlaceKind::CareHome),
            ("市场", PlaceKind::Market),
            ("工地", PlaceKind::ConstructionSite),
            ("卫生院", PlaceKind::Hospital),
            ("其它", PlaceKind::Other),
        ] {
            assert_eq!(PlaceKind::parse(text), Ok(kind), "{text}");
        }
    }

    #[test]
    fn no_name_or_alias_means_two_kinds() {
        let mut seen = HashSet::new();
        for (_, code, zh, aliases) in KINDS.iter() {
            for word in [*code, *zh].iter().chain(aliases.iter()) {
                assert!(seen.insert(*word), "{word} is listed twice");
            }
        }
    }

    #[test]
    fn unknown_kinds_are_rejected() {
        let key = |t: &str| PlaceKind::parse(t).unwrap_err().key();
        assert_eq!(key(""), keys::PLACE_KIND_EMPTY);
        assert_eq!(key("  "), keys::PLACE_KIND_EMPTY);
        assert_eq!(key("castle"), keys::PLACE_KIND_UNKNOWN);
        assert_eq!(key("城堡"), keys::PLACE_KIND_UNKNOWN);
        assert_eq!(PlaceKind::parse("城堡").unwrap_err().detail(), Some("城堡"));
    }

    #[test]
    fn serde_uses_the_code() {
        let json = serde_json::to_string(&PlaceKind::CareHome).unwrap();
        assert_eq!(json, "\"care_home\"");
        assert_eq!(
            serde_json::from_str::<PlaceKind>("\"养老院\"").unwrap(),
            PlaceKind::CareHome
        );
    }
}
