#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Metrics reach CloudWatch at every `LogLevel` the template allows, and so
//! do the logs that level asks for, no more: for each allowed value and each
//! function, the lines the real logging set-up (platform::telemetry) prints
//! in the environment the template gives the function, and the real EMF
//! lines (platform::metrics), go through Lambda's documented log-level
//! filter (iac_checks::lambda_logs) at the function's `ApplicationLogLevel`.

use std::collections::BTreeMap;

use iac_checks::lambda_logs::{self, DEFAULT_FILTER};
use iac_checks::{Intrinsic, Template};
use platform::telemetry::LogSettings;
use serde_norway::{Mapping, Value};
use testkit::LogCapture;

/// Tracing's levels, most detail first: one line at each is logged.
const TRACING_LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// A template value with `LogLevel` at `level` and other parameters at
/// their defaults; `None` for what needs a deployed stack (`!Sub`, `!GetAtt`).
fn resolve(t: &Template, value: &Value, level: &str) -> Option<String> {
    match Intrinsic::of(value) {
        Intrinsic::Ref(p) if p == "LogLevel" => Some(level.to_owned()),
        Intrinsic::Ref(p) => {
            let default = t.root["Parameters"].get(&p)?.get("Default")?;
            default.as_str().map(str::to_owned)
        }
        _ => value.as_str().map(str::to_owned),
    }
}

/// A function's `LoggingConfig`: the global one with the function's own
/// keys over it, as SAM merges them.
fn logging_config(t: &Template, function: &Value) -> Mapping {
    let mut merged = Mapping::new();
    let global = t.function_globals().and_then(|g| g.get("LoggingConfig"));
    let own = function
        .get("Properties")
        .and_then(|p| p.get("LoggingConfig"));
    for source in [global, own].into_iter().flatten() {
        for (k, v) in source.as_mapping().into_iter().flatten() {
            merged.insert(k.clone(), v.clone());
        }
    }
    merged
}

/// The lines the function prints with `settings` when it logs one line at
/// each tracing level (`probe <LEVEL>`).
fn printed_logs(settings: &LogSettings) -> Vec<String> {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let dispatch = settings.dispatch(move || writer.clone());
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::trace!("probe TRACE");
        tracing::debug!("probe DEBUG");
        tracing::info!("probe INFO");
        tracing::warn!("probe WARN");
        tracing::error!("probe ERROR");
    });
    capture.text().lines().map(str::to_owned).collect()
}

/// Every kind of record platform::metrics writes, as its stdout lines.
async fn emf_lines() -> Vec<String> {
    use platform::metrics;
    let ((), records) = metrics::capture(async {
        metrics::cold_start();
        metrics::request("GET /resume", http::StatusCode::OK, 1.5);
        metrics::view_counted(false);
        metrics::view_not_counted("bot");
    })
    .await;
    assert_eq!(records.len(), 4, "{records:?}");
    records.iter().map(metrics::line).collect()
}

/// The environment Lambda starts `function` with at `level`: the
/// template's variables, and those Lambda sets from `LoggingConfig`.
fn lambda_env(
    t: &Template,
    id: &str,
    function: &Value,
    level: &str,
    filter: &str,
) -> BTreeMap<String, String> {
    let config = logging_config(t, function);
    let mut vars: BTreeMap<String, String> = t
        .function_env(function)
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), resolve(t, v, level)?)))
        .collect();
    let format = config
        .get("LogFormat")
        .and_then(Value::as_str)
        .unwrap_or("Text");
    vars.insert("AWS_LAMBDA_FUNCTION_NAME".into(), id.into());
    vars.insert("AWS_LAMBDA_LOG_FORMAT".into(), format.into());
    vars.insert("AWS_LAMBDA_LOG_LEVEL".into(), filter.into());
    vars
}

/// The `probe <LEVEL>` messages among `lines`, in order.
fn probes(lines: &[&String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["fields"]["message"].as_str().map(str::to_owned))
        .collect()
}

/// Holds one function at one `LogLevel`: Lambda's filter (its
/// `ApplicationLogLevel`) keeps every EMF line, and of the probe lines the
/// function prints, exactly `wanted` reach CloudWatch.
fn check(t: &Template, id: &str, function: &Value, level: &str, emf: &[String], wanted: &[String]) {
    let config = logging_config(t, function);
    // Lambda filters JSON logs only; platform::telemetry writes JSON
    // lines in Lambda only when asked for them.
    assert_eq!(
        config.get("LogFormat").and_then(Value::as_str),
        Some("JSON"),
        "{id}"
    );
    let filter = match config.get("ApplicationLogLevel") {
        Some(v) => resolve(t, v, level)
            .unwrap_or_else(|| panic!("{id}: ApplicationLogLevel {v:?} is not a level")),
        None => DEFAULT_FILTER.to_owned(),
    };
    let vars = lambda_env(t, id, function, level, &filter);
    let settings = LogSettings::from_vars(|n| vars.get(n).cloned(), false);
    let logs = printed_logs(&settings);
    let kept = |l: &&String| lambda_logs::keeps(&filter, l).unwrap();
    for line in emf {
        assert!(
            kept(&line),
            "{id} at LogLevel={level}: ApplicationLogLevel {filter} drops the EMF line \
             (Lambda counts it as {}): {line}",
            lambda_logs::line_level(line)
        );
    }
    let reach: Vec<&String> = logs.iter().filter(kept).collect();
    assert_eq!(
        probes(&reach),
        wanted,
        "{id} at LogLevel={level} (ApplicationLogLevel {filter}, {settings:?}): \
         the logs reaching CloudWatch are not those LogLevel asks for"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn metrics_and_the_chosen_logs_reach_cloudwatch_at_every_allowed_log_level() {
    let t = Template::load().unwrap();
    let allowed: Vec<String> = t.root["Parameters"]["LogLevel"]["AllowedValues"]
        .as_sequence()
        .expect("LogLevel has AllowedValues")
        .iter()
        .map(|v| v.as_str().expect("a LogLevel value is a string").to_owned())
        .collect();
    assert!(!allowed.is_empty());
    let emf = emf_lines().await;
    let functions = t.functions();
    assert!(!functions.is_empty());
    for level in &allowed {
        let rank = TRACING_LEVELS
            .iter()
            .position(|l| l.eq_ignore_ascii_case(level))
            .unwrap_or_else(|| panic!("LogLevel {level} is no tracing level"));
        let wanted: Vec<String> = TRACING_LEVELS[rank..]
            .iter()
            .map(|l| format!("probe {l}"))
            .collect();
        for (id, function) in &functions {
            check(&t, id, function, level, &emf, &wanted);
        }
    }
}
