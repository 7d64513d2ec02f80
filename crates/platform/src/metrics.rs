//! Metrics in CloudWatch Embedded Metric Format (EMF): one JSON line per
//! record on stdout, which CloudWatch Logs turns into metrics as it ingests
//! the function's log. No API call, nothing added to a request's wait.
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>
//!
//! A minimal writer rather than a crate (`metrique`, `metrics_cloudwatch_embedded`):
//! the records are a handful of fixed shapes, `serde_json` is already in
//! every bootstrap, and a dependency would add its macros and registry to
//! each binary for no behaviour the project needs (docs/operating.md#metrics-no-api-call).
//!
//! Where the lines go: stdout in Lambda; nowhere locally (so `make dev`'s
//! readable log holds no metric lines) unless `METRICS_STDOUT=1`; and to
//! the caller of [`capture`] in tests.
//!
//! Dimensions are few, since each combination is a billed metric: a route
//! (method and path template, a fixed set) with its status class; a skip
//! reason; a DynamoDB operation.

use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// The namespace every metric is put in: `METRICS_NAMESPACE` (the template
/// sets it per stack), else this.
pub const DEFAULT_NAMESPACE: &str = "ResumeBackend";

/// Every metric name the code emits: the dashboard's widgets are held to
/// these (crates/iac-checks/tests/dashboard.rs).
pub mod names {
    /// Requests, by `Route` and `StatusClass` (Count).
    pub const REQUESTS: &str = "Requests";
    /// Request latency inside the function, by `Route` (Milliseconds).
    pub const LATENCY: &str = "Latency";
    /// Views counted, by `Privacy` (`full`, or `private` under GPC/DNT).
    pub const VIEWS_COUNTED: &str = "ViewsCounted";
    /// Requests to the counter not counted, by `Reason`.
    pub const VIEWS_NOT_COUNTED: &str = "ViewsNotCounted";
    /// A cold start (Count) and its init time (Milliseconds), by `Function`.
    pub const COLD_STARTS: &str = "ColdStarts";
    pub const INIT_DURATION: &str = "InitDuration";
    /// DynamoDB calls: latency of the whole call with its retries, by
    /// `Operation` (Milliseconds); retries and throttled attempts, without
    /// a dimension (Count).
    pub const DYNAMODB_LATENCY: &str = "DynamoDbLatency";
    pub const DYNAMODB_RETRIES: &str = "DynamoDbRetries";
    pub const DYNAMODB_THROTTLES: &str = "DynamoDbThrottles";

    /// All of them.
    pub const ALL: [&str; 9] = [
        REQUESTS,
        LATENCY,
        VIEWS_COUNTED,
        VIEWS_NOT_COUNTED,
        COLD_STARTS,
        INIT_DURATION,
        DYNAMODB_LATENCY,
        DYNAMODB_RETRIES,
        DYNAMODB_THROTTLES,
    ];
}

/// A metric's unit, as EMF names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// One metric of a record: name, unit, value, and the dimension names it is
/// aggregated by (each a key of the record's dimensions).
#[derive(Clone, Copy, Debug)]
pub struct Metric<'a> {
    pub name: &'static str,
    pub unit: Unit,
    pub value: f64,
    pub dimensions: &'a [&'static str],
}

tokio::task_local! {
    static CAPTURED: RefCell<Vec<Value>>;
}

/// Runs `fut`, returning with its output the records it emitted (in this
/// task), parsed. What tests read.
pub async fn capture<F: Future>(fut: F) -> (F::Output, Vec<Value>) {
    CAPTURED
        .scope(RefCell::new(Vec::new()), async {
            let out = fut.await;
            let lines = CAPTURED.with(|c| c.take());
            (out, lines)
        })
        .await
}

/// Writes one record: `metrics`, with `dimensions` (name, value) as its
/// properties. Each metric's dimension set is its own directive, so one
/// record can count by route and status class and time by route alone.
pub fn emit(dimensions: &[(&'static str, &str)], metrics: &[Metric<'_>]) {
    let record = record(namespace(), now_millis(), dimensions, metrics);
    if CAPTURED
        .try_with(|c| c.borrow_mut().push(record.clone()))
        .is_ok()
    {
        return;
    }
    if to_stdout() {
        // Straight to stdout, not through `tracing`: the log level
        // (crate::telemetry) never filters a metric out.
        // One write call per line, so lines of concurrent tasks never mix.
        let _ = std::io::stdout().lock().write_all(line(&record).as_bytes());
    }
}

/// The stdout line of `record` (as [`capture`] returns it), newline
/// included: what CloudWatch Logs receives. It has no `level` key, so
/// Lambda's log-level filter counts it as INFO (template.yaml keeps that
/// filter open for it; see [`crate::telemetry`]).
pub fn line(record: &Value) -> String {
    let mut line = record.to_string();
    line.push('\n');
    line
}

/// The EMF record (`_aws` metadata beside the values and dimensions).
fn record(
    namespace: &str,
    timestamp: u64,
    dimensions: &[(&'static str, &str)],
    metrics: &[Metric<'_>],
) -> Value {
    let directives: Vec<Value> = metrics
        .iter()
        .map(|m| {
            json!({
                "Namespace": namespace,
                "Dimensions": [m.dimensions],
                "Metrics": [{"Name": m.name, "Unit": m.unit.as_str()}],
            })
        })
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({"Timestamp": timestamp, "CloudWatchMetrics": directives}),
    );
    for (name, value) in dimensions {
        root.insert((*name).into(), Value::from(*value));
    }
    for m in metrics {
        root.insert(m.name.into(), json!(m.value));
    }
    Value::Object(root)
}

fn namespace() -> &'static str {
    static NAMESPACE: OnceLock<String> = OnceLock::new();
    NAMESPACE.get_or_init(|| {
        std::env::var("METRICS_NAMESPACE")
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
    })
}

/// In Lambda, or asked for locally.
fn to_stdout() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        stdout_wanted(
            crate::environment::in_lambda(),
            std::env::var("METRICS_STDOUT").ok().as_deref(),
        )
    })
}

