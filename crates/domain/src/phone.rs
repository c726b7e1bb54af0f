//! Mainland China mobile numbers. The carrier is never inferred from the
//! prefix: numbers move between carriers and the ranges keep changing.

use std::fmt;

use crate::{
    error::{Invalid, keys},
    mask::mask_middle,
    serde_str::serde_as_parsed_string,
};

/// Eleven digits, `1[3-9]xxxxxxxxx`. `Debug` is masked; there is no
/// `Display`, use `as_str()` where the full number is really meant.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Accepts an optional `+86`, `0086` or `86` prefix; spaces and hyphens
    /// anywhere are ignored.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(Invalid::new(keys::PHONE_EMPTY));
        }
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(keys::PHONE_CHARACTERS));
        }
        let had_plus = digits.len() != compact.len();
        // A country code is only recognised where it leaves exactly eleven
        // digits, so a bare `86…` number of the wrong length is a length
        // error rather than silently shortened.
        let national = match digits.len() {
            13 if digits.starts_with("86") => &digits[2..],
            15 if !had_plus && digits.starts_with("0086") => &digits[4..],
            11 if !had_plus => digits,
            n => return Err(Invalid::with_detail(keys::PHONE_LENGTH, n.to_string())),
        };
        let b = national.as_bytes();
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(Invalid::new(keys::PHONE_PREFIX));
        }
        Ok(Self(national.to_owned()))
    }

    /// The eleven digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3, 4)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

serde_as_parsed_string!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(text: &str) -> String {
        Phone::parse(text).unwrap().as_str().to_owned()
    }

    fn key(text: &str) -> &'static str {
        Phone::parse(text).unwrap_err().key()
    }

    #[test]
    fn country_prefixes_spaces_and_hyphens_are_removed() {
        for text in [
            "13800135678",
            " 138 0013 5678 ",
            "138-0013-5678",
            "+86 138 0013 5678",
            "+8613800135678",
            "8613800135678",
            "0086-138-0013-5678",
        ] {
            assert_eq!(digits(text), "13800135678", "{text}");
        }
    }

    #[test]
    fn the_mask_keeps_three_leading_and_four_trailing_digits() {
        let phone = Phone::parse("13800135678").unwrap();
        assert_eq!(phone.masked(), "138****5678");
        assert_eq!(format!("{phone:?}"), "Phone(\"138****5678\")");
    }

    #[test]
    fn non_mobile_numbers_are_rejected() {
        assert_eq!(key(""), keys::PHONE_EMPTY);
        assert_eq!(key("138O0135678"), keys::PHONE_CHARACTERS);
        assert_eq!(key("(010)88888888"), keys::PHONE_CHARACTERS);
        assert_eq!(key("1380013567"), keys::PHONE_LENGTH);
        assert_eq!(key("+13800135678"), keys::PHONE_LENGTH);
        assert_eq!(key("12800135678"), keys::PHONE_PREFIX);
        assert_eq!(key("02088888888"), keys::PHONE_PREFIX);
        assert_eq!(key("8612800135678"), keys::PHONE_PREFIX);
    }

    #[test]
    fn serde_round_trips_the_eleven_digits() {
        let phone: Phone = serde_json::from_str("\"+86 139-0000-0000\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"13900000000\"");
        assert!(serde_json::from_str::<Phone>("\"10086\"").is_err());
    }
}
