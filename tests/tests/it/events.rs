#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Every file in events/, replayed once, as the Lambda runtime reads it:
//! lambda_http's deserialisation, then `platform::lambda::service` around
//! the router of the function template.yaml routes it to, configured from
//! env.json, against DynamoDB Local. Each must get the status listed here; a
//! new event file fails until it is listed, and an event that stops working
//! fails too.
//!
//! Also here: the counter's visitors told apart by the event's `sourceIp`
//! (variants of `visitorcount-get.json`), and what lambda_http and the
//! routers make of the stage in an event's path, with
//! `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` unset and set.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use aws_sdk_dynamodb::Client;
use axum::Router;
use dynamodbmanager::ManagerConfig;
use http::{header, HeaderMap, StatusCode, Uri};
use http_body_util::BodyExt;
use iac_checks::{settings_from, Template};
use platform::config::HttpConfig;
use platform::dynamo::{MANAGER_TABLE, RESUME_TABLE};
use resume::ResumeConfig;
use serde_json::Value;
use time::OffsetDateTime;
use tower::ServiceExt;
use visitor_counter::CounterConfig;

use crate::counter::{counts, fixed_clock, ALLOWED_ORIGIN, FOREIGN_ORIGIN};
use crate::counter_fixture::Counter;
use crate::util::{dynamodb_local, workspace_root};

/// Each event file and the status it must get, in the order they run: the
/// manager's events build on each other (create, read, update, list, delete).
const EXPECTED: &[(&str, u16)] = &[
    // The resume seeded from data/resume.json under env.json's RESUME_ID.
    ("resume-get.json", 200),
    ("resume-get-stage-path.json", 200),
    ("resume-get-custom-domain-root.json", 200),
    ("resume-get-custom-domain-base-path.json", 200),
    ("resume-get-by-id.json", 200),
    ("resume-get-by-id-stage-path.json", 200),
    ("resume-get-by-id-missing.json", 404),
    ("resume-get-by-id-invalid.json", 400),
    ("resume-get-if-none-match.json", 304),
    ("resume-preflight.json", 200),
    ("resume-preflight-by-id.json", 200),
    ("resume-preflight-foreign-origin.json", 403),
    ("visitorcount-get.json", 200),
    ("visitorcount-get-custom-domain-base-path.json", 200),
    ("visitorcount-options.json", 200),
    ("visitorcount-stats-get.json", 200),
    ("visitorcount-stats-options.json", 200),
    ("dynamodbmanager-ping.json", 200),
    ("dynamodbmanager-echo.json", 200),
    ("dynamodbmanager-base64.json", 200),
    ("dynamodbmanager-form-encoded.json", 200),
    ("dynamodbmanager-create.json", 200),
    ("dynamodbmanager-read.json", 200),
    ("dynamodbmanager-update.json", 200),
    ("dynamodbmanager-list.json", 200),
    ("dynamodbmanager-delete.json", 200),
    ("dynamodbmanager-foreign-table.json", 403),
    ("preflight-dynamodbmanager.json", 200),
    ("items-put.json", 201),
    ("items-get.json", 200),
    // The same routes through a custom domain, mapped at the root and at the
    // base path `v1` (API Gateway leaves `/v1` in the event's path).
    ("items-get-custom-domain-root.json", 200),
    ("items-get-custom-domain-base-path.json", 200),
    ("preflight-items-id-custom-domain-base-path.json", 200),
    ("items-list.json", 200),
    ("items-delete.json", 204),
    ("preflight-items.json", 200),
    ("preflight-items-id.json", 200),
    // The signed resume writes (IAM is API Gateway's, before the function).
    ("resume-write-put.json", 201),
    ("resume-write-delete.json", 204),
];

/// The events run as in a stack deployed with `BasePath=v1` (template.yaml
/// sets `API_BASE_PATH` from it): every form of path must reach its route,
/// through the execute-api URL (with the stage), a custom domain mapped at
/// the root, and one mapped at `/v1`.
fn base_path() -> platform::config::BasePath {
    "v1".parse().unwrap()
}

