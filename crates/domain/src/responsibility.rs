//! Roles in 包保 responsibility: who answers for an area or a registry record — the leader who
//! "packs and guarantees" it (包保领导), the responsible department (责任部门), the grid worker
//! (网格员), the cadre (包保干部) and the contracted family doctor (签约医生).
//!
//! As with place kinds, the Chinese names live here: they are the words officials type in their
//! sheets, and `parse` must understand them whatever language the page is in.

use std::{fmt, str::FromStr};

use crate::error::{Invalid, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResponsibilityRole {
    Leader,
    Department,
    GridWorker,
    Cadre,
    Doctor,
}

use ResponsibilityRole::*;

/// (role, code, Chinese name, other Chinese names accepted by `parse`), in declaration order.
const ROLES: [(ResponsibilityRole, &str, &str, &[&str]); 5] = [
    (Leader, "leader", "包保领导", &["包联领导", "包抓领导"]),
    (
        Department,
        "department",
        "责任部门",
        &["包保部门", "包保单位", "责任单位"],
    ),
    (GridWorker, "grid_worker", "网格员", &["专职网格员"]),
    (Cadre, "cadre", "包保干部", &["包联干部", "联系干部"]),
    (Doctor, "doctor", "签约医生", &["家庭医生", "家庭签约医生"]),
];

impl ResponsibilityRole {
    pub const ALL: [ResponsibilityRole; 5] = [Leader, Department, GridWorker, Cadre, Doctor];

    fn entry(
        self,
    ) -> &'static (
        ResponsibilityRole,
        &'static str,
        &'static str,
        &'static [&'static str],
    ) {
        &ROLES[self as usize]
    }

    /// The snake_case code, for storage and the API: `grid_worker`.
    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    /// The Chinese name: `网格员`.
    pub fn name_zh(self) -> &'static str {
        self.entry().2
    }

    /// Whether a subject may have more than one active assignment of this role at once: many
    /// cadres and departments may share a subject; it has one leader and one grid worker.
    pub fn allows_several(self) -> bool {
        matches!(self, Cadre | Department)
    }

    /// Accepts the code (any case, `-` for `_`), the Chinese name, or a common alias.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::RESPONSIBILITY_ROLE_EMPTY));
        }
        let code = text.to_ascii_lowercase().replace('-', "_");
        ROLES
            .iter()
            .find(|(_, c, zh, aliases)| code == *c || text == *zh || aliases.contains(&text))
            .map(|entry| entry.0)
            .ok_or_else(|| Invalid::with_detail(keys::RESPONSIBILITY_ROLE_UNKNOWN, text))
    }
}

impl fmt::Display for ResponsibilityRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResponsibilityRole {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for ResponsibilityRole {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ResponsibilityRole {
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
        for (i, role) in ResponsibilityRole::ALL.iter().enumerate() {
            assert_eq!(*role as usize, i);
            assert_eq!(role.entry().0, *role, "ROLES must follow declaration order");
        }
    }

    #[test]
    fn codes_and_chinese_names_parse_back() {
        for role in ResponsibilityRole::ALL {
            assert_eq!(ResponsibilityRole::parse(role.as_str()), Ok(role));
            assert_eq!(ResponsibilityRole::parse(role.name_zh()), Ok(role));
            assert_eq!(
                ResponsibilityRole::parse(&format!(" {} ", role.as_str().to_uppercase())),
                Ok(role)
            );
        }
        assert_eq!(
            ResponsibilityRole::parse("grid-worker"),
            Ok(ResponsibilityRole::GridWorker)
        );
        assert_eq!(ResponsibilityRole::Leader.name_zh(), "包保领导");
        assert_eq!(ResponsibilityRole::Department.name_zh(), "责任部门");
        assert_eq!(ResponsibilityRole::GridWorker.name_zh(), "网格员");
        assert_eq!(ResponsibilityRole::Cadre.name_zh(), "包保干部");
        assert_eq!(ResponsibilityRole::Doctor.name_zh(), "签约医生");
        assert_eq!(
            ResponsibilityRole::parse("家庭医生"),
            Ok(ResponsibilityRole::Doctor)
        );
    }

    #[test]
    fn only_cadres_and_departments_may_be_several() {
        let several: Vec<_> = ResponsibilityRole::ALL
            .into_iter()
            .filter(|r| r.allows_several())
            .collect();
        assert_eq!(
            several,
            [ResponsibilityRole::Department, ResponsibilityRole::Cadre]
        );
    }

    #[test]
    fn no_name_or_alias_means_two_roles() {
        let mut seen = HashSet::new();
        for (_, code, zh, aliases) in ROLES.iter() {
            for word in [*code, *zh].iter().chain(aliases.iter()) {
                assert!(seen.insert(*word), "{word} is listed twice");
            }
        }
    }

    #[test]
    fn unknown_roles_are_rejected() {
        let key = |t: &str| ResponsibilityRole::parse(t).unwrap_err().key();
        assert_eq!(key(""), keys::RESPONSIBILITY_ROLE_EMPTY);
        assert_eq!(key("boss"), keys::RESPONSIBILITY_ROLE_UNKNOWN);
        assert_eq!(key("老板"), keys::RESPONSIBILITY_ROLE_UNKNOWN);
    }

    #[test]
    fn serde_uses_the_code() {
        let json = serde_json::to_string(&ResponsibilityRole::GridWorker).unwrap();
        assert_eq!(json, "\"grid_worker\"");
        assert_eq!(
            serde_json::from_str::<ResponsibilityRole>("\"包保领导\"").unwrap(),
            ResponsibilityRole::Leader
        );
    }
}
