//! Logging. Each request runs in a `request` span carrying `request_id`,
//! `method` and `path` (see [`crate::http::finish`]), so every line logged
//! while serving it names the request.
//!
//! The process applies the log level itself, from `RUST_LOG` (template.yaml
//! sets it from its `LogLevel` parameter), else `AWS_LAMBDA_LOG_LEVEL`, else
//! `info`. Lambda's own level filter stays open (`ApplicationLogLevel:
//! TRACE`): it gives a JSON line without a `level` key the level INFO, so at
//! WARN or ERROR it would drop every metric line of [`crate::metrics`], which
//! has none (Lambda developer guide, "Log-level filtering").
//!
//! - In Lambda: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is `JSON` (as
//!   `LoggingConfig` sets it), without a time (Lambda stamps each line), as
//!   lambda_http's default subscriber writes them.
//! - Locally: readable lines, coloured only when stdout is a terminal, so a
//!   log written to a file stays greppable (`grep status=503`).

use std::io::IsTerminal;

use tracing::Dispatch;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// How the process logs, read from its environment at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSettings {
    /// `EnvFilter` directives in lower case: a level (`warn`), or a level
    /// with per-target ones (`info,aws_smithy_runtime=debug`).
    pub directives: String,
    /// Where the lines go, which decides their shape.
    pub format: LogFormat,
}

/// The shape of the log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// In Lambda with `AWS_LAMBDA_LOG_FORMAT=JSON`: one JSON object a line,
    /// its `level` key what Lambda's level filter reads.
    LambdaJson,
    /// In Lambda with text logs: tracing's full format, without a time.
    LambdaText,
    /// Outside Lambda: compact lines, coloured when `ansi`.
    Local { ansi: bool },
}

impl LogSettings {
    /// Reads the settings from `var` (`std::env::var` in [`init`]; a map in
    /// tests). The first of `RUST_LOG` and `AWS_LAMBDA_LOG_LEVEL` that holds
    /// valid directives wins; neither: `info`. In Lambda (per
    /// [`crate::environment::in_lambda`]'s variable) the format follows
    /// `AWS_LAMBDA_LOG_FORMAT`; `ansi` applies outside Lambda only.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, ansi: bool) -> Self {
        let directives = ["RUST_LOG", "AWS_LAMBDA_LOG_LEVEL"]
            .into_iter()
            .filter_map(&var)
            .map(|d| d.trim().to_lowercase())
            .find(|d| !d.is_empty() && EnvFilter::try_new(d).is_ok())
            .unwrap_or_else(|| "info".to_owned());
        let format = if var("AWS_LAMBDA_FUNCTION_NAME").is_none() {
            LogFormat::Local { ansi }
        } else if var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")) {
            LogFormat::LambdaJson
        } else {
            LogFormat::LambdaText
        };
        Self { directives, format }
    }

    /// The subscriber these settings describe, writing to `writer`
    /// (`std::io::stdout` in [`init`]; a buffer in tests).
    pub fn dispatch<W>(&self, writer: W) -> Dispatch
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        // `directives` passed EnvFilter::try_new in from_vars; a hand-made
        // invalid value falls back to the default, as from_vars would.
        let filter =
            EnvFilter::try_new(&self.directives).unwrap_or_else(|_| EnvFilter::new("info"));
        let fmt = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_writer(writer);
        match self.format {
            LogFormat::LambdaJson => Dispatch::new(fmt.without_time().json().finish()),
            LogFormat::LambdaText => Dispatch::new(fmt.without_time().with_ansi(false).finish()),
            LogFormat::Local { ansi } => Dispatch::new(fmt.with_ansi(ansi).compact().finish()),
        }
    }
}

