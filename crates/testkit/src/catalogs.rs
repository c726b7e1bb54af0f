//! A campaign module's catalog checks, shared by every module's `tests/catalogs.rs`: both
//! languages hold the same keys; every key its code and templates ask for (after `t("`, `f("`,
//! `invalid("`, `conflict("`, `label_key: "`, `unit_key: "`) exists in its catalogs or the
//! kernel's; its figures, ticket kinds and navigation are labelled.

use std::path::{Path, PathBuf};

use platform::Module;
use platform::i18n::{Catalogs, Lang};

const MARKERS: &[&str] = &[
    "t(",
    "f(",
    "invalid(",
    "conflict(",
    "label_key: ",
    "unit_key: ",
];

fn quoted_keys_after(text: &str, marker: &str) -> Vec<String> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| rest.strip_prefix('"'))
        .filter_map(|rest| rest.split('"').next())
        .filter(|key| key.contains('.') && !key.contains(' ') && !key.contains('{'))
        .map(str::to_string)
        .collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The kernel's catalogs and `module`'s, as the application loads them.
pub fn of(module: &dyn Module) -> Catalogs {
    Catalogs::load(&module.catalogs()).unwrap()
}

/// Panics naming every key `module`'s sources under `root` (its `src` and `templates`) use that
/// no catalog holds, or when the languages differ; answers how many keys it checked.
pub fn check_module(module: &dyn Module, root: &Path) -> usize {
    let catalogs = of(module);
    assert_eq!(catalogs.mismatched_keys(), Vec::<String>::new());
    let zh = catalogs.get(Lang::ZhCn);
    let mut sources = Vec::new();
    files(&root.join("templates"), "html", &mut sources);
    files(&root.join("src"), "rs", &mut sources);
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        for key in MARKERS.iter().flat_map(|m| quoted_keys_after(&text, m)) {
            checked += 1;
            if !zh.contains(&key) {
                missing.push(format!(
                    "{key} ({})",
                    file.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new());
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
    checked
}
