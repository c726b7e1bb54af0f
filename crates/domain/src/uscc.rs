//! Unified Social Credit Codes (统一社会信用代码) per GB 32100-2015.
//!
//! Some codes issued during the pilot before the standard was final are
//! legal but fail the checksum, so a bad check character is a warning on an
//! accepted value, never a rejection. Length and alphabet are hard errors.

use std::fmt;

use crate::{
    error::{Invalid, keys},
    serde_str::serde_as_parsed_string,
};

/// The 31 characters of the code, in value order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Something about an accepted code that a clerk should double-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsccWarning {
    /// The check character does not match; genuine for some pilot codes.
    Checksum,
}

impl UsccWarning {
    pub fn key(self) -> &'static str {
        match self {
            UsccWarning::Checksum => keys::WARNING_USCC_CHECKSUM,
        }
    }
}

/// An 18-character code, uppercase, of valid structure. The checksum may be
/// wrong (see `checksum_ok`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let code = text.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(Invalid::new(keys::USCC_EMPTY));
        }
        let n = code.chars().count();
        if n != 18 {
            return Err(Invalid::with_detail(keys::USCC_LENGTH, n.to_string()));
        }
        check_structure(code.as_bytes())?;
        Ok(Self(code))
    }

    /// Appends the computed check character to a 17-character prefix; the
    /// demo generator uses it to make valid codes deterministically.
    pub fn from_parts(prefix17: &str) -> Result<Self, Invalid> {
        let prefix = prefix17.trim().to_ascii_uppercase();
        let n = prefix.chars().count();
        if n != 17 {
            return Err(Invalid::with_detail(keys::USCC_LENGTH, n.to_string()));
        }
        check_structure(prefix.as_bytes())?;
        let check = check_char(prefix.as_bytes()).expect("structure checked above");
        let mut code = prefix;
        code.push(char::from(check));
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the check character matches; `false` only for codes that are
    /// otherwise well formed.
    pub fn checksum_ok(&self) -> bool {
        check_char(&self.0.as_bytes()[..17]) == Some(self.0.as_bytes()[17])
    }

    pub fn warning(&self) -> Option<UsccWarning> {
        (!self.checksum_ok()).then_some(UsccWarning::Checksum)
    }

    /// Registration authority (position 1), e.g. `9` for market regulation.
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Authority and organisation category (positions 1–2): `91` enterprise,
    /// `92` individual business, `93` farmer cooperative, …
    pub fn category(&self) -> &str {
        &self.0[..2]
    }

    /// The six-digit administrative division code (positions 3–8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The nine-character organisation code (positions 9–17).
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// Alphabet for every character, digits for the division code. Input must be
/// ASCII of length 17 or 18 (bytes may be longer if non-ASCII crept in).
fn check_structure(b: &[u8]) -> Result<(), Invalid> {
    if !b.iter().all(|&c| value(c).is_some()) || !matches!(b.len(), 17 | 18) {
        return Err(Invalid::new(keys::USCC_CHARACTERS));
    }
    if !b[2..8].iter().all(u8::is_ascii_digit) {
        return Err(Invalid::new(keys::USCC_DIVISION_CODE));
    }
    Ok(())
}

fn check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (&c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize])
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Uscc").field(&self.0).finish()
    }
}

/// A credit code is public information, so it may be displayed in full.
impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_as_parsed_string!(Uscc);

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> &'static str {
        Uscc::parse(text).unwrap_err().key()
    }

    #[test]
    fn the_standard_example_is_valid_with_its_parts() {
        let code = Uscc::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert!(code.checksum_ok());
        assert_eq!(code.warning(), None);
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.category(), "91");
        assert_eq!(code.division_code(), "350100");
        assert_eq!(code.organization_code(), "M000100Y4");
    }

    #[test]
    fn the_example_weighted_sum_is_1640() {
        let sum: u32 = b"91350100M000100Y4"
            .iter()
            .zip(WEIGHTS)
            .map(|(&c, w)| value(c).unwrap() * w)
            .sum();
        assert_eq!(sum, 1640);
    }

    #[test]
    fn a_pilot_code_with_a_bad_checksum_is_accepted_with_a_warning() {
        let code = Uscc::parse("91350100M0001TGQXM").unwrap();
        assert!(!code.checksum_ok());
        assert_eq!(
            code.warning().map(UsccWarning::key),
            Some("warning.uscc.checksum")
        );
    }

    #[test]
    fn structural_problems_are_errors() {
        assert_eq!(key(""), keys::USCC_EMPTY);
        assert_eq!(key("91350100M000100Y4"), keys::USCC_LENGTH);
        assert_eq!(key("91350100M000100I43"), keys::USCC_CHARACTERS);
        assert_eq!(key("91350100M000100Y4３"), keys::USCC_CHARACTERS);
        assert_eq!(key("9135A100M000100Y43"), keys::USCC_DIVISION_CODE);
    }

    #[test]
    fn from_parts_computes_the_check_character() {
        assert_eq!(
            Uscc::from_parts("91350100M000100Y4").unwrap().as_str(),
            "91350100M000100Y43"
        );
        let generated = Uscc::from_parts("92990101MA0000017").unwrap();
        assert!(generated.checksum_ok());
        assert_eq!(
            key_of(Uscc::from_parts("92990101MA000001")),
            keys::USCC_LENGTH
        );
    }

    fn key_of(r: Result<Uscc, Invalid>) -> &'static str {
        r.unwrap_err().key()
    }

    #[test]
    fn a_check_value_of_31_becomes_0() {
        // Find any prefix whose sum is a multiple of 31 by varying the last
        // character, then confirm the check character is '0'.
        let found = ALPHABET.iter().find_map(|&c| {
            let prefix = format!("9135010000000000{}", char::from(c));
            let sum: u32 = prefix
                .bytes()
                .zip(WEIGHTS)
                .map(|(b, w)| value(b).unwrap() * w)
                .sum();
            sum.is_multiple_of(31).then_some(prefix)
        });
        let prefix = found.expect("weight 28 is coprime to 31, so one value fits");
        assert!(Uscc::from_parts(&prefix).unwrap().as_str().ends_with('0'));
    }

    #[test]
    fn serde_accepts_pilot_codes_but_not_malformed_ones() {
        let code: Uscc = serde_json::from_str("\"91350100M0001TGQXM\"").unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"91350100M0001TGQXM\""
        );
        assert!(serde_json::from_str::<Uscc>("\"91350100M0001TGQX\"").is_err());
    }
}
