//! `tongxin`: the one binary. Parses the command line, assembles the modules and runs a command.

mod cli;
mod commands;
mod modules;
mod settings;

use clap::Parser;

/// mimalloc instead of glibc's allocator for Rust's allocations (SQLite's own stay with glibc).
/// Rows are read on one thread, checked on another and stored on a third, so most of what an
/// import allocates is freed on a thread other than the one that allocated it, which glibc
/// serialises on the allocating thread's arena lock. A million-row person import took 9.7–10.1 s
/// with mimalloc against 11.6–12.1 s (2 core-s less), and peaked 50 MB higher (see the person
/// importer's page cache).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TONGXIN_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("错误 error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
