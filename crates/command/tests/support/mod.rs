//! The application with the epidemic, economy and command modules over the tiny demo district.

#![allow(dead_code)]

use std::sync::Arc;

use testkit::{AppBuilder, Backend, TestApp};

pub async fn spawn(backend: Backend) -> TestApp {
    AppBuilder::new(backend)
        .module(Arc::new(epidemic::Epidemic))
        .module(Arc::new(economy::Economy))
        .module(Arc::new(command::Command))
        .spawn()
        .await
}
