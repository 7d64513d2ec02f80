#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The dashboard (template.yaml `Dashboard`) shows what the code emits: each
//! widget's metric in the functions' namespace is one platform::metrics
//! writes, with the dimensions its records carry (read from records the
//! emitters make here), every emitted metric is on it, and every alarm of
//! the template is in its alarm widget. The saved queries read the fields
//! the logs have.

use std::collections::{BTreeMap, BTreeSet};

use iac_checks::Template;
use platform::metrics::{self, names};
use serde_json::Value;

/// What `${Ns}` stands for here.
const NS: &str = "NS";

fn template() -> Template {
    Template::load().unwrap()
}

/// The dashboard body with `${...}` replaced: `${Ns}` by [`NS`], anything
/// else by its own name (so it stays visible in failures).
fn body(t: &Template) -> Value {
    let sub = &t.resource("Dashboard").unwrap()["Properties"]["DashboardBody"];
    let Some(args) = sub.get("Fn::Sub") else {
        panic!("DashboardBody is not an Fn::Sub: {sub:?}")
    };
    let text = args[0].as_str().unwrap();
    let ns = &args[1]["Ns"];
    assert!(
        format!("{ns:?}").contains("ResumeBackend/${AWS::StackName}"),
        "{ns:?}"
    );
    let re = regex::Regex::new(r"\$\{([A-Za-z0-9:.]+)\}").unwrap();
    let replaced = re.replace_all(text, |c: &regex::Captures<'_>| match &c[1] {
        "Ns" => NS.to_owned(),
        other => other.to_owned(),
    });
    serde_json::from_str(&replaced).unwrap_or_else(|e| panic!("body is not JSON: {e}"))
}

/// `(namespace, metric name, dimension names)` of every metric a widget
/// shows: SEARCH expressions and metric arrays (with "." and "..." shorthands).
fn shown(body: &Value) -> Vec<(String, String, BTreeSet<String>)> {
    let search = regex::Regex::new(r#"\{([^,}]+)((?:,[A-Za-z]+)*)\} MetricName="(\w+)""#).unwrap();
    let mut out = Vec::new();
    for widget in body["widgets"].as_array().unwrap() {
        let mut previous: Vec<String> = Vec::new();
        for row in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let row = row.as_array().unwrap();
            if let Some(expr) = row[0].get("expression").and_then(Value::as_str) {
                let c = search.captures(expr).unwrap_or_else(|| panic!("{expr}"));
                let dims = c[2].split(',').filter(|d| !d.is_empty()).map(String::from);
                out.push((c[1].to_owned(), c[3].to_owned(), dims.collect()));
                continue;
            }
            let parts: Vec<String> = row
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
            let parts = if parts[0] == "..." {
                let mut p = previous.clone();
                *p.last_mut().unwrap() = parts[1].clone();
                p
            } else {
                parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        if p == "." {
                            previous[i].clone()
                        } else {
                            p.clone()
                        }
                    })
                    .collect()
            };
            let dims = parts[2..].iter().step_by(2).cloned().collect();
            out.push((parts[0].clone(), parts[1].clone(), dims));
            previous = parts;
        }
    }
    out
}

/// Metric name → dimension names, from records the emitters make.
async fn emitted() -> BTreeMap<String, BTreeSet<String>> {
    let ((), records) = metrics::capture(async {
        metrics::request("GET /resume", http::StatusCode::OK, 1.0);
        metrics::view_counted(false);
        metrics::view_not_counted("bot");
        metrics::cold_start();
        platform::dynamo::metrics::record("GetItem", 1.0, 0, 0);
    })
    .await;
    let mut out = BTreeMap::new();
    for r in &records {
        for d in r["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            let name = d["Metrics"][0]["Name"].as_str().unwrap().to_owned();
            let dims = d["Dimensions"][0].as_array().unwrap();
            out.insert(
                name,
                dims.iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
            );
        }
    }
    out
}

/// AWS's own metrics the widgets may show, as AWS documents them.
fn aws_metric(namespace: &str, name: &str) -> bool {
    let known: &[&str] = match namespace {
        "AWS/ApiGateway" => &[
            "Count",
            "4XXError",
            "5XXError",
            "Latency",
            "IntegrationLatency",
        ],
        "AWS/Lambda" => &[
            "ConcurrentExecutions",
            "Throttles",
            "Errors",
            "Invocations",
            "Duration",
        ],
        "AWS/DynamoDB" => &[
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
            "ThrottledRequests",
            "ReadThrottleEvents",
            "WriteThrottleEvents",
        ],
        _ => &[],
    };
    known.contains(&name)
}

#[tokio::test]
async fn every_widget_metric_is_one_the_code_emits_and_every_emitted_one_is_shown() {
    let emitted = emitted().await;
    assert_eq!(
        emitted.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        names::ALL.into_iter().collect(),
        "an emitter's metric is missing from names::ALL, or the other way round"
    );
    let shown = shown(&body(&template()));
    let mut ours = BTreeSet::new();
    for (namespace, name, dims) in &shown {
        if namespace == NS {
            let want = emitted
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not emitted"));
            assert_eq!(
                dims, want,
                "{name}: the widget's dimensions are not the records'"
            );
            ours.insert(name.as_str());
        } else {
            assert!(
                aws_metric(namespace, name),
                "{namespace} {name}: not a metric AWS has"
            );
        }
    }
    for name in names::ALL {
        assert!(ours.contains(name), "{name} is emitted but on no widget");
    }
}

#[test]
fn the_alarm_widget_shows_every_alarm_and_the_queries_read_the_function_logs() {
    let t = template();
    let body = body(&t);
    let alarm_widget = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["type"] == "alarm")
        .expect("an alarm widget");
    let shown: BTreeSet<String> = alarm_widget["properties"]["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().trim_end_matches(".Arn").to_owned())
        .collect();
    let alarms: BTreeSet<String> = t
        .of_type("AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(shown, alarms);
    let queries = t.of_type("AWS::Logs::QueryDefinition");
    assert_eq!(queries.len(), 3);
    for (id, q) in queries {
        let text = q["Properties"]["QueryString"].as_str().unwrap();
        let groups = format!("{:?}", q["Properties"]["LogGroupNames"]);
        // REPORT lines and the error-code lines are in the function logs;
        // latency per request in the access log.
        if text.contains("platform.report") || text.contains("error_code") {
            assert!(groups.contains("FunctionLogGroup"), "{id}: {groups}");
        } else {
            assert!(groups.contains("ApiAccessLogGroup"), "{id}: {groups}");
        }
    }
}
