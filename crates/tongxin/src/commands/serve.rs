//! `tongxin serve`: migrate, assemble the modules, listen, and stop cleanly on Ctrl-C or SIGTERM.

use crate::modules;

/// Serves until a signal. `ready` is told the bound address (the demo prints it with accounts).
pub async fn serve(
    config: platform::Config,
    ready: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
) -> anyhow::Result<()> {
    let db = platform::db::connect(&config.db_url, config.max_connections).await?;
    platform::db::migrate(&db).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = platform::assemble(config, db.clone(), modules::all())?;
    match ready {
        Some(ready) => ready(addr),
        None => println!(
            "同心 Tongxin listening on http://{addr}/ ({})",
            db.backend().as_str()
        ),
    }
    platform::serve(app, listener, shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
