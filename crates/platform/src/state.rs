//! The state every handler receives: the database, settings, catalogs, and what the modules
//! registered (navigation, figures). Cheap to clone.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use domain::{DivisionCode, WorkCalendar};

use crate::auth::Role;
use crate::config::Config;
use crate::db::Db;
use crate::i18n::{Catalogs, Lang, Tr};
use crate::module::{FigureDef, NavCountFn, NavItem, RecordsFn};
use crate::tickets::kind::TicketKind;
use crate::web::metrics::Metrics;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Db,
    config: Config,
    calendar: WorkCalendar,
    catalogs: Catalogs,
    registered: Registered,
    metrics: Metrics,
    openapi_json: OnceLock<String>,
}

/// What the modules registered, gathered by `app::assemble`.
pub(crate) struct Registered {
    pub nav: Vec<NavItem>,
    pub figures: Vec<FigureDef>,
    /// Each module's name and the roles holding it by default.
    pub modules: Vec<(&'static str, &'static [Role])>,
    pub ticket_kinds: Vec<TicketKind>,
    pub nav_counts: Vec<(&'static str, NavCountFn)>,
    pub figure_records: Vec<(&'static str, RecordsFn)>,
}

impl AppState {
    pub(crate) fn new(
        db: Db,
        config: Config,
        calendar: WorkCalendar,
        catalogs: Catalogs,
        registered: Registered,
    ) -> Self {
        AppState(Arc::new(Inner {
            db,
            config,
            calendar,
            catalogs,
            registered,
            metrics: Metrics::default(),
            openapi_json: OnceLock::new(),
        }))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The official work calendar: shipped years plus `Config::calendar_file`.
    pub fn calendar(&self) -> &WorkCalendar {
        &self.0.calendar
    }

    pub fn catalogs(&self) -> &Catalogs {
        &self.0.catalogs
    }

    pub fn tr(&self, lang: Lang) -> Tr {
        Tr::new(lang, self.0.catalogs.get(lang).clone())
    }

    /// Navigation entries of every module, in display order.
    pub fn nav(&self) -> &[NavItem] {
        &self.0.registered.nav
    }

    /// The count shown beside the navigation entry `href`, if a module registered one.
    pub fn nav_count(&self, href: &str) -> Option<NavCountFn> {
        self.0
            .registered
            .nav_counts
            .iter()
            .find(|(h, _)| *h == href)
            .map(|(_, f)| *f)
    }

    /// The ticket kinds the modules registered (the kernel's first).
    pub fn ticket_kinds(&self) -> &[TicketKind] {
        &self.0.registered.ticket_kinds
    }

    pub fn ticket_kind(&self, code: &str) -> Option<&TicketKind> {
        self.0
            .registered
            .ticket_kinds
            .iter()
            .find(|k| k.code == code)
    }

    pub fn figures(&self) -> &[FigureDef] {
        &self.0.registered.figures
    }

    pub fn figure(&self, key: &str) -> Option<&FigureDef> {
        self.0.registered.figures.iter().find(|f| f.key == key)
    }

    /// The page listing the records behind figure `key` for an area and a day, if its module
    /// has one (`Module::figure_records`).
    pub fn figure_records(&self, key: &str, area: &DivisionCode, day: NaiveDate) -> Option<String> {
        self.0
            .registered
            .figure_records
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| f(area, day))
    }

    /// The roles holding `module` by default; `None` for a module that is not registered.
    pub fn module_default_roles(&self, module: &str) -> Option<&'static [Role]> {
        self.0
            .registered
            .modules
            .iter()
            .find(|(name, _)| *name == module)
            .map(|(_, roles)| *roles)
    }

    /// Names of the registered modules, in order.
    pub fn module_names(&self) -> Vec<&'static str> {
        self.0
            .registered
            .modules
            .iter()
            .map(|(name, _)| *name)
            .collect()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    pub(crate) fn set_openapi_json(&self, json: String) {
        let _ = self.0.openapi_json.set(json);
    }

    pub fn openapi_json(&self) -> &str {
        self.0
            .openapi_json
            .get()
            .map(String::as_str)
            .unwrap_or("{}")
    }
}
