//! The GB 11643-1999 check character (ISO 7064 MOD 11-2), shared by resident
//! ID numbers and the documents that copied their layout (HK/Macao/Taiwan
//! residence permits, the 2023 foreign permanent residence card).

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// The check character for 17 ASCII digits; `None` if they are not that.
pub(crate) fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Whether 18 ASCII characters (already uppercased) carry a correct check
/// character.
pub(crate) fn is_valid(number: &[u8]) -> bool {
    number.len() == 18 && check_char(&number[..17]) == Some(number[17])
}

/// Shape only: 17 ASCII digits followed by a digit or an uppercase X.
pub(crate) fn has_shape(number: &[u8]) -> bool {
    number.len() == 18
        && number[..17].iter().all(u8::is_ascii_digit)
        && (number[17].is_ascii_digit() || number[17] == b'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_with_sum_167_gets_check_x() {
        assert_eq!(check_char(b"11010519491231002"), Some(b'X'));
    }

    #[test]
    fn a_sum_of_195_gets_check_4() {
        assert_eq!(check_char(b"44052418800101001"), Some(b'4'));
    }

    #[test]
    fn a_non_digit_in_the_first_17_has_no_check_char() {
        assert_eq!(check_char(b"1101051949123100A"), None);
        assert_eq!(check_char(b"1101051949123100"), None);
    }

    #[test]
    fn a_wrong_check_char_is_not_valid() {
        assert!(is_valid(b"11010519491231002X"));
        assert!(!is_valid(b"110105194912310021"));
    }

    #[test]
    fn shape_requires_digits_then_digit_or_x() {
        assert!(has_shape(b"11010519491231002X"));
        assert!(!has_shape(b"11010519491231002x"));
        assert!(!has_shape(b"1101051949123100XX"));
    }
}
