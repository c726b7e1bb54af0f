//! Both catalogs hold the same keys, and every key the templates and the kernel's code ask for
//! exists — so no page ever shows a bare key.

use std::path::Path;

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

#[test]
fn both_languages_have_the_same_keys() {
    let catalogs = Catalogs::load(&[]).unwrap();
    assert_eq!(catalogs.mismatched_keys(), Vec::<String>::new());
}

#[test]
fn every_key_the_kernel_uses_is_in_the_catalog() {
    let catalogs = Catalogs::load(&[]).unwrap();
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
            "bad_request(",
            "label_key: ",
            "unit_key: ",
            "\"login.",
            "tr.f(",
        ]
        .iter()
        .flat_map(|m| quoted_keys_after(&text, m))
        .chain(
            // Keys passed whole: AppError::new(status, "code", "key").
            text.split("AppError::new(")
                .skip(1)
                .filter_map(|r| r.split('"').nth(3).map(str::to_string)),
        );
        for key in keys {
            checked += 1;
            let known_prefix = ["role.", "area.level."].iter().any(|p| key == *p);
            if !zh.contains(&key) && !known_prefix {
                missing.push(format!(
                    "{key} ({})",
                    file.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        checked > 100,
        "the scan found only {checked} keys: is it still looking in the right places?"
    );
    assert_eq!(missing, Vec::<String>::new());
    for role in platform::auth::Role::ALL {
        assert!(zh.contains(&role.label_key()), "{}", role.label_key());
    }
    for level in domain::AreaLevel::ALL {
        assert!(
            zh.contains(&format!("area.level.{}", level.as_str())),
            "{}",
            level.as_str()
        );
    }
    for key in domain::all_error_keys() {
        assert!(zh.contains(key), "domain key {key}");
    }
}

#[test]
fn every_ticket_state_action_party_and_error_is_translated() {
    use domain::ticket::{Action, Party, State};
    let catalogs = Catalogs::load(&[]).unwrap();
    let zh = catalogs.get(Lang::ZhCn);
    let mut keys: Vec<String> = domain::ticket::all_error_keys()
        .iter()
        .map(|k| k.to_string())
        .collect();
    keys.extend(
        State::ALL
            .iter()
            .map(|s| format!("ticket.state.{}", s.as_str())),
    );
    keys.extend(
        Action::ALL
            .iter()
            .map(|a| format!("ticket.action.{}", a.as_str())),
    );
    keys.extend(
        Party::ALL
            .iter()
            .map(|p| format!("ticket.party.{}", p.as_str())),
    );
    for key in &keys {
        assert!(zh.contains(key), "{key}");
    }
    // Messages name the state, action and party through these placeholders.
    let error = domain::ticket::TransitionError::NotAllowed {
        action: Action::Close,
        party: Party::Owner,
    };
    let message = zh.get(error.key());
    for (name, _) in error.args() {
        assert!(message.contains(&format!("{{{name}}}")), "{message}");
    }
}
