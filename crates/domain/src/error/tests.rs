//! Checks that the key list, the parsers and the message catalogs agree.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::*;
use crate::{
    AreaLevel, DivisionCode, Document, DocumentType, IdNumber, IndustrySection, MoneyUnit, Phone,
    PlaceKind, Sex, Uscc, WorkCalendar, parse_amount, parse_date_lenient, parse_datetime_lenient,
};

fn err<T>(result: Result<T, Invalid>) -> &'static str {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.key(),
    }
}

/// One bad input per key, from every parser of the crate.
fn keys_from_bad_inputs() -> Vec<&'static str> {
    let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
    let calendar = WorkCalendar::official();
    let grid = DivisionCode::parse("110105001002003").unwrap();
    let kind = DocumentType::HkMacaoTaiwanResidencePermit;
    vec![
        err(IdNumber::parse("")),
        err(IdNumber::parse("1234")),
        err(IdNumber::parse("1101051949123100AX")),
        err(IdNumber::parse("110105199902300021")),
        err(IdNumber::parse("110105194912310021")),
        err(IdNumber::from_parts("1101", birth, 1)),
        err(IdNumber::from_parts("110105", birth, 1000)),
        err("x".parse::<Sex>()),
        err(crate::HouseholdRelation::parse("朋友")),
        err("visa".parse::<DocumentType>()),
        err(Document::parse(DocumentType::Passport, "")),
        err(Document::parse(DocumentType::Passport, "E1")),
        err(Document::parse(DocumentType::Passport, "E1234#5678")),
        err(Document::parse(DocumentType::HkMacaoPermit, "X12345678")),
        err(Document::parse(kind, "810000199002300010")),
        err(Document::parse(kind, "810000199001010010")),
        err(Uscc::parse("")),
        err(Uscc::parse("9135")),
        err(Uscc::parse("91350100M000100O43")),
        err(Uscc::parse("91X50100M000100Y43")),
        err(DivisionCode::parse("")),
        err(DivisionCode::parse("1101")),
        err(DivisionCode::parse("11010x")),
        err(DivisionCode::parse("000000")),
        err(DivisionCode::parse("110100001")),
        err(grid.child_code(1)),
        err("city".parse::<AreaLevel>()),
        err(Phone::parse("")),
        err(Phone::parse("tel")),
        err(Phone::parse("138")),
        err(Phone::parse("11000000000")),
        err(WorkCalendar::from_json("[]")),
        err(WorkCalendar::from_json(
            r#"{"years": {"2030": {"holidays": [{"date": "2030-13-01", "name": "x"}]}}}"#,
        )),
        err(calendar.is_working_day(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap())),
        err(crate::deadline::TimeLimit::parse(" ")),
        err(crate::deadline::TimeLimit::parse("13 days")),
        err(crate::deadline::TimeLimit::parse("0个工作日")),
        err(crate::deadline::WorkingHours::parse("9-12")),
        err(crate::deadline::WorkingHours::parse("13:30-12:00")),
        err(parse_date_lenient("")),
        err(parse_date_lenient("March 10")),
        err(parse_date_lenient("2021-02-29")),
        err(parse_datetime_lenient("")),
        err(parse_datetime_lenient("2020-03-10")),
        err(parse_datetime_lenient("2020-03-10 25:00")),
        err(parse_amount("", MoneyUnit::Yuan)),
        err(parse_amount("abc", MoneyUnit::Yuan)),
        err(parse_amount("100000000000000000000", MoneyUnit::Yuan)),
        err(MoneyUnit::parse("美元")),
        err(IndustrySection::parse("")),
        err(IndustrySection::parse("Z")),
        err(PlaceKind::parse("")),
        err(PlaceKind::parse("城堡")),
        err(crate::ResponsibilityRole::parse("")),
        err(crate::ResponsibilityRole::parse("老板")),
    ]
}

#[test]
fn every_key_a_parser_returns_is_listed() {
    for key in keys_from_bad_inputs() {
        assert!(
            all_error_keys().contains(&key),
            "{key} is not in all_error_keys"
        );
    }
}

#[test]
fn every_listed_key_is_reachable_from_some_bad_input() {
    let produced: BTreeSet<_> = keys_from_bad_inputs().into_iter().collect();
    for key in all_error_keys() {
        assert!(produced.contains(key), "no bad input produces {key}");
    }
}

#[test]
fn keys_are_unique_and_namespaced() {
    let all: Vec<_> = all_error_keys().iter().chain(all_warning_keys()).collect();
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    for key in all_error_keys() {
        assert!(key.starts_with("invalid."), "{key}");
    }
    for key in all_warning_keys() {
        assert!(key.starts_with("warning."), "{key}");
    }
}

#[test]
fn display_shows_the_key_and_any_detail() {
    assert_eq!(
        Invalid::new(keys::PHONE_EMPTY).to_string(),
        "invalid.phone.empty"
    );
    let e = Invalid::with_detail(keys::DIVISION_LENGTH, "4");
    assert_eq!(e.to_string(), "invalid.division.length: 4");
    assert_eq!(e.detail(), Some("4"));
}

/// The flat `"key" = "value"` entries of a catalog file.
fn catalog_entries(toml: &str) -> Vec<(String, String)> {
    toml.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once(" = ").expect("key = value");
            let unquote = |s: &str| {
                s.strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("not quoted: {s}"))
                    .to_owned()
            };
            (unquote(key), unquote(value))
        })
        .collect()
}

fn check_catalog(name: &str, toml: &str) {
    let entries = catalog_entries(toml);
    let found: BTreeSet<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(found.len(), entries.len(), "{name}: duplicate keys");
    let expected: BTreeSet<&str> = all_error_keys()
        .iter()
        .chain(all_warning_keys())
        .copied()
        .collect();
    assert_eq!(found, expected, "{name}: keys differ from the crate's keys");
    for (key, value) in &entries {
        assert!(!value.trim().is_empty(), "{name}: {key} has no message");
    }
}

#[test]
fn both_catalogs_translate_exactly_the_crate_keys() {
    check_catalog(
        "zh-CN",
        include_str!("../../../platform/i18n/zh-CN/domain.toml"),
    );
    check_catalog("en", include_str!("../../../platform/i18n/en/domain.toml"));
}
