#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Every `events/dynamodbmanager-*.json` and `events/items-*.json` file (API
//! Gateway REST proxy events, stage `Prod`) is read by lambda_http and sent
//! through the Lambda's service exactly as the runtime would. No DynamoDB is
//! needed: operations that reach it answer 503 from an unreachable endpoint,
//! which shows the event was parsed and routed to the right call.

mod common;

use std::path::PathBuf;

use http::StatusCode;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

struct Answer {
    status: StatusCode,
    request_id: String,
    body: Vec<u8>,
}

async fn run(file: &str) -> Answer {
    let text = std::fs::read_to_string(events_dir().join(file)).unwrap();
    let event: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(event["requestContext"]["stage"], "Prod", "{file}");
    let request = lambda_http::request::from_str(&text).unwrap();
    // As deployed with `BasePath=v1`: the custom-domain events carry `/v1`,
    // the others the stage, and both reach their routes.
    let base_path: platform::config::BasePath = "v1".parse().unwrap();
    let service =
        platform::lambda::service(common::router(common::unreachable_client()), &base_path);
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        request_id,
        event["requestContext"]["requestId"].as_str().unwrap(),
        "{file}: the id API Gateway logs is the one we answer with"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        request_id,
        body: body.to_vec(),
    }
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn every_event_file_is_covered_here() {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("dynamodbmanager-") || n.starts_with("items-"))
        .collect();
    files.sort();
    let mut expected: Vec<&str> = DATABASE_EVENTS.to_vec();
    expected.extend([
        "dynamodbmanager-base64.json",
        "dynamodbmanager-echo.json",
        "dynamodbmanager-foreign-table.json",
        "dynamodbmanager-form-encoded.json",
        "dynamodbmanager-ping.json",
    ]);
    expected.sort();
    assert_eq!(files, expected);
}

const DATABASE_EVENTS: [&str; 11] = [
    "dynamodbmanager-create.json",
    "dynamodbmanager-delete.json",
    "dynamodbmanager-list.json",
    "dynamodbmanager-read.json",
    "dynamodbmanager-update.json",
    "items-delete.json",
    "items-get.json",
    "items-get-custom-domain-base-path.json",
    "items-get-custom-domain-root.json",
    "items-list.json",
    "items-put.json",
];

#[tokio::test]
async fn database_events_reach_dynamodb() {
    for file in DATABASE_EVENTS {
        let answer = run(file).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{file}");
        let body = json(&answer.body);
        assert_eq!(body["error"], "service_unavailable", "{file}");
        assert_eq!(body["requestId"], answer.request_id.as_str());
    }
}

#[tokio::test]
async fn ping_and_echo_events() {
    let answer = run("dynamodbmanager-ping.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, br#""pong""#);

    let answer = run("dynamodbmanager-echo.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"big":12345678901234567890123456789012345678,"somekey1":"somevalue1","somekey2":"somevalue2"}"#
    );
}

#[tokio::test]
async fn a_form_encoded_body_is_read_as_json() {
    let text =
        std::fs::read_to_string(events_dir().join("dynamodbmanager-form-encoded.json")).unwrap();
    assert!(text.contains("application/x-www-form-urlencoded"));
    let answer = run("dynamodbmanager-form-encoded.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"rate":0.1,"sent":"by curl -d without -H"}"#
    );
}

#[tokio::test]
async fn a_base64_body_arrives_decoded() {
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(events_dir().join("dynamodbmanager-base64.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(event["isBase64Encoded"], true);
    assert!(!event["body"].as_str().unwrap().contains('{'));
    let answer = run("dynamodbmanager-base64.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"big":12345678901234567890123456789012345678,"encoded":"base64 by API Gateway","text":"Zoë"}"#
    );
}

#[tokio::test]
async fn a_foreign_table_is_refused_before_any_call() {
    let answer = run("dynamodbmanager-foreign-table.json").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let body = json(&answer.body);
    assert_eq!(body["error"], "forbidden");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("someone-elses-table"));
}
