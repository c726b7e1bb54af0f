//! Sex as recorded on a resident ID (the parity of the 17th digit).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{Invalid, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Stable code for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// The label printed on official forms.
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sex {
    type Err = Invalid;

    /// Accepts the code or the Chinese label, since spreadsheets use either.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "male" | "男" => Ok(Sex::Male),
            "female" | "女" => Ok(Sex::Female),
            _ => Err(Invalid::new(keys::SEX_UNKNOWN)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_labels_both_parse() {
        assert_eq!("male".parse::<Sex>(), Ok(Sex::Male));
        assert_eq!(" 女 ".parse::<Sex>(), Ok(Sex::Female));
        assert_eq!(Sex::Female.as_str(), "female");
        assert_eq!(Sex::Male.label_zh(), "男");
    }

    #[test]
    fn an_unknown_value_is_rejected() {
        assert_eq!("M".parse::<Sex>().unwrap_err().key(), keys::SEX_UNKNOWN);
    }
}
