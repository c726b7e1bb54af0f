//! Tags on people that several campaigns look for. Fixed words, labelled from the catalog
//! (`tag.<word>`), so filters and imports agree on them.

pub const PERSON_TAGS: &[&str] = &[
    "elderly_alone",
    "disabled",
    "poor_student",
    "left_behind_child",
    "veteran",
    "low_income",
    "chronic_illness",
    "pregnant",
];

/// The tag word for a word or its Chinese label (as imports carry it).
pub fn parse_person_tag(text: &str, label_of: impl Fn(&str) -> String) -> Option<&'static str> {
    let text = text.trim();
    PERSON_TAGS
        .iter()
        .copied()
        .find(|t| *t == text || label_of(t) == text)
}
