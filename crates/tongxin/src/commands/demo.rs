//! `tongxin demo`: builds the synthetic demo district (kernel base, then every module's data),
//! prints the accounts, and serves it. A database that already holds areas is served as it is.

use std::process::ExitCode;

use platform::demo::{DemoAccount, DemoContext, Scale};

use super::serve;
use crate::cli::{Cli, DemoArgs};
use crate::modules;
use crate::settings::{self, FileSettings};

pub const DEFAULT_PASSWORD: &str = "tongxin-demo-2020";
const DEMO_DB: &str = "sqlite://tongxin-demo.db";

pub async fn run(cli: &Cli, file: &FileSettings, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let scale = Scale::parse(&args.scale).ok_or_else(|| {
        anyhow::anyhow!(
            "--scale must be tiny, district or city, not {:?}",
            args.scale
        )
    })?;
    let config = settings::config(cli, file, &args.serve, DEMO_DB)?;
    let password = args
        .password
        .clone()
        .unwrap_or_else(|| DEFAULT_PASSWORD.to_string());
    if password == DEFAULT_PASSWORD && !config.listen.ip().is_loopback() && !args.no_serve {
        anyhow::bail!(
            "the demo accounts use the published default password, so the demo listens on loopback only; \
             pass --password to listen on {}",
            config.listen
        );
    }
    platform::auth::check_password_policy("", &password)
        .map_err(|e| anyhow::anyhow!("--password: {}", e.key))?;
    if args.fresh {
        remove_sqlite_file(&config.db_url)?;
    }
    let db = super::open(&config.db_url).await?;
    let summary = if platform::areas::repo::count_all(&db).await? > 0 {
        println!(
            "{} already holds a district; serving it as it is (--fresh rebuilds a SQLite demo).",
            config.db_url
        );
        None
    } else {
        let started = std::time::Instant::now();
        let summary = platform::demo::generate(&db, scale, args.seed, &password).await?;
        let ctx = DemoContext {
            db: db.clone(),
            seed: args.seed,
            scale,
            root: summary.root.clone(),
        };
        for module in modules::all() {
            platform::demo::timed(module.name(), module.demo(&ctx))
                .await
                .map_err(|e| anyhow::anyhow!("demo data of module {}: {e:#}", module.name()))?;
        }
        println!(
            "demo district built in {:.1} s: {} areas, {} accounts ({}).",
            started.elapsed().as_secs_f64(),
            summary.areas,
            summary.accounts.len(),
            config.db_url
        );
        Some(summary)
    };
    db.close().await;
    if args.no_serve {
        if let Some(summary) = &summary {
            print_accounts(&summary.accounts, &password);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let accounts = summary.map(|s| s.accounts);
    serve::serve(
        config,
        Some(Box::new(move |addr| {
            println!("\n同心 Tongxin demo: http://{addr}/");
            if let Some(accounts) = &accounts {
                print_accounts(accounts, &password);
            }
            println!("Ctrl-C stops the server.");
        })),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

fn remove_sqlite_file(url: &str) -> anyhow::Result<()> {
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        anyhow::bail!("--fresh only deletes SQLite files; empty a PostgreSQL database yourself");
    };
    let path = path.split('?').next().unwrap_or(path);
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        if std::path::Path::new(&file).exists() {
            std::fs::remove_file(&file)?;
        }
    }
    Ok(())
}

/// The key accounts one by one, then the pattern of the rest.
fn print_accounts(accounts: &[DemoAccount], password: &str) {
    const SHOWN: &[&str] = &[
        "admin",
        "commander",
        "auditor",
        "dept-health",
        "inspector01",
        "town01",
        "checkpoint01",
        "enterprise01",
        "v0101",
        "g010101",
    ];
    println!("\n演示账户 demo accounts (password 密码: {password})");
    println!("  {:<16} {:<12} 辖区 area", "用户名 user", "角色 role");
    for name in SHOWN {
        if let Some(a) = accounts.iter().find(|a| a.username == *name) {
            println!(
                "  {:<16} {:<12} {}",
                a.username,
                a.role.as_str(),
                a.area_name
            );
        }
    }
    println!(
        "  … {} accounts in all: dept-<department>, townTT, checkpointTT, enterpriseTT, vTTVV (village VV of township TT), gTTVVGG (grid GG).",
        accounts.len()
    );
}
