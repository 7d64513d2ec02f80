#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: fail loudly
//! The visitor counter against DynamoDB Local: what counts as a view (a
//! browser on the site; not a bot, a prefetch or another site's page), what
//! a private view writes, the salt of the day, the history, and exact counts
//! under concurrency.
//!
//! Against the binary's shared DynamoDB Local (testkit), each test with its
//! own tables, calling the counter's router in-process with a pinned clock.
//! Nothing here talks to anything but 127.0.0.1.
//!
//! The pinned days are in 2099: DynamoDB Local runs TTL, and would delete
//! markers, salts and visits whose `expiresAt` is already past while a
//! test reads them.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use time::macros::datetime;
use time::{Duration as Days, OffsetDateTime};
use tower::ServiceExt;

use crate::counter_fixture::{string as s, Counter, Item};

// ---------------------------------------------------------------- helpers

/// The site whose views count: one of the fixture's allowed origins.
pub(crate) const SITE: &str = "https://me.example";
const CHROME: &str = testkit::BROWSER_USER_AGENT;

/// A pinned, movable clock.
#[derive(Clone)]
struct TestClock(Arc<Mutex<OffsetDateTime>>);

impl TestClock {
    fn at(t: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(t)))
    }
    fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap() = t;
    }
    fn clock(&self) -> visitor_counter::Clock {
        let inner = self.0.clone();
        Arc::new(move || *inner.lock().unwrap())
    }
}

fn n(item: &Item, attr: &str) -> u64 {
    item.get(attr).map_or(0, |v| s(v).parse().unwrap())
}

