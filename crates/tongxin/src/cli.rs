//! The command line. Every option is also a `TONGXIN_*` environment variable, and the settings
//! of `serve` and `demo` may come from a TOML file (`--config`); a flag beats the variable, the
//! variable beats the file, the file beats the default.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tongxin",
    version,
    about = "同心 Tongxin — district command platform for epidemic control and economic recovery"
)]
pub struct Cli {
    /// TOML file with settings (keys as the long options: db, listen, secure_cookies, …).
    #[arg(long, env = "TONGXIN_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://tongxin.db].
    #[arg(long, env = "TONGXIN_DB", global = true)]
    pub db: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the platform.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Build a synthetic demo district and serve it.
    Demo(DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the area tree.
    #[command(subcommand)]
    Areas(AreasCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Grant modules to users or units beyond their roles' defaults.
    #[command(subcommand)]
    Modules(ModulesCommand),
    /// Import a ledger sheet (xlsx, xls, csv) into a registry: `tongxin import persons FILE`.
    Import {
        /// What the sheet holds: persons, enterprises, places, households (`tongxin import --help`
        /// lists them all).
        kind: String,
        file: PathBuf,
        /// all-or-nothing, or valid-rows (store the valid rows, report the others).
        #[arg(long, env = "TONGXIN_IMPORT_MODE", default_value = "valid-rows")]
        mode: String,
        /// Write the rejected rows, with the reason for each, to this xlsx.
        #[arg(long, env = "TONGXIN_IMPORT_REPORT")]
        report: Option<PathBuf>,
        /// Village or grid for rows without an area code.
        #[arg(long, env = "TONGXIN_IMPORT_AREA")]
        area: Option<String>,
    },
    /// Copy a SQLite database while it runs (for PostgreSQL, prints how to use pg_dump).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, env = "TONGXIN_BACKUP_OUT")]
        out: PathBuf,
    },
    /// Work with the official work calendar (holiday notices).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Write a bulletin (通报) as a Word document:
    /// `tongxin bulletin --template dual-campaign --area CODE --date YYYY-MM-DD --out FILE.docx`;
    /// `tongxin bulletin --list` prints every template's name and title.
    Bulletin(BulletinArgs),
    /// Print the version.
    Version,
}

#[derive(Args, Debug)]
pub struct BulletinArgs {
    /// Print every template's name and title, and stop.
    #[arg(long)]
    pub list: bool,
    /// The template's name.
    #[arg(long, default_value = "dual-campaign")]
    pub template: String,
    /// The area whose subtree the bulletin covers; the tree's root when absent.
    #[arg(long)]
    pub area: Option<String>,
    /// The day, YYYY-MM-DD (Beijing); today when absent.
    #[arg(long)]
    pub date: Option<String>,
    /// The Word document to write.
    #[arg(long, required_unless_present = "list")]
    pub out: Option<PathBuf>,
    /// Also write the bulletin's tables to this workbook.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
    /// Validate a holiday-notice JSON file and print the years it adds or replaces, with their
    /// counts of days off and make-up working days (调休).
    Check { file: PathBuf },
}

#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "TONGXIN_LISTEN")]
    pub listen: Option<String>,
    /// Mark cookies Secure (set when users reach the platform over HTTPS).
    #[arg(long, env = "TONGXIN_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Minutes of inactivity that end a session [default: 120].
    #[arg(long, env = "TONGXIN_SESSION_IDLE_MINUTES")]
    pub session_idle_minutes: Option<u64>,
    /// Hours after sign-in that end a session [default: 12].
    #[arg(long, env = "TONGXIN_SESSION_ABSOLUTE_HOURS")]
    pub session_absolute_hours: Option<u64>,
    /// Run periodic jobs on this node [default: true; a lease lets one node run each].
    #[arg(long, env = "TONGXIN_RUN_JOBS")]
    pub run_jobs: Option<bool>,
    /// Database connections per node [default: 16].
    #[arg(long, env = "TONGXIN_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Failed sign-ins per account and per address before further tries are refused [default: 5].
    #[arg(long, env = "TONGXIN_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// Minutes over which failed sign-ins are counted [default: 15].
    #[arg(long, env = "TONGXIN_LOGIN_WINDOW_MINUTES")]
    pub login_window_minutes: Option<u64>,
    /// Addresses of load balancers in front of the nodes, comma-separated: from them the client's
    /// address is read from X-Forwarded-For.
    #[arg(long, env = "TONGXIN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// A holiday-notice JSON file (format of cn-holidays.json) adding years to the shipped
    /// calendar or replacing them; a bad file stops the start. Check one with `calendar check`.
    #[arg(long, env = "TONGXIN_CALENDAR_FILE")]
    pub calendar_file: Option<PathBuf>,
    /// Hours a ticket stays overdue before it is escalated to the owner's superior unit [default: 24].
    #[arg(long, env = "TONGXIN_TICKET_ESCALATE_AFTER_HOURS")]
    pub ticket_escalate_after_hours: Option<u32>,
    /// Keep ticket attachments in this directory (shared by every node) instead of the database.
    #[arg(long, env = "TONGXIN_ATTACHMENTS_DIR")]
    pub attachments_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// tiny, district or city.
    #[arg(long, env = "TONGXIN_DEMO_SCALE", default_value = "district")]
    pub scale: String,
    /// Seed of the generator: the same seed makes the same district.
    #[arg(long, env = "TONGXIN_DEMO_SEED", default_value_t = 2020)]
    pub seed: u64,
    /// Password of every demo account. With the default one the server listens on loopback only.
    #[arg(long, env = "TONGXIN_DEMO_PASSWORD")]
    pub password: Option<String>,
    /// Only build the database; do not serve.
    #[arg(long, env = "TONGXIN_DEMO_NO_SERVE")]
    pub no_serve: bool,
    /// Delete an existing SQLite demo database first.
    #[arg(long, env = "TONGXIN_DEMO_FRESH")]
    pub fresh: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account, active at once.
    Add {
        #[arg(long, env = "TONGXIN_USER_USERNAME")]
        username: String,
        /// admin, commander, department, township, village, grid, checkpoint, inspector, enterprise, auditor.
        #[arg(long, env = "TONGXIN_USER_ROLE")]
        role: String,
        /// Division code of the area the user works in.
        #[arg(long, env = "TONGXIN_USER_AREA")]
        area: String,
        /// Name of the user's unit in that area (created if missing).
        #[arg(long, env = "TONGXIN_USER_UNIT")]
        unit: Option<String>,
        /// Name shown in the interface [default: the user name].
        #[arg(long, env = "TONGXIN_USER_DISPLAY_NAME")]
        display_name: Option<String>,
        /// For an `enterprise` account: the unified social credit code of the enterprise it
        /// speaks for (registered, in the account's area).
        #[arg(long, env = "TONGXIN_USER_ENTERPRISE")]
        enterprise: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, env = "TONGXIN_PASSWORD_STDIN")]
        password_stdin: bool,
    },
    /// Set a user's password (read from standard input); other sessions end.
    Passwd {
        #[arg(long, env = "TONGXIN_USER_USERNAME")]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long, env = "TONGXIN_PASSWORD_STDIN")]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long, env = "TONGXIN_USER_USERNAME")]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long, env = "TONGXIN_USER_USERNAME")]
        username: String,
    },
    /// Allow a user to reveal full personal data (one record at a time, with a reason, audited).
    Pii {
        #[arg(long, env = "TONGXIN_USER_USERNAME")]
        username: String,
        /// Withdraw the permission instead.
        #[arg(long)]
        revoke: bool,
    },
    /// List accounts, optionally in an area's subtree.
    List {
        #[arg(long, env = "TONGXIN_USER_AREA")]
        area: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain; exit non-zero naming the first entry edited, deleted or reordered.
    Verify,
}

