//! The six levels of the area tree, from province down to the grid (网格)
//! that community workers are assigned to.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, keys};

/// Ordered from the top of the tree to the bottom: `Province < Grid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Province,
    Prefecture,
    County,
    Township,
    Village,
    Grid,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 6] = [
        AreaLevel::Province,
        AreaLevel::Prefecture,
        AreaLevel::County,
        AreaLevel::Township,
        AreaLevel::Village,
        AreaLevel::Grid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::Province => "province",
            AreaLevel::Prefecture => "prefecture",
            AreaLevel::County => "county",
            AreaLevel::Township => "township",
            AreaLevel::Village => "village",
            AreaLevel::Grid => "grid",
        }
    }

    /// The usual Chinese name of the level (省级, 地级, …).
    pub fn label_zh(self) -> &'static str {
        match self {
            AreaLevel::Province => "省级",
            AreaLevel::Prefecture => "地级",
            AreaLevel::County => "县级",
            AreaLevel::Township => "乡级",
            AreaLevel::Village => "村级",
            AreaLevel::Grid => "网格",
        }
    }

    /// 1 for a province down to 6 for a grid, matching the customary
    /// numbering of levels (省级 is the first level).
    pub fn depth(self) -> u8 {
        self as u8 + 1
    }

    /// How many leading digits of a code are significant at this level.
    pub(crate) fn prefix_len(self) -> usize {
        match self {
            AreaLevel::Province => 2,
            AreaLevel::Prefecture => 4,
            AreaLevel::County => 6,
            AreaLevel::Township => 9,
            AreaLevel::Village => 12,
            AreaLevel::Grid => 15,
        }
    }
}

impl fmt::Display for AreaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AreaLevel {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        AreaLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| Invalid::with_detail(keys::AREA_LEVEL_UNKNOWN, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_from_top_to_bottom() {
        assert!(AreaLevel::Province < AreaLevel::Prefecture);
        assert!(AreaLevel::Village < AreaLevel::Grid);
        let depths: Vec<u8> = AreaLevel::ALL.iter().map(|l| l.depth()).collect();
        assert_eq!(depths, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for level in AreaLevel::ALL {
            assert_eq!(level.as_str().parse::<AreaLevel>(), Ok(level));
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{}\"", level.as_str())
            );
        }
        assert_eq!(
            "street".parse::<AreaLevel>().unwrap_err().key(),
            keys::AREA_LEVEL_UNKNOWN
        );
    }
}