fn event_files() -> BTreeSet<String> {
    std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect()
}

/// An event file's text and JSON.
fn read_event(file: &str) -> (String, Value) {
    let text = std::fs::read_to_string(workspace_root().join("events").join(file)).unwrap();
    let event = serde_json::from_str(&text).unwrap();
    (text, event)
}

/// env.json's variables for `function` (its own over the shared ones), as
/// `sam local` would give them.
fn env_json(function: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(workspace_root().join("env.json")).unwrap();
    let env: Value = serde_json::from_str(&text).unwrap();
    let mut vars = BTreeMap::new();
    for section in [&env["Parameters"], &env[function]] {
        for (k, v) in section.as_object().unwrap() {
            vars.insert(k.clone(), v.as_str().unwrap().to_owned());
        }
    }
    vars
}

/// The three functions as env.json configures them, on their tables in
/// DynamoDB Local, the resume seeded.
struct Functions {
    /// Logical id -> the service the Lambda runs.
    routers: BTreeMap<String, Router>,
    /// (METHOD, resource) -> logical id, from template.yaml.
    routes: BTreeMap<(String, String), String>,
    allowed_origins: Vec<String>,
    resume_id: String,
}

async fn functions(client: &Client) -> Functions {
    let env = |function| env_json(function);
    let (resume_env, manager_env, counter_env) = (
        env("ResumeFunction"),
        env("DynamoDbManagerFunction"),
        env("VisitorCounterFunction"),
    );
    let resume: ResumeConfig = settings_from(&resume_env).unwrap();
    let manager: ManagerConfig = settings_from(&manager_env).unwrap();
    let counter: CounterConfig = settings_from(&counter_env).unwrap();
    let tables = [
        (RESUME_TABLE, resume.table.as_str()),
        (MANAGER_TABLE, manager.table.as_str()),
    ];
    for (spec, name) in tables.into_iter().chain(counter.tables()) {
        spec.ensure(client, name).await.unwrap();
    }
    let resume_id = resume.default_id.to_string();
    local_api::publish(
        client.clone(),
        resume.table.as_str(),
        &resume_id,
        &seeded_text(),
    )
    .await
    .unwrap();
    let http = |vars| settings_from::<HttpConfig>(vars).unwrap();
    let routers = BTreeMap::from([
        (
            "ResumeFunction".to_owned(),
            resume::router(&resume, &http(&resume_env), client.clone()),
        ),
        (
            "ResumeWriteFunction".to_owned(),
            resume::write_router(&resume, &http(&resume_env), client.clone()),
        ),
        (
            "DynamoDbManagerFunction".to_owned(),
            dynamodbmanager::router(&manager, &http(&manager_env), client.clone()),
        ),
        (
            "VisitorCounterFunction".to_owned(),
            visitor_counter::router(&counter, &http(&counter_env), client.clone()),
        ),
    ]);
    let allowed_origins = resume_env["ALLOWED_ORIGINS"]
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    Functions {
        routers,
        routes: template_routes(),
        allowed_origins,
        resume_id,
    }
}

/// (METHOD, resource) -> the logical id of the function template.yaml
/// routes it to.
fn template_routes() -> BTreeMap<(String, String), String> {
    let template = Template::load().unwrap();
    let mut routes = BTreeMap::new();
    for (id, function) in template.functions() {
        for route in Template::routes(function) {
            routes.insert(route, id.clone());
        }
    }
    routes
}

fn seeded_text() -> String {
    std::fs::read_to_string(workspace_root().join("data/resume.json")).unwrap()
}

/// What a function answered to an event.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} without JSON ({e}): {}", self.status, self.text()))
    }
}

impl Functions {
    /// The event `text` through its function, exactly as the runtime does.
    async fn replay(&self, file: &str, text: &str, route: &(String, String)) -> Answer {
        let function = self
            .routes
            .get(route)
            .unwrap_or_else(|| panic!("{file}: no function for {route:?}"));
        let request: lambda_http::request::LambdaRequest = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{file}: not an event lambda_http reads: {e}"));
        let request = lambda_http::Request::from(request);
        let service = platform::lambda::service(self.routers[function].clone(), &base_path());
        let response = service.oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: body.to_vec(),
        }
    }
}

