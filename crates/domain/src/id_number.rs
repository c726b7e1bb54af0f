//! Resident identity card numbers (居民身份证号码) per GB 11643-1999.
//!
//! The address code is deliberately not checked against any list: codes are
//! renamed and merged over the years, a person keeps the number, and the demo
//! data uses a synthetic province 99.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::{
    Sex,
    error::{Invalid, keys},
    gb11643,
    mask::mask_middle,
    serde_str::serde_as_parsed_string,
};

/// The registry did not issue numbers to people born before this year, so an
/// earlier birth date is a typo.
const MIN_BIRTH_YEAR: i32 = 1850;

/// A valid 18-character resident ID, uppercase. `Debug` is masked so the full
/// number never lands in a log by accident; there is no `Display`, use
/// `as_str()` where the full number is really meant.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Accepts 18 characters (a lowercase `x` is uppercased) or a legacy
    /// 15-digit number, which is converted to its 18-character form.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::ID_NUMBER_EMPTY));
        }
        let upper = text.to_ascii_uppercase();
        match upper.chars().count() {
            15 => Self::from_legacy(&upper),
            18 => Self::from_modern(upper),
            n => Err(Invalid::with_detail(keys::ID_NUMBER_LENGTH, n.to_string())),
        }
    }

    fn from_modern(upper: String) -> Result<Self, Invalid> {
        if !gb11643::has_shape(upper.as_bytes()) {
            return Err(Invalid::new(keys::ID_NUMBER_CHARACTERS));
        }
        birth_date_of(&upper[6..14])?;
        if !gb11643::is_valid(upper.as_bytes()) {
            return Err(Invalid::new(keys::ID_NUMBER_CHECKSUM));
        }
        Ok(Self(upper))
    }

    /// 15-digit numbers (issued until 1999) have a two-digit year, always
    /// 19xx, and no check character.
    fn from_legacy(upper: &str) -> Result<Self, Invalid> {
        if !upper.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(keys::ID_NUMBER_CHARACTERS));
        }
        let mut first17 = String::with_capacity(18);
        first17.push_str(&upper[..6]);
        first17.push_str("19");
        first17.push_str(&upper[6..]);
        birth_date_of(&first17[6..14])?;
        Ok(Self::with_check_char(first17))
    }

    /// Builds a valid number from its parts, computing the check character;
    /// the demo generator uses it to make numbers deterministically.
    pub fn from_parts(address: &str, birth: NaiveDate, sequence: u16) -> Result<Self, Invalid> {
        if address.len() != 6 || !address.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(keys::ID_NUMBER_ADDRESS_CODE));
        }
        if !(MIN_BIRTH_YEAR..=9999).contains(&birth.year()) {
            return Err(Invalid::new(keys::ID_NUMBER_BIRTH_DATE));
        }
        if sequence > 999 {
            return Err(Invalid::new(keys::ID_NUMBER_SEQUENCE));
        }
        let first17 = format!("{address}{}{sequence:03}", birth.format("%Y%m%d"));
        Ok(Self::with_check_char(first17))
    }

    fn with_check_char(mut first17: String) -> Self {
        let check =
            gb11643::check_char(first17.as_bytes()).expect("callers pass exactly 17 ASCII digits");
        first17.push(char::from(check));
        Self(first17)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit address code of the place of first registration.
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0[6..14]).expect("validated by parse")
    }

    /// Odd 17th digit: male; even: female.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// `110105********002X`: address code and last four kept.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 6, 4)
    }
}

fn birth_date_of(yyyymmdd: &str) -> Result<NaiveDate, Invalid> {
    crate::dates::date_from_yyyymmdd(yyyymmdd)
        .filter(|d| d.year() >= MIN_BIRTH_YEAR)
        .ok_or_else(|| Invalid::with_detail(keys::ID_NUMBER_BIRTH_DATE, yyyymmdd))
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

serde_as_parsed_string!(IdNumber);

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn key(text: &str) -> &'static str {
        IdNumber::parse(text).unwrap_err().key()
    }

    #[test]
    fn the_standard_example_with_check_x_is_accepted() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.address_code(), "110105");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
    }

    #[test]
    fn a_number_whose_check_digit_is_4_is_accepted() {
        let id = IdNumber::parse("440524188001010014").unwrap();
        assert_eq!(id.birth_date(), date(1880, 1, 1));
        assert_eq!(id.sex(), Sex::Male);
    }

    #[test]
    fn a_lowercase_x_is_accepted_and_stored_uppercase() {
        let id = IdNumber::parse(" 11010519491231002x\t").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn a_wrong_check_character_is_a_checksum_error() {
        assert_eq!(key("110105194912310021"), keys::ID_NUMBER_CHECKSUM);
        assert_eq!(key("440524188001010015"), keys::ID_NUMBER_CHECKSUM);
    }

    #[test]
    fn an_impossible_birth_date_is_rejected_before_the_checksum() {
        let fake = IdNumber::from_parts("110105", date(1999, 2, 28), 1).unwrap();
        let feb30 = fake.as_str().replace("19990228", "19990230");
        assert_eq!(key(&feb30), keys::ID_NUMBER_BIRTH_DATE);
    }

    #[test]
    fn a_birth_year_before_1850_is_rejected() {
        assert_eq!(key("110105184912310021"), keys::ID_NUMBER_BIRTH_DATE);
        assert!(IdNumber::from_parts("110105", date(1849, 12, 31), 1).is_err());
    }

    #[test]
    fn empty_wrong_length_and_bad_characters_have_their_own_keys() {
        assert_eq!(key("  "), keys::ID_NUMBER_EMPTY);
        assert_eq!(key("1101051949123100"), keys::ID_NUMBER_LENGTH);
        assert_eq!(key("1101051949123100XX"), keys::ID_NUMBER_CHARACTERS);
        assert_eq!(key("11010519491231002Y"), keys::ID_NUMBER_CHARACTERS);
        assert_eq!(key("11010549123100X"), keys::ID_NUMBER_CHARACTERS);
    }

    #[test]
    fn a_legacy_15_digit_number_gains_the_century_and_a_check_character() {
        let id = IdNumber::parse("110105491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(key("110105490230002"), keys::ID_NUMBER_BIRTH_DATE);
    }

    #[test]
    fn the_mask_keeps_six_leading_and_four_trailing_characters() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(\"110105********002X\")");
    }

    #[test]
    fn from_parts_builds_a_number_that_parses_back() {
        let id = IdNumber::from_parts("990101", date(1990, 5, 17), 23).unwrap();
        assert_eq!(&id.as_str()[..17], "99010119900517023");
        assert_eq!(IdNumber::parse(id.as_str()).unwrap(), id);
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(
            IdNumber::from_parts("110105", date(1949, 12, 31), 2)
                .unwrap()
                .as_str(),
            "11010519491231002X"
        );
    }

    #[test]
    fn from_parts_rejects_a_bad_address_or_sequence() {
        let birth = date(1990, 1, 1);
        assert_eq!(
            IdNumber::from_parts("11010", birth, 1).unwrap_err().key(),
            keys::ID_NUMBER_ADDRESS_CODE
        );
        assert_eq!(
            IdNumber::from_parts("110105", birth, 1000)
                .unwrap_err()
                .key(),
            keys::ID_NUMBER_SEQUENCE
        );
    }

    #[test]
    fn serde_round_trips_through_a_validated_string() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"11010519491231002X\"");
        assert_eq!(serde_json::from_str::<IdNumber>(&json).unwrap(), id);
        assert!(serde_json::from_str::<IdNumber>("\"110105194912310021\"").is_err());
    }
}