/// Who receives or loses a module grant: a user, or a unit (all its users).
#[derive(Args, Debug)]
pub struct Grantee {
    /// The module's name.
    #[arg(long)]
    pub module: String,
    /// A user.
    #[arg(long, conflicts_with_all = ["unit", "area"])]
    pub username: Option<String>,
    /// A unit, named within --area.
    #[arg(long, requires = "area")]
    pub unit: Option<String>,
    /// The unit's area (division code).
    #[arg(long, requires = "unit")]
    pub area: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ModulesCommand {
    /// List the modules of this binary and the roles holding each by default.
    List,
    /// Grant a module (writing, or reading only with --read-only).
    Grant {
        #[command(flatten)]
        to: Grantee,
        #[arg(long)]
        read_only: bool,
    },
    /// Withdraw a grant.
    Revoke {
        #[command(flatten)]
        from: Grantee,
    },
}

#[derive(Subcommand, Debug)]
pub enum AreasCommand {
    /// Import codes and names (CSV, JSON, xlsx/xls) as the statistics bureau publishes them.
    Import {
        file: PathBuf,
        /// Edition year for rows that do not name one [default: this year].
        #[arg(long, env = "TONGXIN_AREAS_EDITION_YEAR")]
        edition_year: Option<i32>,
    },
    /// Load the areas' map shapes from a GeoJSON FeatureCollection (each feature names its area
    /// by `code`, `adcode` or `area_code`), all or nothing.
    Shapes { file: PathBuf },
}
