//! What the epidemic tests share: the application with the epidemic module, as the binary
//! assembles it, over a fresh database with the tiny demo district.

#![allow(dead_code)]

use std::sync::Arc;

use testkit::{AppBuilder, Backend, TestApp};

pub async fn spawn(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(epidemic::Epidemic))
        .spawn()
        .await
}

pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    platform::with_db!(&app.db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}