/// A GET from `ip` with these headers.
pub(crate) fn get(path: &str, ip: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

/// A browser view from the site.
fn view(ip: &str) -> Request<Body> {
    get(
        "/visitorcount",
        ip,
        &[("origin", SITE), ("user-agent", CHROME)],
    )
}

pub(crate) async fn call(app: &Router, req: Request<Body>) -> (StatusCode, http::HeaderMap, Value) {
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

fn day_end(t: OffsetDateTime, days_after: i64) -> i64 {
    (t.replace_time(time::Time::MIDNIGHT) + Days::days(days_after)).unix_timestamp()
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncounted_requests_answer_the_numbers_and_write_nothing() {
    let counter = Counter::new().await;
    let clock = TestClock::at(datetime!(2099-06-01 10:00 UTC));
    let app = counter.app(clock.clock());
    // Two real views first, so the numbers are not zero.
    for ip in ["10.0.0.1", "10.0.0.2"] {
        let (status, _, body) = call(&app, view(ip)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["counted"], true);
    }
    let counters = counter.counters().await;
    let visits = counter.visits().await;
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let uncounted: &[(&str, &[(&str, &str)])] = &[
        ("a bare curl", &[("user-agent", "curl/8.5.0")]),
        ("no headers at all", &[]),
        (
            "curl with the site's origin",
            &[("origin", SITE), ("user-agent", "curl/8.5.0")],
        ),
        ("a crawler", &[("origin", SITE), ("user-agent", googlebot)]),
        (
            "a link preview",
            &[
                ("referer", "https://me.example/"),
                ("user-agent", "facebookexternalhit/1.1"),
            ],
        ),
        ("no user agent", &[("origin", SITE)]),
        ("a browser, not from the site", &[("user-agent", CHROME)]),
        (
            "a browser, from another site's page",
            &[("referer", "https://evil.example/"), ("user-agent", CHROME)],
        ),
        (
            "Sec-Purpose: prefetch",
            &[
                ("origin", SITE),
                ("user-agent", CHROME),
                ("sec-purpose", "prefetch"),
            ],
        ),
        (
            "Sec-Purpose: prefetch;prerender",
            &[
                ("origin", SITE),
                ("user-agent", CHROME),
                ("sec-purpose", "prefetch;prerender"),
            ],
        ),
        (
            "Purpose: prefetch",
            &[
                ("referer", "https://me.example/"),
                ("user-agent", CHROME),
                ("purpose", "prefetch"),
            ],
        ),
        (
            "X-Moz: prefetch",
            &[
                ("origin", SITE),
                ("user-agent", CHROME),
                ("x-moz", "prefetch"),
            ],
        ),
    ];
    for (what, headers) in uncounted {
        let (status, headers_out, body) =
            call(&app, get("/visitorcount", "10.0.0.9", headers)).await;
        assert_eq!(status, StatusCode::OK, "{what}");
        assert_eq!(body["counted"], false, "{what}: {body}");
        assert_eq!(body["count"], 2, "{what}: {body}");
        assert_eq!(body["unique_today"], 2, "{what}: {body}");
        assert_eq!(headers_out[header::CACHE_CONTROL], "no-store", "{what}");
    }
    // A foreign origin: 403, the JSON error.
    for origin in ["https://evil.example", "null"] {
        let (status, _, body) = call(
            &app,
            get(
                "/visitorcount",
                "10.0.0.9",
                &[("origin", origin), ("user-agent", CHROME)],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(body["error"], "forbidden", "{origin}: {body}");
        assert!(body["requestId"].is_string(), "{body}");
    }
    // HEAD and a preflight, as before.
    let head = Request::head("/visitorcount")
        .header("origin", SITE)
        .header("user-agent", CHROME)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, head).await.0, StatusCode::METHOD_NOT_ALLOWED);
    let preflight = Request::options("/visitorcount")
        .header("origin", SITE)
        .header("access-control-request-method", "GET")
        .body(Body::empty())
        .unwrap();
    assert!(call(&app, preflight).await.0.is_success());
    // Nothing was written by any of them.
    assert_eq!(counter.counters().await, counters);
    assert_eq!(counter.visits().await, visits);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpc_and_dnt_views_count_but_write_nothing_personal() {
    let counter = Counter::new().await;
    let clock = TestClock::at(datetime!(2099-06-02 10:00 UTC));
    let app = counter.app(clock.clock());
    let (_, _, body) = call(&app, view("10.0.0.1")).await;
    assert_eq!(body["unique_today"], 1);
    let visits_before = counter.visits().await.len();
    let ids_before = counter.ids().await;
    for (i, (name, ip)) in [("sec-gpc", "10.0.0.2"), ("dnt", "10.0.0.3")]
        .into_iter()
        .enumerate()
    {
        let (status, _, body) = call(
            &app,
            get(
                "/visitorcount",
                ip,
                &[("origin", SITE), ("user-agent", CHROME), (name, "1")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(body["counted"], true, "{name}: {body}");
        assert_eq!(body["count"], 2 + i as u64, "{name}: {body}");
        // Today's uniques, read, not raised.
        assert_eq!(body["unique_today"], 1, "{name}: {body}");
    }
    assert_eq!(
        counter.visits().await.len(),
        visits_before,
        "a visit was logged"
    );
    assert_eq!(
        counter.ids().await,
        ids_before,
        "a marker or other item was written"
    );
    assert_eq!(
        counter.salt_days().await,
        ["2099-06-02"],
        "the first view's"
    );
    let day = counter.item("day#2099-06-02").await.unwrap();
    assert_eq!(n(&day, "views"), 3, "private views are in the day's views");
    assert_eq!(n(&day, "count"), 1);
    assert_eq!(n(&counter.item("total").await.unwrap(), "count"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_salt_changes_at_the_utc_day_boundary_and_expired_salts_are_deleted() {
    let counter = Counter::new().await;
    let before = datetime!(2099-06-03 23:59:59 UTC);
    let clock = TestClock::at(before);
    let app = counter.app(clock.clock());
    // The same visitor twice on the 3rd, once on the 4th.
    call(&app, view("10.0.0.7")).await;
    let (_, _, body) = call(&app, view("10.0.0.7")).await;
    assert_eq!(body["unique_today"], 1, "{body}");
    let after = datetime!(2099-06-04 00:00:01 UTC);
    clock.set(after);
    let (_, _, body) = call(&app, view("10.0.0.7")).await;
    assert_eq!(body["unique_today"], 1, "a new day, a new unique: {body}");

    let salts = counter.config.salts_table.as_str();
    let salt3 = counter
        .item_in(salts, "2099-06-03")
        .await
        .expect("the 3rd's salt");
    let salt4 = counter
        .item_in(salts, "2099-06-04")
        .await
        .expect("the 4th's salt");
    let bytes = |item: &Item| match &item["salt"] {
        AttributeValue::B(b) => b.as_ref().to_vec(),
        other => panic!("salt is not binary: {other:?}"),
    };
    assert_eq!(bytes(&salt3).len(), 32);
    assert_ne!(bytes(&salt3), bytes(&salt4));
    // Both carry a TTL: gone after the end of the following day.
    assert_eq!(n(&salt3, "expiresAt") as i64, day_end(before, 2));
    assert_eq!(n(&salt4, "expiresAt") as i64, day_end(after, 2));

    // The visitor's hash is stable within a day, and differs across days.
    let mut hashes: HashMap<String, HashSet<String>> = HashMap::new();
    for visit in counter.visits().await {
        hashes
            .entry(s(&visit["at"])[..10].to_owned())
            .or_default()
            .insert(s(&visit["ipHash"]));
    }
    assert_eq!(hashes["2099-06-03"].len(), 1, "{hashes:?}");
    assert_eq!(hashes["2099-06-04"].len(), 1, "{hashes:?}");
    assert!(hashes["2099-06-03"].is_disjoint(&hashes["2099-06-04"]));
    // And so are the markers: no marker of the 4th repeats the 3rd's hash.
    let ids = counter.ids().await;
    let marker_hashes: Vec<&str> = ids
        .iter()
        .filter_map(|id| id.strip_prefix("seen#"))
        .map(|rest| &rest[11..])
        .collect();
    assert_eq!(marker_hashes.len(), 2, "{ids:?}");
    assert_ne!(marker_hashes[0], marker_hashes[1]);

    // Once the 3rd's has expired, the first view of the 5th deletes it
    // rather than wait for TTL (which DynamoDB Local does not run for 2099).
    clock.set(datetime!(2099-06-05 00:00:01 UTC));
    call(&counter.app(clock.clock()), view("10.0.0.8")).await;
    assert_eq!(
        counter.salt_days().await.len(),
        2,
        "the 4th's and the 5th's"
    );
    assert!(counter.item_in(salts, "2099-06-03").await.is_none());
    assert!(counter.item_in(salts, "2099-06-04").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_of_a_day_agree_on_one_salt() {
    let counter = Counter::new().await;
    let clock = TestClock::at(datetime!(2099-06-05 08:00 UTC));
    // 24 instances, each with an empty salt cache, see the same visitor at once.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let app = counter.app(clock.clock());
        tasks.spawn(async move { call(&app, view("10.0.0.42")).await });
    }
    while let Some(done) = tasks.join_next().await {
        let (status, _, body) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["counted"], true);
    }
    assert_eq!(counter.salt_days().await, ["2099-06-05"]);
    let hashes: HashSet<String> = counter
        .visits()
        .await
        .iter()
        .map(|v| s(&v["ipHash"]))
        .collect();
    assert_eq!(hashes.len(), 1, "instances hashed with different salts");
    assert_eq!(
        n(&counter.item("day#2099-06-05").await.unwrap(), "count"),
        1
    );
    assert_eq!(
        n(&counter.item("day#2099-06-05").await.unwrap(), "views"),
        24
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_cover_a_range_with_missing_days_and_revalidate() {
    let counter = Counter::new().await;
    let clock = TestClock::at(datetime!(2099-02-27 12:00 UTC));
    let app = counter.app(clock.clock());
    // The 27th: 3 views by 2 visitors; the 1st of March: 1 view; the 28th
    // and the 2nd: nothing.
    for ip in ["10.0.0.1", "10.0.0.1", "10.0.0.2"] {
        call(&app, view(ip)).await;
    }
    clock.set(datetime!(2099-03-01 00:30 UTC));
    call(&app, view("10.0.0.1")).await;
    clock.set(datetime!(2099-03-02 23:00 UTC));

    let (status, headers, body) =
        call(&app, get("/visitorcount/stats?days=5", "10.0.0.1", &[])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({
            "from": "2099-02-26",
            "to": "2099-03-02",
            "days": [
                {"date": "2099-02-26", "views": 0, "uniques": 0},
                {"date": "2099-02-27", "views": 3, "uniques": 2},
                {"date": "2099-02-28", "views": 0, "uniques": 0},
                {"date": "2099-03-01", "views": 1, "uniques": 1},
                {"date": "2099-03-02", "views": 0, "uniques": 0},
            ]
        })
    );
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();

    // A matching If-None-Match: 304; after a new view, a new ETag.
    let (status, headers, _) = call(
        &app,
        get(
            "/visitorcount/stats?days=5",
            "10.0.0.1",
            &[("if-none-match", &etag)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(headers[header::ETAG], etag.as_str());
    call(&app, view("10.0.0.3")).await;
    let (status, headers, body) = call(
        &app,
        get(
            "/visitorcount/stats?days=5",
            "10.0.0.1",
            &[("if-none-match", &etag)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers[header::ETAG], etag.as_str());
    assert_eq!(
        body["days"][4],
        serde_json::json!({"date": "2099-03-02", "views": 1, "uniques": 1})
    );

    // 30 by default; 366 at most, across several BatchGetItem calls.
    let (_, _, body) = call(&app, get("/visitorcount/stats", "10.0.0.1", &[])).await;
    assert_eq!(body["days"].as_array().unwrap().len(), 30);
    assert_eq!(body["from"], "2099-02-01");
    let (status, _, body) = call(&app, get("/visitorcount/stats?days=366", "10.0.0.1", &[])).await;
    assert_eq!(status, StatusCode::OK);
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 366);
    assert_eq!(body["from"], "2098-03-02");
    let total: u64 = days.iter().map(|d| d["views"].as_u64().unwrap()).sum();
    assert_eq!(total, 5);
    assert!(days
        .windows(2)
        .all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()));

    // Bad input: 400 with the JSON error.
    for bad in [
        "days=0",
        "days=367",
        "days=abc",
        "days=",
        "days=1.5",
        "days=-3",
        "days=5&days=6",
    ] {
        let (status, _, body) = call(
            &app,
            get(&format!("/visitorcount/stats?{bad}"), "10.0.0.1", &[]),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["error"], "invalid_days", "{bad}: {body}");
    }
    // Reading the history writes nothing.
    let ids = counter.ids().await;
    call(&app, get("/visitorcount/stats?days=7", "10.0.0.1", &[])).await;
    assert_eq!(counter.ids().await, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_counted_views_are_exact() {
    const N: u64 = 1000;
    // Not beside the other load tests: on a small machine DynamoDB Local
    // then times out some of the unique-visitor writes.
    let _heavy = crate::util::heavy().await;
    let counter = Counter::new().await;
    let clock = TestClock::at(datetime!(2099-06-06 12:00 UTC));
    let app = counter.app(clock.clock());
    // All at once, at most 64 in flight: more and DynamoDB Local itself
    // times out waiting for its lock on the hot items (real DynamoDB would
    // serve them), which is a fault of the emulator, not of the counter.
    let limit = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let (app, limit) = (app.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            call(&app, view(&format!("10.1.{}.{}", i / 250, i % 250 + 1))).await
        });
    }
    let mut counts = HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (status, _, body) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["counted"], true);
        assert!(
            counts.insert(body["count"].as_u64().unwrap()),
            "a count repeated: {body}"
        );
    }
    assert_eq!(counts, (1..=N).collect::<HashSet<_>>());
    assert_eq!(n(&counter.item("total").await.unwrap(), "count"), N);
    let day = counter.item("day#2099-06-06").await.unwrap();
    assert_eq!(n(&day, "views"), N);
    assert_eq!(n(&day, "count"), N, "1000 distinct visitors");
    assert_eq!(counter.visits().await.len() as u64, N);
}