fn route_of(event: &Value) -> (String, String) {
    (
        event["httpMethod"].as_str().unwrap().to_owned(),
        event["resource"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn every_event_file_gets_its_status_through_its_function() {
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(f, _)| (*f).to_owned()).collect();
    assert_eq!(listed.len(), EXPECTED.len(), "a file is listed twice");
    assert_eq!(
        event_files(),
        listed,
        "events/ and this test's list differ: list each new event with its status"
    );
    let f = functions(&testkit::client(dynamodb_local())).await;
    for (file, want) in EXPECTED {
        let (text, event) = read_event(file);
        assert_eq!(event["requestContext"]["stage"], "Prod", "{file}");
        let route = route_of(&event);
        let answer = f.replay(file, &text, &route).await;
        assert_eq!(answer.status.as_u16(), *want, "{file}: {}", answer.text());
        check_request_id_and_cors(&f, file, &event, &answer);
        if route.0 == "GET" && route.1.starts_with("/resume") && answer.status == StatusCode::OK {
            check_seeded_resume(&f, file, &event, &answer);
        }
        check_manager_answer(file, &text, &answer);
    }
}

/// The id API Gateway logs is the one the response carries; errors are the
/// JSON error; CORS headers go to allowed origins only.
fn check_request_id_and_cors(f: &Functions, file: &str, event: &Value, answer: &Answer) {
    let request_id = &event["requestContext"]["requestId"];
    assert_eq!(
        answer.headers["x-request-id"].to_str().unwrap(),
        request_id.as_str().unwrap(),
        "{file}"
    );
    let origin = event["headers"]["Origin"].as_str();
    let allowed = origin.is_some_and(|o| f.allowed_origins.iter().any(|a| a == o));
    let cors = answer.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    if answer.status.is_client_error() || answer.status.is_server_error() {
        let error = answer.json();
        assert!(
            error["error"].is_string() && error["message"].is_string(),
            "{file}"
        );
        assert_eq!(&error["requestId"], request_id, "{file}");
    } else if allowed {
        let cors = cors.unwrap_or_else(|| panic!("{file}: no CORS headers"));
        assert_eq!(cors.to_str().unwrap(), origin.unwrap_or_default(), "{file}");
    }
    if !allowed {
        assert!(cors.is_none(), "{file}: a foreign origin got CORS headers");
    }
}

/// A resume served is the one seeded, with its ETag, under the id asked for.
fn check_seeded_resume(f: &Functions, file: &str, event: &Value, answer: &Answer) {
    let seeded: Value = serde_json::from_str(&seeded_text()).unwrap();
    assert_eq!(answer.json(), seeded, "{file}: not the seeded resume");
    assert!(answer.headers.contains_key(header::ETAG), "{file}");
    assert!(
        event["path"].as_str().unwrap().ends_with("/resume")
            || event["pathParameters"]["id"].as_str() == Some(f.resume_id.as_str()),
        "{file}"
    );
}

/// What the manager's events answer, beyond their status: the bodies of the
/// operations that need no table (whatever way the body came), a refused
/// foreign table named, and the item the create stored.
fn check_manager_answer(file: &str, text: &str, answer: &Answer) {
    let big = "12345678901234567890123456789012345678";
    let exact = match file {
        "dynamodbmanager-ping.json" => r#""pong""#.to_owned(),
        "dynamodbmanager-echo.json" => {
            format!(r#"{{"big":{big},"somekey1":"somevalue1","somekey2":"somevalue2"}}"#)
        }
        "dynamodbmanager-form-encoded.json" => {
            assert!(text.contains("application/x-www-form-urlencoded"));
            r#"{"rate":0.1,"sent":"by curl -d without -H"}"#.to_owned()
        }
        "dynamodbmanager-base64.json" => {
            let event: Value = serde_json::from_str(text).unwrap();
            assert_eq!(event["isBase64Encoded"], true);
            assert!(!event["body"].as_str().unwrap().contains('{'));
            format!(r#"{{"big":{big},"encoded":"base64 by API Gateway","text":"Zoë"}}"#)
        }
        _ => return check_manager_table_answer(file, answer),
    };
    assert_eq!(answer.text(), exact, "{file}");
}

fn check_manager_table_answer(file: &str, answer: &Answer) {
    match file {
        "dynamodbmanager-foreign-table.json" => {
            let body = answer.json();
            assert_eq!(body["error"], "forbidden");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains("someone-elses-table"), "{message}");
        }
        "dynamodbmanager-read.json" => {
            assert_eq!(answer.json()["Item"]["id"], "event-item-1", "{file}")
        }
        "items-get.json" => assert_eq!(answer.json()["id"], "event-item-2", "{file}"),
        _ => {}
    }
}

// ------------------------------------- the counter, told apart by sourceIp

/// `event` through `router` as the Lambda runtime runs it.
async fn invoke(router: &axum::Router, event: &Value) -> (u16, http::HeaderMap, String) {
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = platform::lambda::service(router.clone(), &Default::default())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn api_gateway_events_count_by_source_ip_through_the_lambda_adapter() {
    let router = Counter::new()
        .await
        .app(fixed_clock(OffsetDateTime::now_utc()));
    let (_, get) = read_event("visitorcount-get.json");
    assert_eq!(get["requestContext"]["stage"], "Prod");
    assert_eq!(get["requestContext"]["resourcePath"], "/visitorcount");

    // The event as recorded: allowed origin, a count, CORS, no-store.
    let (status, headers, body) = invoke(&router, &get).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counts(&body), (1, 1));
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["access-control-allow-origin"], ALLOWED_ORIGIN);

    // Visitors are told apart by sourceIp, never by X-Forwarded-For.
    let script = [
        ("203.0.113.7", "198.51.100.1", 1),
        ("203.0.113.8", "203.0.113.7", 2),
        ("2001:db8::1", "203.0.113.7", 3),
        ("203.0.113.8", "198.51.100.2", 3),
        ("::ffff:203.0.113.7", "198.51.100.3", 3),
        ("2001:db8::1", "2001:db8::2", 3),
        ("2001:db8::2", "2001:db8::1", 4),
    ];
    for (i, (source_ip, forwarded, unique)) in script.into_iter().enumerate() {
        let mut e = get.clone();
        e["requestContext"]["identity"]["sourceIp"] = source_ip.into();
        e["headers"]["X-Forwarded-For"] = forwarded.into();
        e["multiValueHeaders"]["X-Forwarded-For"] = serde_json::json!([forwarded]);
        let (status, _, body) = invoke(&router, &e).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(counts(&body), (i as u64 + 2, unique), "{source_ip}");
    }

    // A foreign origin: refused, as over HTTP, without CORS headers.
    let mut foreign = get.clone();
    foreign["headers"]["Origin"] = FOREIGN_ORIGIN.into();
    foreign["multiValueHeaders"]["Origin"] = serde_json::json!([FOREIGN_ORIGIN]);
    let (status, headers, body) = invoke(&router, &foreign).await;
    assert_eq!(status, 403, "{body}");
    assert!(!headers.contains_key("access-control-allow-origin"));

    // The preflight event: answered with the allow headers...
    let (_, options) = read_event("visitorcount-options.json");
    assert_eq!(options["httpMethod"], "OPTIONS");
    let (status, headers, _) = invoke(&router, &options).await;
    assert!((200..300).contains(&status), "{status}");
    assert_eq!(headers["access-control-allow-origin"], ALLOWED_ORIGIN);
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("GET"));
    // ...but not for a foreign origin.
    let mut foreign = options.clone();
    foreign["headers"]["Origin"] = FOREIGN_ORIGIN.into();
    foreign["multiValueHeaders"]["Origin"] = serde_json::json!([FOREIGN_ORIGIN]);
    let (_, headers, _) = invoke(&router, &foreign).await;
    assert!(!headers.contains_key("access-control-allow-origin"));
    assert!(!headers.contains_key("access-control-allow-methods"));
}

// ------------------------------- the counter behind the site's distribution

/// The distribution's `X-Origin-Verify` value in these tests.
const ORIGIN_SECRET: &str = "test-origin-secret-0123456789abcdef";
/// A CloudFront edge: API Gateway's `sourceIp` for everything it forwards.
const EDGE: &str = "130.176.1.23";

/// `event` with header `name` set to `value` (or removed), in both of an
/// event's header maps.
fn with_header(mut event: Value, name: &str, value: Option<&str>) -> Value {
    for map in ["headers", "multiValueHeaders"] {
        let headers = event[map].as_object_mut().unwrap();
        headers.retain(|k, _| !k.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            let value = if map == "headers" {
                value.into()
            } else {
                serde_json::json!([value])
            };
            headers.insert(name.to_owned(), value);
        }
    }
    event
}

/// `visitorcount-get.json` as the site's page fetches it through the
/// distribution: same-origin (no `Origin`, a `Referer` on the
/// distribution's own domain, which no setting lists), from `EDGE`, with
/// the viewer's address and `verify` as CloudFront adds them.
fn through_the_distribution(viewer: &str, verify: Option<&str>) -> Value {
    let (_, get) = read_event("visitorcount-get.json");
    let mut e = with_header(get, "Origin", None);
    for (name, value) in [
        ("Referer", Some("https://d111111abcdef8.cloudfront.net/")),
        ("Sec-Fetch-Site", Some("same-origin")),
        ("Sec-Fetch-Mode", Some("cors")),
        ("CloudFront-Viewer-Address", Some(viewer)),
        ("X-Origin-Verify", verify),
    ] {
        e = with_header(e, name, value);
    }
    e["requestContext"]["identity"]["sourceIp"] = EDGE.into();
    e
}

/// The counter's numbers in a body, counted or not.
fn numbers(body: &str) -> (bool, u64, u64) {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {body}"));
    (
        v["counted"].as_bool().unwrap(),
        n("count"),
        n("unique_today"),
    )
}

#[tokio::test]
async fn behind_the_distribution_viewers_count_apart_and_forged_viewers_do_not() {
    let mut counter = Counter::new().await;
    counter.config.origin_verify_secret = ORIGIN_SECRET.parse().unwrap();
    let router = counter.app(fixed_clock(OffsetDateTime::now_utc()));
    let secret = Some(ORIGIN_SECRET);
    // (what, event, counted, count, unique_today)
    let direct = |viewer: &str, verify: Option<&str>| {
        // A client calling the execute-api URL itself, with the site's
        // Origin and CloudFront's headers written by hand.
        let mut e = through_the_distribution(viewer, verify);
        e = with_header(e, "Origin", Some(ALLOWED_ORIGIN));
        e["requestContext"]["identity"]["sourceIp"] = "203.0.113.66".into();
        e
    };
    let mut repeat = through_the_distribution("198.51.100.1:61000", secret);
    repeat["requestContext"]["identity"]["sourceIp"] = "130.176.9.9".into();
    let foreign = with_header(
        with_header(
            through_the_distribution("198.51.100.5:1", secret),
            "Sec-Fetch-Site",
            Some("cross-site"),
        ),
        "Referer",
        Some("https://evil.example/"),
    );
    let curl = {
        let mut e = through_the_distribution("198.51.100.6:1", secret);
        for name in ["Referer", "Sec-Fetch-Site", "Sec-Fetch-Mode"] {
            e = with_header(e, name, None);
        }
        e
    };
    let script: Vec<(&str, Value, bool, u64, u64)> = vec![
        (
            "viewer A, same-origin",
            through_the_distribution("198.51.100.1:50001", secret),
            true,
            1,
            1,
        ),
        (
            "viewer B, same edge",
            through_the_distribution("2001:db8::7:50002", secret),
            true,
            2,
            2,
        ),
        ("viewer A via another edge", repeat, true, 3, 2),
        // Believed, this would be viewer A again (unique_today 2).
        (
            "a direct call forging A",
            direct("198.51.100.1:50001", None),
            true,
            4,
            3,
        ),
        // Believed, D would be a new visitor (4).
        (
            "a direct call forging D, wrong secret",
            direct("198.51.100.4:1", Some("a-guess-0123456789abcdef0123456789")),
            true,
            5,
            3,
        ),
        (
            "a direct call forging C",
            direct("198.51.100.3:1", None),
            true,
            6,
            3,
        ),
        ("another site's page", foreign, false, 6, 3),
        ("neither signal", curl.clone(), false, 6, 3),
        (
            "curl",
            with_header(curl, "User-Agent", Some("curl/8.5.0")),
            false,
            6,
            3,
        ),
    ];
    for (what, event, counted, count, unique) in script {
        let (status, _, body) = invoke(&router, &event).await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!(numbers(&body), (counted, count, unique), "{what}: {body}");
    }

    // Without ORIGIN_VERIFY_SECRET nothing is believed: the edge is one
    // visitor, whatever the viewer headers say (the behaviour before).
    let plain = Counter::new()
        .await
        .app(fixed_clock(OffsetDateTime::now_utc()));
    for (i, viewer) in ["198.51.100.1:50001", "198.51.100.2:50002"]
        .iter()
        .enumerate()
    {
        let (_, _, body) = invoke(&plain, &through_the_distribution(viewer, secret)).await;
        assert_eq!(counts(&body), (i as u64 + 1, 1), "{viewer}: {body}");
    }
}

// ------------------------------------------------- the stage in the path

const IGNORE_STAGE: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";
/// Set in the processes [`routers_see_the_path_without_the_stage_either_way`]
/// starts: check in the mode the environment says.
const STAGE_CHILD: &str = "IT_STAGE_MODE_CHILD";
const STAGE_TEST: &str = "events::routers_see_the_path_without_the_stage_either_way";

/// lambda_http reads `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` on every
/// request, so each setting is checked in a process of its own (this binary
/// again, for this test alone): changing the variable here would change it
/// under every test running beside this one.
#[tokio::test]
async fn routers_see_the_path_without_the_stage_either_way() {
    if std::env::var_os(STAGE_CHILD).is_some() {
        return check_every_stage_path().await;
    }
    for ignore in [false, true] {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child.args([STAGE_TEST, "--exact"]).env(STAGE_CHILD, "1");
        if ignore {
            child.env(IGNORE_STAGE, "true");
        } else {
            child.env_remove(IGNORE_STAGE);
        }
        let out = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let said = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{IGNORE_STAGE} set: {ignore}\n{said}");
        assert!(stdout.contains("1 passed"), "{said}");
    }
}

/// Every event in this process's setting of the variable: lambda_http adds
/// the stage to the path unless it is set (then the path is left as sent);
/// the routers never see the stage either way.
async fn check_every_stage_path() {
    let ignore = std::env::var_os(IGNORE_STAGE).is_some();
    let files = event_files();
    assert!(files.len() > 10);
    let mut with_stage = 0;
    for file in &files {
        let (text, event) = read_event(file);
        let stage = event["requestContext"]["stage"].as_str().unwrap();
        let path = event["path"].as_str().unwrap();
        let bare = path
            .strip_prefix(&format!("/{stage}"))
            .filter(|rest| rest.starts_with('/'))
            .unwrap_or(path);
        with_stage += usize::from(bare != path);
        let raw = lambda_http::request::from_str(&text).unwrap();
        let want = if ignore {
            path.to_owned()
        } else {
            format!("/{stage}{bare}")
        };
        assert_eq!(raw.uri().path(), want, "{file}");
        let seen = seen_by_router(&text).await;
        assert_eq!(seen, bare, "{file} with {IGNORE_STAGE} set: {ignore}");
    }
    assert!(with_stage > 0, "no event carries the /Prod/ form");
}

/// The path a router sees for the event `text`.
async fn seen_by_router(text: &str) -> String {
    let echo = Router::new().fallback(|uri: Uri| async move { uri.path().to_owned() });
    let request = lambda_http::request::from_str(text).unwrap();
    let response = platform::lambda::service(echo, &Default::default())
        .oneshot(request)
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}
