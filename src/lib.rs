//! Lantern: a meeting-finder API for 12-step fellowships that answers "nearest meeting starting soon".
//!
//! Layers, with dependencies pointing inward: `http` → `service` → (`storage` →) `domain`.

pub mod cli;
pub mod domain;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod run;
pub mod seedgen;
pub mod service;
pub mod storage;

/// Structured logs to standard error; `RUST_LOG` filters them (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    let ansi = std::io::stderr().is_terminal();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
