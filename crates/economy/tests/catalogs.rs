//! The economy module's catalogs: both languages hold the same keys, every key its code and
//! templates ask for exists (in its own catalogs or the kernel's), and every code it shows by
//! name — statuses, prevention measures, breakdowns, sizes — has a label.

use std::path::Path;

use platform::Module;
use platform::i18n::{Catalogs, Lang};

fn quoted_keys_after(text: &str, marker: &str) -> Vec<String> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| rest.strip_prefix('"'))
        .filter_map(|rest| rest.split('"').next())
        .filter(|key| key.contains('.') && !key.contains(' ') && !key.contains('{'))
        .map(str::to_string)
        .collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn catalogs() -> Catalogs {
    Catalogs::load(&economy::Economy.catalogs()).unwrap()
}

#[test]
fn both_languages_have_the_same_keys() {
    assert_eq!(catalogs().mismatched_keys(), Vec::<String>::new());
}

#[test]
fn every_key_the_module_uses_is_in_a_catalog() {
    let catalogs = catalogs();
    let zh = catalogs.get(Lang::ZhCn);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("templates"), "html", &mut sources);
    files(&root.join("src"), "rs", &mut sources);
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        let keys = [
            "t(",
            "f(",
            "invalid(",
            "conflict(",
            "label_key: ",
            "unit_key: ",
            "tr.f(",
        ]
        .iter()
        .flat_map(|m| quoted_keys_after(&text, m))
        .collect::<Vec<_>>();
        for key in keys {
            checked += 1;
            if !zh.contains(&key) {
                missing.push(format!(
                    "{key} ({})",
                    file.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert!(checked > 40, "the scan found only {checked} keys");
    assert_eq!(missing, Vec::<String>::new());
    for module in [economy::Economy] {
        for figure in module.figures() {
            assert!(zh.contains(figure.label_key), "{}", figure.key);
            assert!(zh.contains(figure.unit_key), "{}", figure.key);
        }
        for kind in module.ticket_kinds() {
            assert!(zh.contains(kind.label_key), "{}", kind.code);
        }
        for item in module.nav() {
            assert!(zh.contains(item.label_key), "{}", item.href);
        }
    }
}

#[test]
fn every_code_shown_by_name_has_a_label() {
    let catalogs = catalogs();
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
    for k in economy::resumption::export::HEADERS {
        keys.push(k.to_string());
    }
    let missing: Vec<&String> = keys.iter().filter(|k| !zh.contains(k)).collect();
    assert!(missing.is_empty(), "{missing:?}");
}
