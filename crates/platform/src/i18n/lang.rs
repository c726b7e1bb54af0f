//! Which language a request is answered in, and the `Tr` extractor handlers use to translate.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::Catalog;
use crate::state::AppState;

pub const LANG_COOKIE: &str = "tongxin_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "zh" || tag.starts_with("zh-") || tag.starts_with("zh_") {
            Some(Lang::ZhCn)
        } else if tag == "en" || tag.starts_with("en-") || tag.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// The language cookie wins (the user chose it with the switch). Pages then default to Chinese
/// whatever the browser says — the interface is Chinese unless a user asks otherwise — while API
/// clients may ask for a language with `Accept-Language`.
pub fn detect_lang(headers: &HeaderMap, honor_accept_language: bool) -> Lang {
    if let Some(lang) = crate::web::cookies::get(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v))
    {
        return lang;
    }
    if !honor_accept_language {
        return Lang::ZhCn;
    }
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|part| part.split(';').next())
                .find_map(Lang::parse)
        })
        .unwrap_or_default()
}

/// The request's language with its catalog: `tr.t("login.title")`.
#[derive(Clone)]
pub struct Tr {
    pub lang: Lang,
    catalog: Arc<Catalog>,
}

impl Tr {
    pub fn new(lang: Lang, catalog: Arc<Catalog>) -> Self {
        Tr { lang, catalog }
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.catalog.get(key)
    }

    /// Whether the catalog has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.catalog.contains(key)
    }

    /// Translates and fills `{name}` placeholders.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.catalog.get(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

impl FromRequestParts<AppState> for Tr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or_else(|| detect_lang(&parts.headers, false));
        Ok(state.tr(lang))
    }
}