/// Lines go to stdout in Lambda, or locally with `METRICS_STDOUT=1`: never
/// into `make dev`'s readable log by default.
fn stdout_wanted(in_lambda: bool, metrics_stdout: Option<&str>) -> bool {
    in_lambda || metrics_stdout == Some("1")
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Milliseconds since `start`, as a metric value.
pub fn millis_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// When the process started its work (the first call wins): `main` marks
/// it through [`crate::telemetry::init`], and [`cold_start`] measures from it.
pub fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Records this process's cold start: one `ColdStarts` and its
/// `InitDuration`, by `Function` (Lambda's function name).
pub fn cold_start() {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
    let init = millis_since(process_start());
    emit(
        &[("Function", &function)],
        &[
            Metric {
                name: names::COLD_STARTS,
                unit: Unit::Count,
                value: 1.0,
                dimensions: &["Function"],
            },
            Metric {
                name: names::INIT_DURATION,
                unit: Unit::Milliseconds,
                value: init,
                dimensions: &["Function"],
            },
        ],
    );
}

/// Records one answered request: `Requests` by route and status class,
/// `Latency` by route.
pub fn request(route: &str, status: http::StatusCode, latency_ms: f64) {
    let class = match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    emit(
        &[("Route", route), ("StatusClass", class)],
        &[
            Metric {
                name: names::REQUESTS,
                unit: Unit::Count,
                value: 1.0,
                dimensions: &["Route", "StatusClass"],
            },
            Metric {
                name: names::LATENCY,
                unit: Unit::Milliseconds,
                value: latency_ms,
                dimensions: &["Route"],
            },
        ],
    );
}

/// A counted view, by `Privacy`: `private` under GPC/DNT, else `full`.
pub fn view_counted(private: bool) {
    let privacy = if private { "private" } else { "full" };
    count(names::VIEWS_COUNTED, "Privacy", privacy);
}

/// A request of the counter route that is not a view, by `Reason`.
pub fn view_not_counted(reason: &str) {
    count(names::VIEWS_NOT_COUNTED, "Reason", reason);
}

/// A count of 1 of `name` by the one dimension `(dimension, value)`.
fn count(name: &'static str, dimension: &'static str, value: &str) {
    emit(
        &[(dimension, value)],
        &[Metric {
            name,
            unit: Unit::Count,
            value: 1.0,
            dimensions: &[dimension],
        }],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_emf_with_one_directive_per_metric() {
        let r = record(
            "Ns",
            7,
            &[("Route", "GET /x"), ("StatusClass", "2xx")],
            &[
                Metric {
                    name: "Requests",
                    unit: Unit::Count,
                    value: 1.0,
                    dimensions: &["Route", "StatusClass"],
                },
                Metric {
                    name: "Latency",
                    unit: Unit::Milliseconds,
                    value: 2.5,
                    dimensions: &["Route"],
                },
            ],
        );
        assert_eq!(r["_aws"]["Timestamp"], 7);
        let d = &r["_aws"]["CloudWatchMetrics"];
        assert_eq!(d[0]["Namespace"], "Ns");
        assert_eq!(d[0]["Dimensions"], json!([["Route", "StatusClass"]]));
        assert_eq!(
            d[0]["Metrics"],
            json!([{"Name": "Requests", "Unit": "Count"}])
        );
        assert_eq!(d[1]["Dimensions"], json!([["Route"]]));
        assert_eq!(r["Latency"], 2.5);
        assert_eq!(r["Route"], "GET /x");
        // Every dimension a directive names is a property of the record.
        for directive in d.as_array().unwrap() {
            for name in directive["Dimensions"][0].as_array().unwrap() {
                assert!(r[name.as_str().unwrap()].is_string());
            }
        }
    }

    #[test]
    fn lines_reach_stdout_in_lambda_or_when_asked_only() {
        assert!(stdout_wanted(true, None));
        assert!(stdout_wanted(false, Some("1")));
        assert!(!stdout_wanted(false, None));
        assert!(!stdout_wanted(false, Some("0")));
    }

    #[tokio::test]
    async fn capture_sees_only_its_own_task() {
        let ((), lines) = capture(async { view_not_counted("bot") }).await;
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["Reason"], "bot");
        assert_eq!(lines[0]["ViewsNotCounted"], 1.0);
        let ((), none) = capture(async {}).await;
        assert!(none.is_empty());
    }
}
