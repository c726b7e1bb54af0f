//! The epidemic module's catalogs: both languages hold the same keys, every key its code and
//! templates ask for exists (in its own catalogs or the kernel's), and every code it shows by
//! name — categories, statuses, symptoms, origins, decisions — has a label.

use platform::i18n::Lang;

#[test]
fn every_key_the_module_uses_is_in_a_catalog() {
    let checked = testkit::catalogs::check_module(
        &epidemic::Epidemic,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert!(checked > 100, "the scan found only {checked} keys");
}

#[test]
fn every_code_shown_by_name_has_a_label() {
    let catalogs = testkit::catalogs::of(&epidemic::Epidemic);
    let zh = catalogs.get(Lang::ZhCn);
    let mut keys = Vec::new();
    for c in epidemic::policy::CATEGORIES {
        keys.push(format!("key_person.categories.{c}"));
    }
    for s in epidemic::key_persons::status::ALL {
        keys.push(format!("key_person.statuses.{s}"));
    }
    for s in epidemic::policy::SYMPTOMS {
        keys.push(format!("epidemic.symptom.{s}"));
    }
    for o in epidemic::screening::model::ORIGINS {
        keys.push(format!("screening.origins.{o}"));
    }
    for t in epidemic::screening::model::TRANSPORTS {
        keys.push(format!("screening.transports.{t}"));
    }
    for d in epidemic::screening::model::Decision::ALL {
        keys.push(format!("screening.decisions.{}", d.as_str()));
    }
    for a in ["open", "status", "category", "extend", "assign", "end"] {
        keys.push(format!("key_person.actions.{a}"));
    }
    for s in ["screening", "manual", "tracing", "testing", "import"] {
        keys.push(format!("key_person.sources.{s}"));
    }
    let missing: Vec<&String> = keys.iter().filter(|k| !zh.contains(k)).collect();
    assert!(missing.is_empty(), "{missing:?}");
}
