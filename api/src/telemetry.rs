//! Logging: human-readable or JSON lines, filtered by `SAMSPILL_LOG`.

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(config: &Config) {
    // actix-web-prom warns on every request it cannot match (Swagger assets); keep it quiet.
    let filter = EnvFilter::try_new(format!("{},actix_web_prom=error", config.log_filter))
        .unwrap_or_else(|_| EnvFilter::new("info,actix_web_prom=error"));
    // Logs go to stderr, so that stdout carries only what a command prints (`samspill openapi`).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _already_set = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
