#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Every file in events/ is read by lambda_http as the Lambda runtime reads
//! it, sent through the service of the function template.yaml routes it to
//! (configured from env.json, against DynamoDB Local), and must answer with
//! the status listed here. A new event file fails this test until it is
//! listed; an event that stops working fails it too.
//!
//! Also here: the local server (crates/local-api) answers exactly the
//! template's methods on the template's paths.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::Client;
use axum::Router;
use dynamodbmanager::ManagerConfig;
use http::{header, Method, StatusCode};
use http_body_util::BodyExt;
use iac_checks::{settings_from, workspace_root, Template};
use platform::config::HttpConfig;
use platform::dynamo::{MANAGER_TABLE, RESUME_TABLE};
use resume::ResumeConfig;
use serde_json::Value;
use tower::ServiceExt;
use visitor_counter::CounterConfig;

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

/// Environment variables by name.
struct Vars(BTreeMap<String, String>);

/// env.json's variables for `function` (its own over the shared ones), as
/// `sam local` would give them.
fn env_json(function: &str) -> Vars {
    let text = std::fs::read_to_string(workspace_root().join("env.json")).unwrap();
    let env: Value = serde_json::from_str(&text).unwrap();
    let mut vars = BTreeMap::new();
    for section in [&env["Parameters"], &env[function]] {
        for (k, v) in section.as_object().unwrap() {
            vars.insert(k.clone(), v.as_str().unwrap().to_owned());
        }
    }
    Vars(vars)
}

struct Functions {
    /// Logical id -> the service the Lambda runs.
    routers: BTreeMap<String, Router>,
    /// (METHOD, resource) -> logical id, from template.yaml.
    routes: BTreeMap<(String, String), String>,
    allowed_origins: Vec<String>,
    resume_id: String,
}

async fn functions(client: &Client) -> Functions {
    let resume_env = env_json("ResumeFunction").0;
    let manager_env = env_json("DynamoDbManagerFunction").0;
    let counter_env = env_json("VisitorCounterFunction").0;
    let resume: ResumeConfig = settings_from(&resume_env).unwrap();
    let manager: ManagerConfig = settings_from(&manager_env).unwrap();
    let counter: CounterConfig = settings_from(&counter_env).unwrap();
    let http = |vars| settings_from::<HttpConfig>(vars).unwrap();
    let tables = [
        (RESUME_TABLE, resume.table.as_str()),
        (MANAGER_TABLE, manager.table.as_str()),
    ];
    for (spec, name) in tables.into_iter().chain(counter.tables()) {
        spec.ensure(client, name).await.unwrap();
    }
    let example = std::fs::read_to_string(workspace_root().join("data/resume.json")).unwrap();
    let resume_id = resume.default_id.to_string();
    local_api::seed(client.clone(), resume.table.as_str(), &resume_id, &example)
        .await
        .unwrap();

    let template = Template::load().unwrap();
    let mut routes = BTreeMap::new();
    for (id, function) in template.functions() {
        for route in Template::routes(function) {
            routes.insert(route, id.clone());
        }
    }
    let allowed_origins = env_json("ResumeFunction").0["ALLOWED_ORIGINS"]
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    Functions {
        routers: BTreeMap::from([
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
        ]),
        routes,
        allowed_origins,
        resume_id,
    }
}

fn event_files() -> BTreeSet<String> {
    std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect()
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

    let client = testkit::client(testkit::dynamodb_local());
    let f = functions(&client).await;
    let seeded: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("data/resume.json")).unwrap(),
    )
    .unwrap();

    for (file, want) in EXPECTED {
        let text = std::fs::read_to_string(workspace_root().join("events").join(file)).unwrap();
        let event: Value = serde_json::from_str(&text).unwrap();
        let route = (
            event["httpMethod"].as_str().unwrap().to_owned(),
            event["resource"].as_str().unwrap().to_owned(),
        );
        let function = f
            .routes
            .get(&route)
            .unwrap_or_else(|| panic!("{file}: no function for {route:?}"));

        // Exactly what the runtime does: lambda_http's deserialisation into
        // an http::Request, then platform::lambda::service around the router.
        let request: lambda_http::request::LambdaRequest = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{file}: not an event lambda_http reads: {e}"));
        let request = lambda_http::Request::from(request);
        let service = platform::lambda::service(f.routers[function].clone(), &base_path());
        let response = service.oneshot(request).await.unwrap();

        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text_body = String::from_utf8_lossy(&body);
        assert_eq!(status.as_u16(), *want, "{file} ({function}): {text_body}");

        // The id API Gateway logs is the one the response carries.
        assert_eq!(
            headers["x-request-id"].to_str().unwrap(),
            event["requestContext"]["requestId"].as_str().unwrap(),
            "{file}"
        );
        let origin = event["headers"]["Origin"].as_str();
        let allowed = origin.is_some_and(|o| f.allowed_origins.iter().any(|a| a == o));
        if status.is_client_error() || status.is_server_error() {
            let error: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
                panic!("{file}: {status} without a JSON error ({e}): {text_body}")
            });
            assert!(
                error["error"].is_string() && error["message"].is_string(),
                "{file}"
            );
            assert_eq!(error["requestId"], event["requestContext"]["requestId"]);
        } else if allowed {
            assert_eq!(
                headers[header::ACCESS_CONTROL_ALLOW_ORIGIN]
                    .to_str()
                    .unwrap(),
                origin.unwrap_or_default(),
                "{file}"
            );
        }
        if !allowed {
            assert!(
                !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
                "{file}: a foreign origin got CORS headers"
            );
        }
        if route.0 == "GET" && route.1.starts_with("/resume") && status == StatusCode::OK {
            let served: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(served, seeded, "{file}: not the seeded resume");
            assert!(headers.contains_key(header::ETAG), "{file}");
            assert!(
                event["path"].as_str().unwrap().ends_with("/resume")
                    || event["pathParameters"]["id"].as_str() == Some(f.resume_id.as_str()),
                "{file}"
            );
        }
    }
}

#[tokio::test]
async fn the_local_server_answers_exactly_the_template_routes() {
    let client = testkit::client(testkit::dynamodb_local());
    // Its own table names: the other test in this process uses env.json's,
    // which are also local-api's defaults.
    // `local-api`'s settings, as `make dev` parses them, without the SigV4
    // gate: this is about routing (the gate answers 403 before any route,
    // as API Gateway does; the sigv4 tests cover it).
    let settings = local_api::Settings::from_args([
        "local-api",
        "--no-iam-auth",
        "--resume-table",
        "parity-resume",
        "--manager-table",
        "parity-manager",
        "--counter-table",
        "parity-counter",
        "--visits-table",
        "parity-visits",
    ])
    .unwrap();
    local_api::ensure_tables(&settings, &client).await.unwrap();
    let app = local_api::app(&settings, client);

    let template = Template::load().unwrap();
    let mut routes: BTreeMap<String, BTreeSet<Method>> = BTreeMap::new();
    for (_, function) in template.functions() {
        for (method, path) in Template::routes(function) {
            routes
                .entry(path)
                .or_default()
                .insert(method.parse().unwrap());
        }
    }
    for (path, methods) in &routes {
        let concrete = path.replace("{id}", "iac-route-probe");
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            let request = http::Request::builder()
                .method(method.clone())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from("{}"))
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body: Value =
                serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes())
                    .unwrap_or(Value::Null);
            let no_route = status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && body["message"] == "no such route");
            assert_eq!(
                !no_route,
                methods.contains(&method),
                "{method} {path}: local server says {status} {body}, template routes {methods:?}"
            );
        }
    }
}
