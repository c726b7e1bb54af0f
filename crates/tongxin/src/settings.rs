//! Turns flags, variables and the optional TOML file into a `platform::Config`.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::cli::{Cli, ServeArgs};

pub const DEFAULT_DB: &str = "sqlite://tongxin.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The TOML file's keys.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub db: Option<String>,
    pub listen: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_idle_minutes: Option<u64>,
    pub session_absolute_hours: Option<u64>,
    pub run_jobs: Option<bool>,
    pub max_connections: Option<u32>,
    pub login_max_failures: Option<u32>,
    pub login_window_minutes: Option<u64>,
    pub trusted_proxies: Option<Vec<String>>,
    pub calendar_file: Option<std::path::PathBuf>,
    pub ticket_escalate_after_hours: Option<u32>,
    pub attachments_dir: Option<std::path::PathBuf>,
}

pub fn read_file(path: Option<&Path>) -> anyhow::Result<FileSettings> {
    let Some(path) = path else {
        return Ok(FileSettings::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {} is not valid", path.display()))
}

pub fn db_url(cli: &Cli, file: &FileSettings, fallback: &str) -> String {
    cli.db
        .clone()
        .or_else(|| file.db.clone())
        .unwrap_or_else(|| fallback.to_string())
}

pub fn config(
    cli: &Cli,
    file: &FileSettings,
    args: &ServeArgs,
    db_fallback: &str,
) -> anyhow::Result<platform::Config> {
    let listen_text = args
        .listen
        .clone()
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    let listen: SocketAddr = listen_text.parse().with_context(|| {
        format!("--listen {listen_text:?} is not an address like 127.0.0.1:8080")
    })?;
    let mut config = platform::Config::new(db_url(cli, file, db_fallback), listen);
    if let Some(v) = args.secure_cookies.or(file.secure_cookies) {
        config.secure_cookies = v;
    }
    if let Some(v) = args.session_idle_minutes.or(file.session_idle_minutes) {
        anyhow::ensure!(v >= 1, "session idle minutes must be at least 1");
        config.session_idle = Duration::from_secs(v * 60);
    }
    if let Some(v) = args.session_absolute_hours.or(file.session_absolute_hours) {
        anyhow::ensure!(v >= 1, "session absolute hours must be at least 1");
        config.session_absolute = Duration::from_secs(v * 3600);
    }
    if let Some(v) = args.run_jobs.or(file.run_jobs) {
        config.run_jobs = v;
    }
    if let Some(v) = args.max_connections.or(file.max_connections) {
        anyhow::ensure!(v >= 1, "max connections must be at least 1");
        config.max_connections = v;
    }
    config.attachments_dir = args
        .attachments_dir
        .clone()
        .or_else(|| file.attachments_dir.clone());
    if let Some(v) = args
        .ticket_escalate_after_hours
        .or(file.ticket_escalate_after_hours)
    {
        config.ticket_escalate_after_hours = v;
    }
    if let Some(v) = args.login_max_failures.or(file.login_max_failures) {
        anyhow::ensure!(v >= 1, "login max failures must be at least 1");
        config.login_max_failures = v;
    }
    if let Some(v) = args.login_window_minutes.or(file.login_window_minutes) {
        anyhow::ensure!(v >= 1, "login window minutes must be at least 1");
        config.login_window = Duration::from_secs(v * 60);
    }
    if let Some(list) = args
        .trusted_proxies
        .clone()
        .or_else(|| file.trusted_proxies.clone())
    {
        config.trusted_proxies = list
            .iter()
            .map(|text| text.trim())
            .filter(|text| !text.is_empty())
            .map(|text| {
                text.parse()
                    .with_context(|| format!("trusted proxy {text:?} is not an IP address"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    config.calendar_file = args
        .calendar_file
        .clone()
        .or_else(|| file.calendar_file.clone());
    Ok(config)
}
