//! The economy module's catalogs: both languages hold the same keys, every key its code and
//! templates ask for exists (in its own catalogs or the kernel's), and every code it shows by
//! name — statuses, prevention measures, breakdowns, sizes — has a label.

use platform::i18n::Lang;

#[test]
fn every_key_the_module_uses_is_in_a_catalog() {
    let checked = testkit::catalogs::check_module(
        &economy::Economy,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert!(checked > 40, "the scan found only {checked} keys");
}

#[test]
fn every_code_shown_by_name_has_a_label() {
    let catalogs = testkit::catalogs::of(&economy::Economy);
    let zh = catalogs.get(Lang::ZhCn);
    let mut keys = Vec::new();
    for s in economy::resumption::model::STATUSES {
        keys.push(format!("resumption.status.{s}"));
    }
    for m in economy::resumption::model::MEASURES {
        keys.push(format!("resumption.measure.{m}"));
    }
    for b in ["area", "industry", "size"] {
        keys.push(format!("resumption.by.{b}"));
    }
    for s in ["above", "below"] {
        keys.push(format!("resumption.size.{s}"));
    }
    for k in economy::inspections::model::KINDS {
        keys.push(format!("inspections.kind.{k}"));
    }
    for c in economy::needs::model::CATEGORIES {
        keys.push(format!("needs.category.{c}"));
    }
    for r in platform::tickets::service::RATINGS {
        keys.push(format!("needs.rating.{r}"));
    }
    for p in economy::ppe::model::PRODUCTS {
        keys.push(format!("ppe.product.{p}"));
        keys.push(format!("ppe.unit.{p}"));
    }
    for k in economy::resumption::export::HEADERS {
        keys.push(k.to_string());
    }
    let missing: Vec<&String> = keys.iter().filter(|k| !zh.contains(k)).collect();
    assert!(missing.is_empty(), "{missing:?}");
}
