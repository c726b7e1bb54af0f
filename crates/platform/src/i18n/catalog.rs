//! Catalog files: flat TOML tables of `"key" = "text"`, one set per language, merged from the
//! kernel's files and every module's.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_embed::RustEmbed;

use super::Lang;

#[derive(RustEmbed)]
#[folder = "i18n/"]
struct KernelCatalogFiles;

#[derive(Debug, Default)]
pub struct Catalog {
    entries: BTreeMap<String, String>,
}

impl Catalog {
    /// The text for `key`; a missing key shows itself, so the gap is visible rather than blank.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.entries.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    fn add_toml(&mut self, source: &str, text: &str) -> anyhow::Result<()> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("catalog {source}: {e}"))?;
        for (key, value) in table {
            let toml::Value::String(text) = value else {
                anyhow::bail!("catalog {source}: {key} is not a string");
            };
            if self.entries.insert(key.clone(), text).is_some() {
                anyhow::bail!("catalog {source}: {key} is defined twice");
            }
        }
        Ok(())
    }
}

/// Both languages' catalogs.
#[derive(Debug, Clone)]
pub struct Catalogs {
    zh: Arc<Catalog>,
    en: Arc<Catalog>,
}

impl Catalogs {
    /// The kernel's catalogs plus `extra` (language, source name, TOML text) from modules.
    pub fn load(extra: &[(Lang, &str, &str)]) -> anyhow::Result<Catalogs> {
        let mut zh = Catalog::default();
        let mut en = Catalog::default();
        for path in KernelCatalogFiles::iter() {
            let file = KernelCatalogFiles::get(&path).expect("listed file exists");
            let text = std::str::from_utf8(&file.data)
                .map_err(|_| anyhow::anyhow!("catalog {path} is not UTF-8"))?;
            let (dir, _) = path.split_once('/').unwrap_or(("", &path));
            match Lang::parse(dir) {
                Some(Lang::ZhCn) => zh.add_toml(&path, text)?,
                Some(Lang::En) => en.add_toml(&path, text)?,
                None => anyhow::bail!("catalog file {path} is not under zh-CN/ or en/"),
            }
        }
        for (lang, source, text) in extra {
            match lang {
                Lang::ZhCn => zh.add_toml(source, text)?,
                Lang::En => en.add_toml(source, text)?,
            }
        }
        Ok(Catalogs {
            zh: Arc::new(zh),
            en: Arc::new(en),
        })
    }

    pub fn get(&self, lang: Lang) -> &Arc<Catalog> {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// Keys present in one language and missing in the other, for the catalog test and start-up.
    pub fn mismatched_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .zh
            .keys()
            .filter(|k| !self.en.contains(k))
            .chain(self.en.keys().filter(|k| !self.zh.contains(k)))
            .map(str::to_string)
            .collect();
        out.sort();
        out
    }
}