/// Installs the global subscriber, as [`LogSettings::from_vars`] reads the
/// environment. Safe to call more than once (the first one stays).
pub fn init() {
    // The cold start's init time is measured from here (crate::metrics).
    crate::metrics::process_start();
    let settings =
        LogSettings::from_vars(|n| std::env::var(n).ok(), std::io::stdout().is_terminal());
    // Already installed (tests, or a second call): keep the first one.
    let _ = tracing::dispatcher::set_global_default(settings.dispatch(std::io::stdout));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::process::Command;

    use serde_json::Value;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> LogSettings {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        LogSettings::from_vars(|n| vars.get(n).cloned(), false)
    }

    #[test]
    fn rust_log_wins_then_lambdas_level_then_info() {
        let lambda = [
            ("AWS_LAMBDA_FUNCTION_NAME", "f"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ];
        // What the template gives a function: Lambda's filter open, ours set.
        let s = settings(&[
            lambda[0],
            lambda[1],
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
            ("RUST_LOG", "WARN"),
        ]);
        assert_eq!(s.directives, "warn");
        assert_eq!(s.format, LogFormat::LambdaJson);
        let s = settings(&[lambda[0], ("AWS_LAMBDA_LOG_LEVEL", "ERROR")]);
        assert_eq!(s.directives, "error");
        assert_eq!(s.format, LogFormat::LambdaText);
        // Empty or invalid: the next one.
        let s = settings(&[("RUST_LOG", " "), ("AWS_LAMBDA_LOG_LEVEL", "debug")]);
        assert_eq!(s.directives, "debug");
        let s = settings(&[("RUST_LOG", "=no=")]);
        assert_eq!(s.directives, "info");
        assert_eq!(s.format, LogFormat::Local { ansi: false });
        let s = settings(&[("RUST_LOG", "info,aws_smithy_runtime=DEBUG")]);
        assert_eq!(s.directives, "info,aws_smithy_runtime=debug");
    }

    /// Set in the child process that
    /// `below_the_level_nothing_is_printed_and_metrics_always_are` starts.
    const CHILD: &str = "PLATFORM_TELEMETRY_CHILD";
    const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

    /// In the child: the real start-up, one line at each level, one metric.
    fn child() {
        init();
        tracing::trace!("child TRACE");
        tracing::debug!("child DEBUG");
        tracing::info!("child INFO");
        tracing::warn!("child WARN");
        tracing::error!("child ERROR");
        crate::metrics::view_not_counted("bot");
    }

    /// The JSON objects among the child's stdout lines (the test harness
    /// writes its own text around them).
    fn json_lines(stdout: &[u8]) -> Vec<Value> {
        String::from_utf8_lossy(stdout)
            .lines()
            .filter_map(|l| l.find('{').map(|i| &l[i..]))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// This test binary, re-run as a Lambda would start (the template's
    /// variables, `RUST_LOG` at each level): the real `init` and the real
    /// stdout. Lines below the level are not printed; the EMF line is,
    /// whatever the level, as it does not go through the log filter.
    #[test]
    fn below_the_level_nothing_is_printed_and_metrics_always_are() {
        if std::env::var_os(CHILD).is_some() {
            return child();
        }
        let exe = std::env::current_exe().unwrap();
        let name = "telemetry::tests::below_the_level_nothing_is_printed_and_metrics_always_are";
        for (rank, level) in LEVELS.iter().enumerate() {
            let out = Command::new(&exe)
                .args([name, "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD, "1")
                .env("AWS_LAMBDA_FUNCTION_NAME", "child")
                .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
                .env("AWS_LAMBDA_LOG_LEVEL", "TRACE")
                .env("RUST_LOG", level)
                .env_remove("METRICS_STDOUT")
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            let lines = json_lines(&out.stdout);
            let printed: Vec<&str> = lines
                .iter()
                .filter_map(|l| l["fields"]["message"].as_str())
                .collect();
            let expected: Vec<String> = LEVELS[rank..]
                .iter()
                .map(|l| format!("child {l}"))
                .collect();
            assert_eq!(printed, expected, "RUST_LOG={level}");
            for line in lines.iter().filter(|l| l.get("fields").is_some()) {
                assert!(line["level"].is_string(), "{line}");
            }
            let metrics: Vec<&Value> = lines.iter().filter(|l| l.get("_aws").is_some()).collect();
            assert_eq!(metrics.len(), 1, "RUST_LOG={level}: {lines:?}");
            assert_eq!(metrics[0]["ViewsNotCounted"], 1.0);
        }
    }
}
