//! Logging: JSON lines in Lambda (CloudWatch parses them), readable lines
//! locally. Each request runs in a `request` span carrying `request_id`, so
//! every line logged while serving it names the request.

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once. The level comes from `RUST_LOG`, else
/// `LOG_LEVEL`, else `info`. Safe to call more than once.
pub fn init() {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("LOG_LEVEL"))
        .ok()
        .and_then(|f| EnvFilter::try_new(f.to_lowercase()).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE);
    let result = if in_lambda() {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .try_init()
    } else {
        builder.compact().with_target(false).try_init()
    };
    // Already installed (tests, or a second call): keep the first one.
    let _ = result;
}

/// True inside the Lambda execution environment.
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()
}
