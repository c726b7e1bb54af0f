//! A member's relation to the head of their household (与户主关系), as household registers
//! (户口簿) record it. Spreadsheets write either the code or the Chinese name, often a more
//! specific one (`长子`, `妻`), so parsing accepts the common forms.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdRelation {
    /// 户主: exactly one per household.
    Head,
    /// 配偶
    Spouse,
    /// 子女
    Child,
    /// 父母
    Parent,
    /// 兄弟姐妹
    Sibling,
    /// 孙子女
    Grandchild,
    /// 其他
    Other,
}

use HouseholdRelation::*;

/// (relation, code, official Chinese name, other Chinese names seen in registers).
const RELATIONS: [(HouseholdRelation, &str, &str, &[&str]); 7] = [
    (Head, "head", "户主", &["本人", "户主本人"]),
    (Spouse, "spouse", "配偶", &["妻", "夫", "妻子", "丈夫"]),
    (
        Child,
        "child",
        "子女",
        &[
            "子",
            "女",
            "儿子",
            "女儿",
            "长子",
            "次子",
            "长女",
            "次女",
            "独生子",
            "独生女",
        ],
    ),
    (Parent, "parent", "父母", &["父", "母", "父亲", "母亲"]),
    (
        Sibling,
        "sibling",
        "兄弟姐妹",
        &["兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"],
    ),
    (
        Grandchild,
        "grandchild",
        "孙子女",
        &["孙子", "孙女", "外孙子", "外孙女", "外孙"],
    ),
    (Other, "other", "其他", &[]),
];

impl HouseholdRelation {
    /// Every relation, the head first.
    pub const ALL: [HouseholdRelation; 7] =
        [Head, Spouse, Child, Parent, Sibling, Grandchild, Other];

    fn entry(
        self,
    ) -> &'static (
        HouseholdRelation,
        &'static str,
        &'static str,
        &'static [&'static str],
    ) {
        RELATIONS
            .iter()
            .find(|(r, ..)| *r == self)
            .expect("every relation is listed")
    }

    /// Stable code for storage and APIs: `head`, `spouse`, …
    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    /// The name printed in household registers: `户主`, `配偶`, …
    pub fn name_zh(self) -> &'static str {
        self.entry().2
    }

    /// Parses a code (`spouse`) or a Chinese name (`配偶`, `妻`, `长子`), ignoring surrounding
    /// space and the case of codes.
    pub fn parse(text: &str) -> Result<HouseholdRelation, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::HOUSEHOLD_RELATION_UNKNOWN));
        }
        let lower = text.to_ascii_lowercase();
        RELATIONS
            .iter()
            .find(|(_, code, zh, others)| *code == lower || *zh == text || others.contains(&text))
            .map(|(r, ..)| *r)
            .ok_or_else(|| Invalid::new(keys::HOUSEHOLD_RELATION_UNKNOWN))
    }
}

impl fmt::Display for HouseholdRelation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HouseholdRelation {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HouseholdRelation::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_names_parse_to_the_same_relation() {
        for relation in HouseholdRelation::ALL {
            assert_eq!(HouseholdRelation::parse(relation.as_str()), Ok(relation));
            assert_eq!(HouseholdRelation::parse(relation.name_zh()), Ok(relation));
            assert_eq!(relation.as_str().parse::<HouseholdRelation>(), Ok(relation));
        }
        assert_eq!(HouseholdRelation::parse(" 户主 "), Ok(Head));
        assert_eq!(HouseholdRelation::parse("SPOUSE"), Ok(Spouse));
        assert_eq!(HouseholdRelation::parse("兄弟姐妹"), Ok(Sibling));
        assert_eq!(HouseholdRelation::parse("孙子女"), Ok(Grandchild));
    }

    #[test]
    fn the_specific_names_of_registers_map_to_their_relation() {
        assert_eq!(HouseholdRelation::parse("妻"), Ok(Spouse));
        assert_eq!(HouseholdRelation::parse("长子"), Ok(Child));
        assert_eq!(HouseholdRelation::parse("母亲"), Ok(Parent));
        assert_eq!(HouseholdRelation::parse("外孙女"), Ok(Grandchild));
        assert_eq!(HouseholdRelation::parse("本人"), Ok(Head));
    }

    #[test]
    fn names_and_codes_are_the_registers_own() {
        let names: Vec<_> = HouseholdRelation::ALL.iter().map(|r| r.name_zh()).collect();
        assert_eq!(
            names,
            ["户主", "配偶", "子女", "父母", "兄弟姐妹", "孙子女", "其他"]
        );
        let codes: Vec<_> = HouseholdRelation::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            codes,
            [
                "head",
                "spouse",
                "child",
                "parent",
                "sibling",
                "grandchild",
                "other"
            ]
        );
        assert_eq!(Grandchild.to_string(), "grandchild");
    }

    #[test]
    fn unknown_or_empty_relations_are_rejected_with_a_catalog_key() {
        for bad in ["", "  ", "朋友", "cousin", "户"] {
            assert_eq!(
                HouseholdRelation::parse(bad).unwrap_err().key(),
                keys::HOUSEHOLD_RELATION_UNKNOWN,
                "{bad:?}"
            );
        }
    }
}
