//! Logging, as Lambda's `LoggingConfig` asks for it. Each request runs in a
//! `request` span carrying `request_id`, `method` and `path` (see
//! [`crate::http::finish`]), so every line logged while serving it names the
//! request.
//!
//! - In Lambda: lambda_http's own subscriber, which honours
//!   `AWS_LAMBDA_LOG_LEVEL` and `AWS_LAMBDA_LOG_FORMAT` (JSON lines that
//!   CloudWatch parses), as template.yaml's `LoggingConfig` sets them.
//! - Locally: readable lines at the same `AWS_LAMBDA_LOG_LEVEL` (else
//!   `RUST_LOG`, else `info`), coloured only when stdout is a terminal, so a
//!   log written to a file stays greppable (`grep status=503`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Safe to call more than once locally (the
/// first one stays); in Lambda call it once, at start-up.
pub fn init() {
    // The cold start's init time is measured from here (crate::metrics).
    crate::metrics::process_start();
    if crate::environment::in_lambda() {
        lambda_http::tracing::init_default_subscriber();
        return;
    }
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|f| EnvFilter::try_new(f.to_lowercase()).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // Already installed (tests, or a second call): keep the first one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .compact()
        .try_init();
}
