//! The command module's catalogs: both languages hold the same keys, and every key its code and
//! templates ask for exists (in its own catalogs or the kernel's).

use platform::i18n::Lang;

#[test]
fn every_key_the_module_uses_is_in_a_catalog() {
    let checked = testkit::catalogs::check_module(
        &command::Command,
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert!(checked > 15, "the scan found only {checked} keys");
}

#[test]
fn every_section_of_the_screen_has_a_title() {
    let catalogs = testkit::catalogs::of(&command::Command);
    let zh = catalogs.get(Lang::ZhCn);
    for section in command::layout::SECTIONS {
        assert!(zh.contains(section.label_key), "{}", section.label_key);
    }
}
