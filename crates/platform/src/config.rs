//! Run-time settings of a node. The CLI fills them from flags, `TONGXIN_*` variables and an
//! optional TOML file; tests build them directly.

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    pub db_url: String,
    pub listen: SocketAddr,
    pub max_connections: u32,
    /// Mark cookies `Secure`: set when served over TLS (directly or behind a TLS proxy).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, however busy.
    pub session_absolute: Duration,
    /// Names this node in job leases and logs.
    pub node_id: String,
    /// Run periodic jobs on this node (they still take a lease, so several nodes may all say yes).
    pub run_jobs: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// Failed sign-ins, per account and per client address, after which further attempts are
    /// refused until the oldest leaves `login_window`.
    pub login_max_failures: u32,
    pub login_window: Duration,
    /// Load balancers or proxies in front of the nodes: from them, the client's address is taken
    /// from `X-Forwarded-For` (see `auth::client`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A holiday-notice file (format of `domain/data/cn-holidays.json`) whose years extend or
    /// replace the shipped calendar's; read at start, which fails if the file is bad.
    pub calendar_file: Option<std::path::PathBuf>,
    /// Where ticket attachments are kept: in this directory (shared by every node), or, when
    /// unset, in the database.
    pub attachments_dir: Option<std::path::PathBuf>,
    /// Hours a ticket stays overdue before it is escalated (督办) to the owner's superior unit.
    pub ticket_escalate_after_hours: u32,
}

impl Config {
    pub fn new(db_url: impl Into<String>, listen: SocketAddr) -> Self {
        Config {
            db_url: db_url.into(),
            listen,
            max_connections: 16,
            secure_cookies: false,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            node_id: default_node_id(),
            run_jobs: true,
            body_limit: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
            calendar_file: None,
            ticket_escalate_after_hours: 24,
            attachments_dir: None,
        }
    }

    pub fn login_limits(&self) -> crate::auth::throttle::Limits {
        crate::auth::throttle::Limits {
            max_failures: self.login_max_failures,
            window: self.login_window,
        }
    }
}

fn default_node_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
    format!("{host}-{}", std::process::id())
}
