#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The visitor counter: `GET /visitorcount`.
//!
//! Tests of the stack (`stack()`) speak HTTP to the local API or `API_URL`.
//! Tests that need exact numbers run the counter's own router, on fresh
//! tables in DynamoDB Local, so that no other test's visits mix in, over a
//! real socket with `local_api::serve` (as the local API does). Through the
//! Lambda adapter, with API Gateway events: tests/it/events.rs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use http_body_util::BodyExt;
use reqwest::{header, StatusCode};
use serde_json::Value;
use testkit::{LogCapture, BROWSER_USER_AGENT};
use time::OffsetDateTime;
use tower::ServiceExt;
use visitor_counter::Clock;

use crate::counter_fixture::Counter;
use crate::util::{dynamodb_local, heavy, http, stack, unique_id};

pub(crate) const ALLOWED_ORIGIN: &str = "http://localhost:8080";
pub(crate) const FOREIGN_ORIGIN: &str = "https://evil.example";

// ---------------------------------------------------------------- helpers

/// `{"count": n, "unique_today": m, "counted": true}` with both numbers
/// JSON integers: a counted view's answer.
pub(crate) fn counts(body: &str) -> (u64, u64) {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let object = value.as_object().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(object.len(), 3, "{body}");
    assert_eq!(value["counted"], true, "{body}");
    for key in ["count", "unique_today"] {
        let text = object[key].to_string();
        assert!(
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
            "{key} is not a JSON integer in {body}"
        );
    }
    (
        value["count"].as_u64().unwrap(),
        value["unique_today"].as_u64().unwrap(),
    )
}

async fn visit_stack(origin: Option<&str>) -> reqwest::Response {
    let mut req = http()
        .get(stack().url("/visitorcount"))
        .header(header::USER_AGENT, BROWSER_USER_AGENT);
    if let Some(origin) = origin {
        req = req.header(header::ORIGIN, origin);
    }
    req.send().await.unwrap()
}

pub(crate) fn fixed_clock(at: OffsetDateTime) -> Clock {
    Arc::new(move || at)
}

/// The counter's router on its own fresh tables, served on a free port.
struct Isolated {
    base: String,
    tables: Counter,
}

impl Isolated {
    async fn start(clock: Clock) -> Self {
        Self::serve(Counter::new().await, clock).await
    }

    /// `visits_table`: a name to use instead of a fresh table (it is not created).
    async fn start_with(clock: Clock, visits_table: Option<&str>) -> Self {
        Self::serve(Counter::with_visits_table(visits_table).await, clock).await
    }

    async fn serve(tables: Counter, clock: Clock) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = tables.app(clock);
        tokio::spawn(local_api::serve(listener, app, std::future::pending()));
        Self { base, tables }
    }

    fn url(&self) -> String {
        format!("{}/visitorcount", self.base)
    }

    /// A visit from 127.0.0.`host`: a different loopback address is a
    /// different client IP to the server, with no header trickery.
    async fn visit_from(&self, host: u8) -> (u64, u64) {
        let response = client_from(host)
            .get(self.url())
            .header(header::ORIGIN, ALLOWED_ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        counts(&response.text().await.unwrap())
    }
}

fn client_from(host: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)))
        // A browser on the site: its views count.
        .user_agent(BROWSER_USER_AGENT)
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            header::ORIGIN,
            reqwest::header::HeaderValue::from_static(ALLOWED_ORIGIN),
        )]))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn today() -> String {
    visitor_counter::calendar::day_of(OffsetDateTime::now_utc())
}

// ------------------------------------------------------- the stack (HTTP)

