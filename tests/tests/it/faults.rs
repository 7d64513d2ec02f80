#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! DynamoDB failing, and what callers see.
//!
//! - Unreachable: every route of the three routers that needs DynamoDB
//!   answers a 503 JSON error with `Retry-After`, never a 500 or a panic,
//!   and shows no connection details. (How DynamoDB's own error codes,
//!   throttling and server faults, map to statuses is unit-tested in
//!   `platform::error`.)
//! - Killed (SIGKILL) in the middle of a burst of counter and manager
//!   requests, then started again: every answer is a 200 or a JSON 503, no
//!   request hangs beyond the SDK's operation timeout, the same server
//!   process recovers on its own once DynamoDB is back, and nothing
//!   acknowledged is lost (every count that got a 200 is within the final
//!   count, every item whose create got a 200 is still there).
//!
//! Both build their own routers and database, so they run the same way with
//! or without `API_URL`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use platform::config::{from_pairs, HttpConfig};
use serde_json::{json, Value};
use testkit::{ClientBuilder, DynamoDbLocal, Storage, BROWSER_USER_AGENT};
use tower::ServiceExt;

use crate::util::{heavy, http, local_settings};

// ------------------------------------------------- DynamoDB unreachable

/// The three routers, each with a client whose endpoint refuses
/// connections (no retries, so that the failures come fast).
fn unreachable_routers() -> [Router; 3] {
    let client = ClientBuilder::new(testkit::unreachable_endpoint())
        .no_retries()
        .build();
    let http: HttpConfig = from_pairs(&[("ALLOWED_ORIGINS", SITE)]).unwrap();
    let resume: resume::ResumeConfig =
        from_pairs(&[("RESUME_TABLE", "resume-test"), ("RESUME_ID", "example")]).unwrap();
    let manager: dynamodbmanager::ManagerConfig =
        from_pairs(&[("MANAGER_TABLE", "manager-unit")]).unwrap();
    let counter: visitor_counter::CounterConfig = from_pairs(&[
        ("COUNTER_TABLE", "counter"),
        ("VISITS_TABLE", "visits"),
        ("SALTS_TABLE", "salts"),
    ])
    .unwrap();
    [
        resume::router(&resume, &http, client.clone()),
        visitor_counter::router(&counter, &http, client.clone()),
        dynamodbmanager::router(&manager, &http, client),
    ]
}

