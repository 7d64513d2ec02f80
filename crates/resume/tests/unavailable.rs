#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! With DynamoDB unreachable, the resume API answers 503 JSON without internals.

use axum::body::Body;
use http_body_util::BodyExt;
use platform::config::{from_pairs, HttpConfig};
use resume::ResumeConfig;
use tower::ServiceExt;

#[tokio::test]
async fn unreachable_dynamodb_is_a_clean_503() {
    // Port 9 (discard) refuses connections here: no DynamoDB behind it.
    let client = testkit::client("http://127.0.0.1:9");
    let config: ResumeConfig =
        from_pairs(&[("RESUME_TABLE", "resume-test"), ("RESUME_ID", "example")]).unwrap();
    let http: HttpConfig = from_pairs(&[("ALLOWED_ORIGINS", "")]).unwrap();
    let response = resume::router(&config, &http, client)
        .oneshot(http::Request::get("/resume").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"], "service_unavailable");
    let text = body.to_string();
    for leak in ["127.0.0.1", "dispatch", "connect", "Connection refused"] {
        assert!(!text.contains(leak), "leaked {leak}: {text}");
    }
}
