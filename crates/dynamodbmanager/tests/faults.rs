#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! An unreachable DynamoDB: every route that needs it answers a 503 JSON
//! error with Retry-After, never a 500 or a panic. How DynamoDB's own error
//! codes (throttling, server faults) map to statuses is unit-tested in
//! `platform::error`; what the routes do when DynamoDB works is tested against
//! DynamoDB Local in tests/it/manager.rs.

mod common;

use axum::body::Body;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// One request per route and operation that reaches DynamoDB.
fn requests() -> Vec<Request<Body>> {
    let manager = |body: &str| {
        Request::post("/dynamodbmanager")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    vec![
        manager(r#"{"operation":"create","payload":{"Item":{"id":"a"}}}"#),
        manager(r#"{"operation":"read","payload":{"Key":{"id":"a"}}}"#),
        manager(
            r#"{"operation":"update","payload":{"Key":{"id":"a"},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":1}}}"#,
        ),
        manager(r#"{"operation":"delete","payload":{"Key":{"id":"a"}}}"#),
        manager(r#"{"operation":"list","payload":{}}"#),
        Request::get("/items").body(Body::empty()).unwrap(),
        Request::get("/items/a").body(Body::empty()).unwrap(),
        Request::put("/items/a").body(Body::from("{}")).unwrap(),
        Request::delete("/items/a").body(Body::empty()).unwrap(),
    ]
}

async fn expect_all(client: aws_sdk_dynamodb::Client, status: StatusCode, code: &str) {
    let router = common::router(client);
    for request in requests() {
        let what = format!("{} {}", request.method(), request.uri());
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert_eq!(response.headers()[header::RETRY_AFTER], "1", "{what}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], code, "{what}");
        // Connection details are internals: never shown.
        assert!(!body.to_string().contains("127.0.0.1"), "{what}: {body}");
    }
}

#[tokio::test]
async fn an_unavailable_dynamodb_is_503() {
    expect_all(
        common::unreachable_client(),
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
}

#[tokio::test]
async fn echo_and_ping_need_no_database() {
    let router = common::router(common::unreachable_client());
    let response = router
        .oneshot(
            Request::post("/dynamodbmanager")
                .body(Body::from(r#"{"operation":"ping"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