/// One request per route, operation and kind of view that needs DynamoDB,
/// for the router at that index of [`unreachable_routers`].
fn requests_needing_dynamodb() -> Vec<(usize, Request<Body>)> {
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let view = |agent: &str| {
        Request::get("/visitorcount")
            .header(header::ORIGIN, SITE)
            .header(header::USER_AGENT, agent)
            .body(Body::empty())
            .unwrap()
    };
    let manager = |body: &str| {
        let request = Request::post("/dynamodbmanager")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()));
        (2, request.unwrap())
    };
    vec![
        (0, get("/resume")),
        (0, get("/resume/example")),
        // A counted view, and an uncounted one: it still needs the numbers.
        (1, view(BROWSER_USER_AGENT)),
        (1, view("curl/8.5.0")),
        (1, get("/visitorcount/stats")),
        manager(r#"{"operation":"create","payload":{"Item":{"id":"a"}}}"#),
        manager(r#"{"operation":"read","payload":{"Key":{"id":"a"}}}"#),
        manager(
            r#"{"operation":"update","payload":{"Key":{"id":"a"},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":1}}}"#,
        ),
        manager(r#"{"operation":"delete","payload":{"Key":{"id":"a"}}}"#),
        manager(r#"{"operation":"list","payload":{}}"#),
        (2, get("/items")),
        (2, get("/items/a")),
        (2, Request::put("/items/a").body(Body::from("{}")).unwrap()),
        (2, Request::delete("/items/a").body(Body::empty()).unwrap()),
    ]
}

/// A clean 503: the JSON error, with its request id, and no internals
/// (connection details stay in the logs).
fn assert_clean_503(body: &Value, what: &str) {
    assert_eq!(body["error"], "service_unavailable", "{what}: {body}");
    assert!(body["requestId"].is_string(), "{what}: {body}");
    let text = body.to_string();
    for leak in ["127.0.0.1", "dispatch", "connect", "Connection refused"] {
        assert!(!text.contains(leak), "{what}: leaked {leak}: {text}");
    }
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_a_clean_503_on_every_route() {
    let routers = unreachable_routers();
    for (router, request) in requests_needing_dynamodb() {
        let what = format!(
            "{} {} {:?}",
            request.method(),
            request.uri(),
            request.headers()
        );
        let response = routers[router].clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert_eq!(response.headers()[header::RETRY_AFTER], "1", "{what}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_clean_503(&serde_json::from_slice(&body).unwrap(), &what);
    }
}

#[tokio::test]
async fn ping_and_echo_need_no_database() {
    let [_, _, manager] = unreachable_routers();
    for (body, answer) in [
        (r#"{"operation":"ping"}"#, r#""pong""#),
        (r#"{"operation":"echo","payload":{"a":1}}"#, r#"{"a":1}"#),
    ] {
        let request = Request::post("/dynamodbmanager").body(Body::from(body));
        let response = manager.clone().oneshot(request.unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(bytes, answer.as_bytes(), "{body}");
    }
}

// ------------------------------------------------- DynamoDB killed

fn start_server(endpoint: String) -> SocketAddr {
    let settings = local_settings("faults", SITE);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            // The client the Lambdas build: same retry mode and timeouts as
            // production (`platform::dynamo`).
            let client = ClientBuilder::new(endpoint).production().build();
            local_api::ensure_tables(&settings, &client).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = local_api::app(&settings, client);
            let _ = local_api::serve(listener, app, std::future::pending()).await;
        });
    });
    rx.recv_timeout(Duration::from_secs(60)).unwrap()
}

#[derive(Debug)]
struct Outcome {
    status: u16,
    body: Value,
    elapsed: Duration,
    /// For a create: the item id.
    item: Option<String>,
}

/// The site whose views count (its only allowed origin).
const SITE: &str = "http://localhost:8080";

async fn count(base: &str) -> Outcome {
    let started = Instant::now();
    let response = http()
        .get(format!("{base}/visitorcount"))
        .header(reqwest::header::ORIGIN, SITE)
        .header(reqwest::header::USER_AGENT, BROWSER_USER_AGENT)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Outcome {
        status,
        body,
        elapsed: started.elapsed(),
        item: None,
    }
}

async fn create(base: &str, id: String) -> Outcome {
    let started = Instant::now();
    let response = http()
        .post(format!("{base}/dynamodbmanager"))
        .json(&json!({"operation": "create", "payload": {"Item": {"id": id, "n": 1}}}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Outcome {
        status,
        body,
        elapsed: started.elapsed(),
        item: Some(id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_dynamodb_mid_burst_gives_503s_then_recovers_without_losing_data() {
    let _heavy = heavy().await;
    let data = std::env::temp_dir().join(format!("faults-ddb-{}", uuid::Uuid::new_v4().simple()));
    let mut ddb = DynamoDbLocal::start(Storage::Dir(data.clone())).unwrap();
    let addr = start_server(ddb.endpoint());
    let base = format!("http://{addr}");
    // The stack is up once a view is counted; a DynamoDB Local that just
    // started can take a few seconds to answer within the production
    // timeouts on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut up = count(&base).await;
    while up.status != 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        up = count(&base).await;
    }
    assert_eq!(up.status, 200, "stack is up: {up:?}");

    // A burst of requests over about three seconds; DynamoDB dies after one.
    let burst_base = base.clone();
    let burst = tokio::spawn(async move {
        let mut tasks = Vec::new();
        for i in 0..150 {
            let b = burst_base.clone();
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    count(&b).await
                } else {
                    create(&b, format!("fault-{i}")).await
                }
            }));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        outcomes
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    tokio::task::block_in_place(|| ddb.kill());
    let outcomes = burst.await.unwrap();

    // Answers: 200 or a clean JSON 503, and none hangs past the SDK timeout.
    let limit = platform::dynamo::OPERATION_TIMEOUT + Duration::from_secs(3);
    let mut ok = 0;
    let mut unavailable = 0;
    for o in &outcomes {
        match o.status {
            200 => ok += 1,
            503 => {
                unavailable += 1;
                assert_clean_503(&o.body, &format!("{o:?}"));
            }
            _ => panic!("unexpected answer {o:?}"),
        }
        assert!(
            o.elapsed < limit,
            "a request took {:?} (limit {limit:?}): {o:?}",
            o.elapsed
        );
    }
    eprintln!("burst: {ok} answered 200, {unavailable} answered 503");
    assert!(ok > 0, "some requests ran before the kill");
    assert!(unavailable > 0, "some requests ran after the kill");

    // Back up, the same server process recovers by itself.
    tokio::task::block_in_place(|| ddb.restart()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let last = loop {
        let o = count(&base).await;
        if o.status == 200 {
            break o;
        }
        assert!(Instant::now() < deadline, "no recovery: {o:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let final_count = last.body["count"].as_u64().unwrap();

    // Every acknowledged increment is in the final count, each exactly once.
    let counts: Vec<u64> = outcomes
        .iter()
        .filter(|o| o.status == 200 && o.item.is_none())
        .map(|o| o.body["count"].as_u64().unwrap())
        .collect();
    let distinct: BTreeSet<u64> = counts.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        counts.len(),
        "a count was handed out twice: {counts:?}"
    );
    assert!(
        distinct.iter().all(|c| *c < final_count),
        "{counts:?} vs final {final_count}"
    );
    assert!(
        final_count > counts.len() as u64,
        "final {final_count}, acknowledged {}",
        counts.len()
    );

    // Every acknowledged create is still there.
    for o in outcomes
        .iter()
        .filter(|o| o.status == 200 && o.item.is_some())
    {
        let id = o.item.clone().unwrap();
        let read = http()
            .post(format!("{base}/dynamodbmanager"))
            .json(&json!({"operation": "read", "payload": {"Key": {"id": id}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200);
        let body: Value = read.json().await.unwrap();
        assert_eq!(
            body["Item"]["id"],
            json!(id),
            "acknowledged item lost: {body}"
        );
    }
    drop(ddb);
    let _ = std::fs::remove_dir_all(&data);
}
