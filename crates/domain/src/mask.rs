//! Masking personal data for lists, exports and logs. Everything counts
//! Unicode characters, never bytes, so Chinese text is cut on character
//! boundaries.

use crate::{IdNumber, Phone};

/// Keeps `keep_start` leading and `keep_end` trailing characters and replaces
/// each character between them with `*`. When nothing would be hidden, every
/// character is hidden instead: a short value must not leak in full.
pub fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n <= keep_start + keep_end {
        return "*".repeat(n);
    }
    let mut out = String::with_capacity(text.len());
    out.extend(&chars[..keep_start]);
    out.extend(std::iter::repeat_n('*', n - keep_start - keep_end));
    out.extend(&chars[n - keep_end..]);
    out
}

/// Keeps roughly the township/street part of an address: the first
/// min(len/2, 10) characters, then a fixed `****` so the hidden length is not
/// revealed either.
pub fn mask_address(address: &str) -> String {
    let address = address.trim();
    let n = address.chars().count();
    if n == 0 {
        return String::new();
    }
    let keep = (n / 2).min(10);
    let mut out: String = address.chars().take(keep).collect();
    out.push_str("****");
    out
}

/// First character, then one `*` for each remaining character: 张三丰 → 张**.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// Masks a resident ID given as raw text (e.g. an import row that failed to
/// parse): a valid number gets `IdNumber::masked`, anything else keeps the
/// same 6 + 4 characters so no invalid value is ever shown in full.
pub fn mask_id_number(text: &str) -> String {
    match IdNumber::parse(text) {
        Ok(id) => id.masked(),
        Err(_) => mask_middle(text.trim(), 6, 4),
    }
}

/// Masks a mobile number given as raw text, like `mask_id_number`.
pub fn mask_phone(text: &str) -> String {
    match Phone::parse(text) {
        Ok(phone) => phone.masked(),
        Err(_) => mask_middle(text.trim(), 3, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_middle_is_replaced_character_by_character() {
        assert_eq!(mask_middle("E12345678", 2, 2), "E1*****78");
        assert_eq!(mask_middle("北京市朝阳区", 1, 1), "北****区");
    }

    #[test]
    fn a_value_too_short_to_hide_anything_is_hidden_entirely() {
        assert_eq!(mask_middle("1234", 2, 2), "****");
        assert_eq!(mask_middle("", 2, 2), "");
    }

    #[test]
    fn an_address_keeps_half_its_characters_up_to_ten() {
        assert_eq!(mask_address("城关街道幸福路1号"), "城关街道****");
        assert_eq!(
            mask_address("广东省广州市天河区石牌街道华师社区中山大道西55号"),
            "广东省广州市天河区石****"
        );
    }

    #[test]
    fn an_empty_address_stays_empty() {
        assert_eq!(mask_address("   "), "");
    }

    #[test]
    fn a_name_keeps_only_its_first_character() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name(" 李四 "), "李*");
        assert_eq!(mask_name("欧阳"), "欧*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn raw_id_text_is_masked_whether_or_not_it_is_valid() {
        assert_eq!(mask_id_number("11010519491231002x"), "110105********002X");
        assert_eq!(mask_id_number("110105194912310021"), "110105********0021");
    }

    #[test]
    fn raw_phone_text_is_masked_whether_or_not_it_is_valid() {
        assert_eq!(mask_phone("+86 138-0013-5678"), "138****5678");
        assert_eq!(mask_phone("02088888888"), "020****8888");
    }
}
