//! What every full page needs from the request: language, signed-in user, navigation, path.
//! Handlers take `Page` as an argument and hand it to their template, which extends the layout.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::CurrentUser;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;

/// One navigation entry as shown to this user.
#[derive(Clone, Debug)]
pub struct NavLink {
    pub label: String,
    pub href: &'static str,
    pub active: bool,
    pub on_phone_bar: bool,
    /// What waits behind the entry (open work), when its module counts it.
    pub count: Option<u64>,
}

pub struct Page {
    pub tr: Tr,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavLink>,
    /// Path and query of the request, for the language switch to come back to.
    pub here: String,
    pub title: String,
    /// Breadcrumbs as (href, name), the last one the current page.
    pub crumbs: Vec<(String, String)>,
    /// A message confirming what the previous request did, from `?flash=flash.…`.
    pub flash: Option<String>,
}

impl Page {
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }

    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.f(key, args)
    }

    pub fn lang_tag(&self) -> &'static str {
        self.tr.lang.tag()
    }

    /// The language the switch offers.
    pub fn other_lang(&self) -> Lang {
        match self.tr.lang {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    pub fn other_lang_tag(&self) -> &'static str {
        self.other_lang().tag()
    }

    pub fn other_lang_label(&self) -> &'static str {
        match self.other_lang() {
            Lang::ZhCn => "中文",
            Lang::En => "English",
        }
    }

    /// Sets the page title from a catalog key.
    pub fn titled(mut self, key: &str) -> Self {
        self.title = self.tr.t(key).to_string();
        self
    }

    pub fn titled_text(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Breadcrumbs from an area path (code, name) as `areas::repo::path_to` gives it, each
    /// linking to the area browser, then `tail` (href, name) entries.
    pub fn with_area_crumbs(
        mut self,
        path: &[(String, String)],
        tail: &[(String, String)],
    ) -> Self {
        self.crumbs = path
            .iter()
            .map(|(code, name)| (format!("/areas/{code}"), name.clone()))
            .collect();
        self.crumbs.extend(tail.iter().cloned());
        self
    }

    pub fn role_label(&self) -> String {
        self.user
            .as_ref()
            .map(|u| self.tr.t(&u.role.label_key()).to_string())
            .unwrap_or_default()
    }

    pub fn here_encoded(&self) -> String {
        url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect()
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tr = Tr::from_request_parts(parts, state).await?;
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let path = parts.uri.path().to_string();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| path.clone());
        let nav = match &user {
            Some(user) => state
                .nav()
                .iter()
                .filter(|item| item.visible_to(user.role))
                .map(|item| NavLink {
                    label: tr.t(item.label_key).to_string(),
                    href: item.href,
                    active: if item.href == "/" {
                        path == "/"
                    } else {
                        path.starts_with(item.href)
                    },
                    on_phone_bar: item.on_phone_bar,
                    count: None,
                })
                .collect(),
            None => Vec::new(),
        };
        let mut nav = nav;
        if let Some(user) = &user {
            for link in &mut nav {
                if let Some(count) = state.nav_count(link.href) {
                    // A count that cannot be had leaves the entry without one.
                    link.count = count(state, user).await.ok();
                }
            }
        }
        let flash = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "flash")
                .map(|(_, v)| v.into_owned())
                .filter(|key| {
                    key.starts_with("flash.") && state.catalogs().get(tr.lang).contains(key)
                })
                .map(|key| tr.t(&key).to_string())
        });
        Ok(Page {
            tr,
            user,
            nav,
            here,
            title: String::new(),
            crumbs: Vec::new(),
            flash,
        })
    }
}

/// Renders an askama template into an HTML response, turning a template failure into a 500.
pub fn render(
    template: &impl askama::Template,
) -> crate::error::AppResult<axum::response::Html<String>> {
    template
        .render()
        .map(axum::response::Html)
        .map_err(crate::error::AppError::internal)
}
