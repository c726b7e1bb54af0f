//! Epidemic control I (疫情防控): checkpoint screening, the key persons under management,
//! quarantine sites and orders, twice-daily health checks that escalate when missed, nucleic-acid
//! testing with pooled samples, testing coverage against the roster (应检必检), passages at
//! compounds and venues (出入登记) and contact tracing over them (流调).
//!
//! A campaign module: it plugs into the kernel through `platform::Module` and uses the kernel's
//! registries (persons, places), tickets, 包保 responsibility and import framework. The policy
//! (durations, schedules, thresholds) is configuration (`policy`).

pub mod checks;
pub mod coverage;
pub mod demo;
pub mod figures;
pub mod investigations;
pub mod key_persons;
pub mod passages;
pub mod policy;
pub mod quarantine;
pub mod risk;
pub mod screening;
pub mod testing;
pub mod time;
pub mod tracing;

use futures::future::BoxFuture;
use platform::auth::{Action, Role};
use platform::i18n::Lang;
use platform::module::{FigureDef, JobDef, Module, NavItem};
use platform::routes::{Access, Routes};
use platform::tickets::kind::TicketKind;

/// The module: `epidemic` in permissions.
pub struct Epidemic;

pub const MODULE: &str = "epidemic";

pub const READ: Access = Access::Module(MODULE, Action::Read);
pub const WRITE: Access = Access::Module(MODULE, Action::Write);

/// Who sees the module's navigation: everyone who may hold it.
pub const NAV_ROLES: &[Role] = &[
    Role::Admin,
    Role::Commander,
    Role::Department,
    Role::Township,
    Role::Village,
    Role::Grid,
    Role::Checkpoint,
];

/// The ticket kinds this module opens.
pub mod kinds {
    /// A fever or an alarming symptom at a screening or a health check: urgent, to the site
    /// doctor or the grid worker.
    pub const ALARM: &str = "epidemic.alarm";
    /// A health check not recorded by the end of its window.
    pub const MISSED_CHECK: &str = "epidemic.missed_check";
    /// A positive person: a case notification to the health department.
    pub const CASE: &str = "epidemic.case";
    /// A screening that refers a person to hospital: the closed-loop transfer.
    pub const HOSPITAL_REFERRAL: &str = "epidemic.hospital_referral";
}

impl Module for Epidemic {
    fn name(&self) -> &'static str {
        MODULE
    }

    /// The grassroots and checkpoint staff; departments (卫健) by grant.
    fn default_roles(&self) -> &'static [Role] {
        &[Role::Township, Role::Village, Role::Grid, Role::Checkpoint]
    }

    fn catalogs(&self) -> Vec<(Lang, &'static str, &'static str)> {
        macro_rules! both {
            ($($name:literal),*) => {
                vec![$(
                    (Lang::ZhCn, concat!("epidemic/zh-CN/", $name), include_str!(concat!("../i18n/zh-CN/", $name))),
                    (Lang::En, concat!("epidemic/en/", $name), include_str!(concat!("../i18n/en/", $name))),
                )*]
            };
        }
        both!(
            "epidemic.toml",
            "screening.toml",
            "key_persons.toml",
            "quarantine.toml",
            "checks.toml",
            "testing.toml",
            "passages.toml",
            "risk.toml",
            "investigations.toml"
        )
    }

    fn routes(&self, r: &mut Routes) {
        policy_routes(r);
        screening::routes(r);
        key_persons::routes(r);
        quarantine::routes(r);
        checks::routes(r);
        testing::routes(r);
        coverage::routes(r);
        passages::routes(r);
        self::tracing::routes(r);
        risk::routes(r);
        investigations::routes(r);
    }

    fn nav(&self) -> Vec<NavItem> {
        let item = |label_key, href, order, on_phone_bar| NavItem {
            label_key,
            href,
            roles: NAV_ROLES,
            order,
            on_phone_bar,
        };
        vec![
            item("nav.epidemic.screen", "/epidemic/screen", 300, true),
            item(
                "nav.epidemic.screenings",
                "/epidemic/screenings",
                301,
                false,
            ),
            item(
                "nav.epidemic.key_persons",
                "/epidemic/key-persons",
                302,
                false,
            ),
            item(
                "nav.epidemic.quarantine",
                "/epidemic/quarantine",
                303,
                false,
            ),
            item("nav.epidemic.checks", "/epidemic/checks", 304, false),
            item("nav.epidemic.testing", "/epidemic/testing", 305, false),
            item("nav.epidemic.coverage", "/epidemic/coverage", 306, false),
            item("nav.epidemic.passages", "/epidemic/passages", 307, false),
            item(
                "nav.epidemic.investigations",
                "/epidemic/investigations",
                308,
                false,
            ),
        ]
    }

    fn figures(&self) -> Vec<FigureDef> {
        figures::all()
    }

    fn figure_records(&self) -> Vec<(&'static str, platform::module::RecordsFn)> {
        figures::records()
    }

    fn jobs(&self) -> Vec<JobDef> {
        let mut jobs = checks::jobs();
        jobs.extend(testing::jobs());
        jobs.extend(risk::jobs());
        jobs
    }

    fn ticket_kinds(&self) -> Vec<TicketKind> {
        use domain::ticket::Rules;
        let urgent = |code, label_key| TicketKind {
            code,
            label_key,
            rules: Rules::default(),
            limits: ["2小时", "4小时", "24小时", "24小时"],
        };
        vec![
            urgent(kinds::ALARM, "epidemic.kind.alarm"),
            urgent(kinds::MISSED_CHECK, "epidemic.kind.missed_check"),
            urgent(kinds::CASE, "epidemic.kind.case"),
            urgent(kinds::HOSPITAL_REFERRAL, "epidemic.kind.hospital_referral"),
        ]
    }

    fn importers(&self) -> Vec<&'static dyn platform::imports::SheetImport> {
        testing::importers()
    }

    fn demo<'a>(
        &'a self,
        ctx: &'a platform::demo::DemoContext,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(demo::generate(ctx))
    }
}

fn policy_routes(r: &mut Routes) {
    use utoipa_axum::routes;
    r.api(READ, routes!(policy::api::get_policy));
    r.api(
        Access::Roles(&[Role::Admin, Role::Commander]),
        routes!(policy::api::put_policy),
    );
}