#[tokio::test]
async fn the_count_grows_with_cors_headers_for_an_allowed_origin() {
    let first = visit_stack(Some(ALLOWED_ORIGIN)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(
        first.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        ALLOWED_ORIGIN
    );
    let vary = first.headers()[header::VARY]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(vary.contains("origin"), "{vary}");
    let (a, unique_a) = counts(&first.text().await.unwrap());
    assert!(a >= 1 && unique_a >= 1);

    let second = visit_stack(Some(ALLOWED_ORIGIN)).await;
    assert_eq!(second.status(), StatusCode::OK);
    let (b, _) = counts(&second.text().await.unwrap());
    assert!(b > a, "{b} after {a}");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_without_cors_headers() {
    // A view from another site is refused with 403: counting it would let
    // any page inflate the count, and the browser could not read the answer
    // anyway.
    let response = visit_stack(Some(FOREIGN_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!response
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let vary = response.headers()[header::VARY]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(vary.contains("origin"), "{vary}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");
}

#[tokio::test]
async fn preflight_is_answered_for_allowed_origins_only() {
    let preflight = |origin: &'static str| {
        http()
            .request(reqwest::Method::OPTIONS, stack().url("/visitorcount"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .send()
    };
    let ok = preflight(ALLOWED_ORIGIN).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        ALLOWED_ORIGIN
    );
    let methods = ok.headers()[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(methods.contains("GET"), "{methods}");

    let refused = preflight(FOREIGN_ORIGIN).await.unwrap();
    for h in [
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
    ] {
        assert!(!refused.headers().contains_key(&h), "{h}");
    }
}

#[tokio::test]
async fn only_get_counts_a_visit() {
    for method in [reqwest::Method::POST, reqwest::Method::HEAD] {
        let response = http()
            .request(method.clone(), stack().url("/visitorcount"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
}

// ------------------------------------------------- exact, on fresh tables

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_raise_the_count_by_exactly_a_thousand() {
    let _heavy = heavy().await;
    const N: u64 = 1000;
    let counter = Isolated::start(visitor_counter::system_clock()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent(BROWSER_USER_AGENT)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (client, url) = (client.clone(), counter.url());
            tokio::spawn(async move {
                let response = client
                    .get(url)
                    .header(header::ORIGIN, ALLOWED_ORIGIN)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (status, response.text().await.unwrap())
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let (count, _) = counts(&body);
        assert!(seen.insert(count), "count {count} was handed out twice");
    }
    let elapsed = started.elapsed();
    // Distinct, and exactly 1..=N: nothing lost, nothing doubled.
    assert_eq!(seen, (1..=N).collect::<BTreeSet<_>>());
    assert_eq!(counter.tables.count_of("total").await, Some(N));
    assert_eq!(
        counter
            .tables
            .scan(counter.tables.visits_table())
            .await
            .len(),
        N as usize
    );
    // All from 127.0.0.1: one visitor.
    assert_eq!(
        counter.tables.count_of(&format!("day#{}", today())).await,
        Some(1)
    );
    eprintln!("{N} concurrent requests in {elapsed:?}");
}

#[tokio::test]
async fn unique_visitors_follow_a_scripted_mix_of_new_and_repeat_visitors() {
    let counter = Isolated::start(fixed_clock(OffsetDateTime::now_utc())).await;
    // (client, unique visitors today after its visit)
    let script = [
        (11, 1),
        (11, 1),
        (12, 2),
        (11, 2),
        (13, 3),
        (12, 3),
        (13, 3),
        (14, 4),
        (11, 4),
        (15, 5),
        (14, 5),
    ];
    for (i, (host, unique)) in script.into_iter().enumerate() {
        let (count, unique_today) = counter.visit_from(host).await;
        assert_eq!(count, i as u64 + 1, "visit {i} from 127.0.0.{host}");
        assert_eq!(unique_today, unique, "visit {i} from 127.0.0.{host}");
    }
    let markers = counter
        .tables
        .scan(counter.tables.counter_table())
        .await
        .into_iter()
        .filter(|item| matches!(&item["id"], AttributeValue::S(id) if id.starts_with("seen#")))
        .collect::<Vec<_>>();
    assert_eq!(markers.len(), 5);
    for marker in &markers {
        // Markers go through TTL, a day or two after their day.
        let AttributeValue::N(expires) = &marker["expiresAt"] else {
            panic!("{marker:?}")
        };
        let expires: i64 = expires.parse().unwrap();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        assert!(
            expires > now + 86_400 - 60 && expires <= now + 2 * 86_400,
            "{expires}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_visitors_are_exact_under_concurrency() {
    let _heavy = heavy().await;
    const VISITORS: u8 = 20;
    const EACH: usize = 10;
    let counter = Isolated::start(fixed_clock(OffsetDateTime::now_utc())).await;
    let clients: Vec<_> = (0..VISITORS).map(|i| client_from(100 + i)).collect();
    let tasks: Vec<_> = (0..EACH)
        .flat_map(|_| clients.iter().cloned())
        .map(|client| {
            let url = counter.url();
            tokio::spawn(async move {
                let response = client.get(url).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                counts(&response.text().await.unwrap())
            })
        })
        .collect();
    let mut totals = HashSet::new();
    for task in tasks {
        let (count, unique) = task.await.unwrap();
        assert!(totals.insert(count));
        assert!((1..=u64::from(VISITORS)).contains(&unique), "{unique}");
    }
    assert_eq!(totals.len(), usize::from(VISITORS) * EACH);
    let day = visitor_counter::calendar::day_of(OffsetDateTime::now_utc());
    assert_eq!(
        counter.tables.count_of(&format!("day#{day}")).await,
        Some(u64::from(VISITORS))
    );
    // Afterwards everyone reads the settled number.
    assert_eq!(counter.visit_from(100).await.1, u64::from(VISITORS));
}

#[tokio::test]
async fn a_new_day_starts_a_new_unique_count() {
    let start = OffsetDateTime::now_utc().unix_timestamp();
    let now = Arc::new(AtomicI64::new(start));
    let clock_now = now.clone();
    let clock: Clock = Arc::new(move || {
        OffsetDateTime::from_unix_timestamp(clock_now.load(Ordering::SeqCst)).unwrap()
    });
    let counter = Isolated::start(clock).await;
    assert_eq!(counter.visit_from(21).await, (1, 1));
    assert_eq!(counter.visit_from(22).await, (2, 2));
    assert_eq!(counter.visit_from(21).await, (3, 2));
    now.store(start + 86_400, Ordering::SeqCst);
    // Yesterday's visitors are new today; the total keeps going.
    assert_eq!(counter.visit_from(21).await, (4, 1));
    assert_eq!(counter.visit_from(21).await, (5, 1));
    assert_eq!(counter.visit_from(23).await, (6, 2));
}

#[tokio::test]
async fn each_visit_is_logged_with_a_hashed_ip_and_an_expiry() {
    let counter = Isolated::start(visitor_counter::system_clock()).await;
    let long_agent = format!("TestBrowser/1.0 {}", "x".repeat(600));
    let before = OffsetDateTime::now_utc().unix_timestamp();
    // The visitor is the IP with the User-Agent, hashed with the day's salt
    // (as Plausible does), so no IP is stored: .31 twice with one browser,
    // .32 with another.
    for (host, agent) in [
        (31, long_agent.as_str()),
        (31, long_agent.as_str()),
        (32, "short"),
    ] {
        let response = client_from(host)
            .get(counter.url())
            .header(header::USER_AGENT, agent)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let after = OffsetDateTime::now_utc().unix_timestamp();
    let visits = counter.tables.scan(counter.tables.visits_table()).await;
    assert_eq!(visits.len(), 3);
    let s = |item: &HashMap<String, AttributeValue>, k: &str| match &item[k] {
        AttributeValue::S(s) => s.clone(),
        other => panic!("{k}: {other:?}"),
    };
    let mut ids = HashSet::new();
    let mut hashes = HashMap::new();
    for visit in &visits {
        assert!(ids.insert(s(visit, "id")));
        assert!(uuid::Uuid::parse_str(&s(visit, "id")).is_ok());
        let at = OffsetDateTime::parse(
            &s(visit, "at"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
        .unix_timestamp();
        assert!((before..=after).contains(&at));
        let hash = s(visit, "ipHash");
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(s(visit, "path"), "/visitorcount");
        let agent = s(visit, "userAgent");
        assert!(agent.len() <= visitor_counter::visitor::MAX_USER_AGENT_CHARS);
        *hashes.entry(hash).or_insert(0) += 1;
        let AttributeValue::N(expires) = &visit["expiresAt"] else {
            panic!("{visit:?}")
        };
        let expires: i64 = expires.parse().unwrap();
        assert!((at + 90 * 86_400 - 1..=at + 90 * 86_400 + 1).contains(&expires));
        // The IP itself is nowhere in the item.
        assert!(!format!("{visit:?}").contains("127.0.0.3"), "{visit:?}");
    }
    // The two visits of .31's browser share a hash, .32's has its own.
    let mut per_hash: Vec<_> = hashes.values().copied().collect();
    per_hash.sort_unstable();
    assert_eq!(per_hash, [1, 2]);
    let agents: Vec<_> = visits.iter().map(|v| s(v, "userAgent")).collect();
    assert!(agents.iter().any(
        |a| a.len() == visitor_counter::visitor::MAX_USER_AGENT_CHARS
            && long_agent.starts_with(a.as_str())
    ));

    // The hash is keyed: another salt gives other hashes for the same IPs.
    let other = Isolated::start(visitor_counter::system_clock()).await;
    other.visit_from(31).await;
    let other_hash = s(
        &other.tables.scan(other.tables.visits_table()).await[0],
        "ipHash",
    );
    assert!(!hashes.contains_key(&other_hash));
}

// ------------------------------------------------------------- logs

/// Captures this thread's log lines at DEBUG (what staging runs with,
/// samconfig.toml `LogLevel=DEBUG`), as JSON lines as in Lambda, until the
/// guard drops. Tests on a current-thread runtime log on this thread only,
/// so tests running beside them do not mix in.
fn capture_logs() -> (LogCapture, tracing::subscriber::DefaultGuard) {
    let capture = LogCapture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .json()
        .finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

/// The salt is in `logs` in none of its spellings.
fn assert_salt_not_logged(logs: &str, salt: &[u8]) {
    use base64::Engine;
    let hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(salt);
    assert!(!logs.contains(&hex), "the salt was logged (hex)");
    assert!(!logs.contains(&b64), "the salt was logged (base64)");
    assert!(
        !logs.contains(&*String::from_utf8_lossy(salt)),
        "the salt was logged"
    );
}

#[tokio::test]
async fn a_failed_visit_log_write_is_logged_and_the_visit_still_counted() {
    let (capture, _guard) = capture_logs();
    let missing = unique_id("no-such-visits-table");
    let counter = Isolated::start_with(visitor_counter::system_clock(), Some(&missing)).await;
    assert_eq!(counter.visit_from(41).await, (1, 1));
    assert_eq!(counter.visit_from(41).await, (2, 1));
    assert_eq!(counter.tables.count_of("total").await, Some(2));
    let logs = capture.text();
    let lines: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("visit log write failed") && l.contains(&missing))
        .collect();
    assert_eq!(lines.len(), 2, "{logs}");
    assert_salt_not_logged(&logs, &counter.tables.salt(&today()).await);
}

/// A counted view through `app` from `ip`: a browser on the site.
async fn browser_view(app: &axum::Router, ip: &str) -> http::StatusCode {
    let mut request = http::Request::get("/visitorcount")
        .header("origin", ALLOWED_ORIGIN)
        .header("user-agent", BROWSER_USER_AGENT)
        .body(axum::body::Body::empty())
        .unwrap();
    let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    app.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn the_visitor_salt_never_reaches_a_log_line() {
    let (capture, _guard) = capture_logs();
    let counter = Counter::new().await;
    tracing::info!(config = ?counter.config, "config loaded");
    // Counted views: the day's salt is made, stored, read and used.
    let app = counter.router(counter.client.clone());
    for ip in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(browser_view(&app, ip).await, 200);
    }
    // And the failure paths log too: no DynamoDB behind this one.
    let broken = counter.router(testkit::client(&testkit::unreachable_endpoint()));
    assert_eq!(browser_view(&broken, "203.0.113.3").await, 503);

    let salt = counter.salt(&today()).await;
    let logs = capture.text();
    assert!(
        logs.contains("config loaded") && logs.contains("request"),
        "nothing was logged: {logs}"
    );
    assert_salt_not_logged(&logs, &salt);
}

// ------------------------------------------ an ADD is never applied twice

/// A TCP proxy to `upstream` that forwards requests at once but holds each
/// connection's responses back for `delay`: the write lands, the answer is
/// late, and the client times out not knowing whether it was applied.
async fn late_answering_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                tokio::time::sleep(delay).await;
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_add_whose_answer_is_lost_is_not_retried() {
    // Timing-sensitive (300 ms attempts through a slow proxy): never beside
    // the load tests, which can stall DynamoDB Local past an attempt.
    let _heavy = heavy().await;
    let counter = Counter::new().await;
    let upstream: SocketAddr = dynamodb_local()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = late_answering_proxy(upstream, Duration::from_millis(1500)).await;
    let slow = Client::from_conf(
        testkit::client(&format!("http://{proxy}"))
            .config()
            .to_builder()
            .timeout_config(
                aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_millis(300))
                    .build(),
            )
            .retry_config(
                aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(3),
            )
            .build(),
    );
    let read = |id: &'static str| {
        let counter = counter.clone();
        async move { counter.item(id).await.and_then(|i| i.get("count").cloned()) }
    };

    // The hazard is real: a plain ADD with the SDK's standard retries lands
    // once per attempt.
    let plain = slow
        .update_item()
        .table_name(counter.counter_table())
        .key("id", AttributeValue::S("control".into()))
        .update_expression("ADD #c :one")
        .expression_attribute_names("#c", "count")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await;
    assert!(plain.is_err());
    // Every attempt was sent before the call gave up; a busy emulator may
    // take a moment to apply them.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while read("control").await != Some(AttributeValue::N("3".into()))
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(read("control").await, Some(AttributeValue::N("3".into())));

    // The counter's ADD is tried once: the visitor gets a 503, the view is
    // counted once.
    let router = counter.router(slow);
    let response = router
        .oneshot(
            http::Request::get("/visitorcount")
                .header(header::ORIGIN, ALLOWED_ORIGIN)
                .header(header::USER_AGENT, BROWSER_USER_AGENT)
                .body(String::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "service_unavailable");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while read("total").await.is_none() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give any second attempt the same time to show up: there is none.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(read("total").await, Some(AttributeValue::N("1".into())));
}
