//! Masking personal data for lists, exports and logs. Everything counts
//! Unicode characters, never bytes, so Chinese text is cut on character
//! boundaries.

use crate::{IdNumber, Phone};

/// Keeps `keep_start` leading and `keep_end` trailing characters and replaces
/// each character between them with `*`. When nothing would be hidden, every
/// character is hidden instead: a short value must not leak in full.
pub fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let mut out = String::with_capacity(text.len());
    mask_middle_into(&mut out, text, keep_start, keep_end);
    out
}

/// `mask_middle` written into `out` (cleared first), reusing its buffer: for exports that mask a
/// million values.
pub fn mask_middle_into(out: &mut String, text: &str, keep_start: usize, keep_end: usize) {
    out.clear();
    if text.is_ascii() {
        let n = text.len();
        if n <= keep_start + keep_end {
            out.extend(std::iter::repeat_n('*', n));
        } else {
            out.push_str(&text[..keep_start]);
            out.extend(std::iter::repeat_n('*', n - keep_start - keep_end));
            out.push_str(&text[n - keep_end..]);
        }
        return;
    }
    let n = text.chars().count();
    if n <= keep_start + keep_end {
        out.extend(std::iter::repeat_n('*', n));
        return;
    }
    for (i, c) in text.chars().enumerate() {
        out.push(if i < keep_start || i >= n - keep_end {
            c
        } else {
            '*'
        });
    }
}

/// Keeps roughly the township/street part of an address: the first
/// min(len/2, 10) characters, then a fixed `****` so the hidden length is not
/// revealed either.
pub fn mask_address(address: &str) -> String {
    let mut out = String::new();
    mask_address_into(&mut out, address);
    out
}

/// `mask_address` into `out` (cleared first).
pub fn mask_address_into(out: &mut String, address: &str) {
    out.clear();
    let address = address.trim();
    let n = address.chars().count();
    if n == 0 {
        return;
    }
    let keep = (n / 2).min(10);
    out.extend(address.chars().take(keep));
    out.push_str("****");
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
    let mut out = String::new();
    mask_id_number_into(&mut out, text);
    out
}

/// `mask_id_number` into `out` (cleared first). A number already in its normal form (18 digits
/// or `X`) is masked as it stands, without parsing it: parsed or not, it would mask the same.
pub fn mask_id_number_into(out: &mut String, text: &str) {
    let normal = text.len() == 18 && text.bytes().all(|b| b.is_ascii_digit() || b == b'X');
    if normal {
        return mask_middle_into(out, text, 6, 4);
    }
    match IdNumber::parse(text) {
        Ok(id) => mask_middle_into(out, id.as_str(), 6, 4),
        Err(_) => mask_middle_into(out, text.trim(), 6, 4),
    }
}

/// Masks a mobile number given as raw text, like `mask_id_number`.
pub fn mask_phone(text: &str) -> String {
    let mut out = String::new();
    mask_phone_into(&mut out, text);
    out
}

/// `mask_phone` into `out` (cleared first); eleven digits are masked as they stand, which is what
/// parsing them would lead to as well.
pub fn mask_phone_into(out: &mut String, text: &str) {
    if text.len() == 11 && text.bytes().all(|b| b.is_ascii_digit()) {
        return mask_middle_into(out, text, 3, 4);
    }
    match Phone::parse(text) {
        Ok(phone) => mask_middle_into(out, phone.as_str(), 3, 4),
        Err(_) => mask_middle_into(out, text.trim(), 3, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_into_a_buffer_matches_masking_afresh() {
        let mut out = String::from("left over");
        for id in [
            "11010519491231002X",
            "11010519491231002x",
            "110105491231002",
            "1101",
        ] {
            mask_id_number_into(&mut out, id);
            assert_eq!(
                out,
                mask_middle(
                    &IdNumber::parse(id)
                        .map(|i| i.as_str().to_string())
                        .unwrap_or(id.to_string()),
                    6,
                    4
                ),
                "{id}"
            );
        }
        for phone in ["13812345678", "+86 138-1234-5678", "12345678901", "110"] {
            mask_phone_into(&mut out, phone);
            let normal = Phone::parse(phone).map(|p| p.as_str().to_string());
            assert_eq!(
                out,
                mask_middle(normal.as_deref().unwrap_or(phone.trim()), 3, 4),
                "{phone}"
            );
        }
        mask_address_into(&mut out, " 城关街道幸福路1号 ");
        assert_eq!(out, "城关街道****");
        mask_address_into(&mut out, "");
        assert_eq!(out, "");
    }

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
