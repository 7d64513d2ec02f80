#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The metrics a view emits (platform::metrics, CloudWatch EMF), read back
//! as the JSON records they are: the counter's router in-process against
//! DynamoDB Local, with the client the Lambdas build (its call metrics).

use std::net::SocketAddr;

use aws_sdk_dynamodb::Client;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::StatusCode;
use platform::config::{from_pairs, HttpConfig};
use platform::metrics::names;
use serde_json::Value;
use tower::ServiceExt;
use visitor_counter::CounterConfig;

const ORIGIN: &str = "http://localhost:8080";
const CHROME: &str = testkit::BROWSER_USER_AGENT;

async fn counter() -> (CounterConfig, Client) {
    let fixture = crate::counter_fixture::Counter::new().await;
    let (config, dynamo) = (fixture.config, fixture.client);
    // The interceptor platform::dynamo::client() installs.
    let conf = dynamo
        .config()
        .to_builder()
        .interceptor(platform::dynamo::metrics::CallMetrics)
        .build();
    (config, Client::from_conf(conf))
}

/// One GET /visitorcount with `headers`; its status and metric records.
async fn view(
    config: &CounterConfig,
    client: Client,
    headers: &[(&str, &str)],
) -> (StatusCode, Vec<Value>) {
    let http: HttpConfig = from_pairs(&[("ALLOWED_ORIGINS", ORIGIN)]).unwrap();
    let router = visitor_counter::router(config, &http, client);
    let mut request = http::Request::get("/visitorcount");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let (response, records) = platform::metrics::capture(router.oneshot(request)).await;
    (response.unwrap().status(), records)
}

/// The records that carry metric `name`, each checked to be EMF whose
/// directive for `name` names only properties the record has.
fn with_metric<'a>(records: &'a [Value], name: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r.get(name).is_some())
        .inspect(|r| {
            let directives = r["_aws"]["CloudWatchMetrics"].as_array().unwrap();
            let d = directives
                .iter()
                .find(|d| d["Metrics"][0]["Name"] == name)
                .unwrap_or_else(|| panic!("{name} has no directive: {r}"));
            for dim in d["Dimensions"][0].as_array().unwrap() {
                assert!(r[dim.as_str().unwrap()].is_string(), "{dim} missing: {r}");
            }
        })
        .collect()
}

#[tokio::test]
async fn a_counted_view_emits_counted_by_privacy_its_route_and_its_dynamodb_calls() {
    let (config, client) = counter().await;
    let browser = [("origin", ORIGIN), ("user-agent", CHROME)];
    let (status, records) = view(&config, client.clone(), &browser).await;
    assert_eq!(status, StatusCode::OK);
    let counted = with_metric(&records, names::VIEWS_COUNTED);
    assert_eq!(counted.len(), 1, "{records:?}");
    assert_eq!(counted[0]["Privacy"], "full");
    assert_eq!(counted[0][names::VIEWS_COUNTED], 1.0);
    assert!(with_metric(&records, names::VIEWS_NOT_COUNTED).is_empty());
    let requests = with_metric(&records, names::REQUESTS);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["Route"], "GET /visitorcount");
    assert_eq!(requests[0]["StatusClass"], "2xx");
    assert!(requests[0][names::LATENCY].as_f64().unwrap() > 0.0);
    // The total's ADD, among the view's calls, with its latency and retries.
    let calls = with_metric(&records, names::DYNAMODB_LATENCY);
    assert!(
        calls.iter().any(|c| c["Operation"] == "UpdateItem"),
        "{calls:?}"
    );
    assert!(calls.iter().all(|c| c[names::DYNAMODB_THROTTLES] == 0.0));

    let private = [("origin", ORIGIN), ("user-agent", CHROME), ("sec-gpc", "1")];
    let (status, records) = view(&config, client, &private).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        with_metric(&records, names::VIEWS_COUNTED)[0]["Privacy"],
        "private"
    );
}

type Headers<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn requests_not_counted_emit_their_reason() {
    let (config, client) = counter().await;
    let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let cases: [(Headers<'_>, &str, StatusCode); 5] = [
        (
            &[("origin", ORIGIN), ("user-agent", bot)],
            "bot",
            StatusCode::OK,
        ),
        (&[("user-agent", CHROME)], "not_from_site", StatusCode::OK),
        (&[("origin", ORIGIN)], "no_user_agent", StatusCode::OK),
        (
            &[
                ("origin", ORIGIN),
                ("user-agent", CHROME),
                ("sec-purpose", "prefetch"),
            ],
            "prefetch",
            StatusCode::OK,
        ),
        (
            &[("origin", "https://evil.example"), ("user-agent", CHROME)],
            "foreign_origin",
            StatusCode::FORBIDDEN,
        ),
    ];
    for (headers, reason, want) in cases {
        let (status, records) = view(&config, client.clone(), headers).await;
        assert_eq!(status, want, "{reason}");
        let skipped = with_metric(&records, names::VIEWS_NOT_COUNTED);
        assert_eq!(skipped.len(), 1, "{reason}: {records:?}");
        assert_eq!(skipped[0]["Reason"], reason);
        assert!(
            with_metric(&records, names::VIEWS_COUNTED).is_empty(),
            "{reason}"
        );
    }
}

/// A DynamoDB stand-in on loopback that throttles every request, closing
/// each connection after its answer.
async fn always_throttling() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
        let answer = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    endpoint
}

#[tokio::test]
async fn a_throttled_call_counts_its_retries_and_throttles() {
    let endpoint = always_throttling().await;
    let base = testkit::ClientBuilder::new(endpoint).build();
    let retry = aws_sdk_dynamodb::config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(std::time::Duration::from_millis(1));
    // A retry partition of its own: the SDK's retry quota is shared by
    // every client of a partition in the process, and other tests' faults
    // would otherwise spend it (then fewer attempts are made).
    let conf = base
        .config()
        .to_builder()
        .retry_config(retry)
        .retry_partition(aws_sdk_dynamodb::config::retry::RetryPartition::new(
            "metrics-throttled-call",
        ))
        .interceptor(platform::dynamo::metrics::CallMetrics)
        .build();
    let client = Client::from_conf(conf);
    let key = aws_sdk_dynamodb::types::AttributeValue::S("x".into());
    let (result, records) =
        platform::metrics::capture(client.get_item().table_name("t").key("id", key).send()).await;
    assert!(result.is_err(), "every attempt was throttled");
    let calls = with_metric(&records, names::DYNAMODB_THROTTLES);
    assert_eq!(calls.len(), 1, "{records:?}");
    assert_eq!(calls[0]["Operation"], "GetItem");
    assert_eq!(calls[0][names::DYNAMODB_THROTTLES], 3.0);
    assert_eq!(calls[0][names::DYNAMODB_RETRIES], 2.0);
}
