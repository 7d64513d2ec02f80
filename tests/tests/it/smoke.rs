#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The smoke subset the pipeline runs against production after promoting it
//! (`make smoke`). Non-destructive by design: it only reads (its counter call
//! is not a view from the site, so it is not counted). It never
//! opens a DynamoDB client, so it needs no AWS credentials: only `API_URL`.
//!
//! Without `API_URL` it runs against the local stack like every other file in
//! tests/, so `make test` proves these checks pass before they guard prod.

use crate::util::{http, json_error, stack, unique_id};
use reqwest::{header, StatusCode};
use serde_json::Value;

async fn get(path: &str) -> reqwest::Response {
    http().get(stack().url(path)).send().await.unwrap()
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_resume_is_served() {
    let response = get("/resume").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "GET /resume: the stage serves no resume (make resume-publish CONFIG_ENV=...: docs/resume.md#your-resume)"
    );
    assert_eq!(content_type(&response), "application/json");
    assert!(response.headers().contains_key(header::ETAG));
    let body: Value = response.json().await.unwrap();
    // Plain JSON Resume, never DynamoDB's typed attribute JSON.
    assert!(body["basics"]["name"].is_string(), "{body}");
    assert!(
        body.get("Item").is_none() && body.get("M").is_none(),
        "{body}"
    );
    // After the pipeline's publish: exactly the published file, as DynamoDB
    // stores it (`1.50` is served as `1.5`).
    if let Ok(file) = std::env::var("PUBLISHED_RESUME") {
        let text = std::fs::read_to_string(crate::util::workspace_root().join(&file)).unwrap();
        let published: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            model::item::as_stored(&body).unwrap(),
            model::item::as_stored(&published).unwrap(),
            "GET /resume is not {file}"
        );
    }
}

#[tokio::test]
async fn a_bad_id_gets_a_json_error() {
    json_error(
        get("/resume/bad!id").await,
        StatusCode::BAD_REQUEST,
        "invalid_id",
    )
    .await;
    // A well-formed id that exists nowhere: a read, so nothing is created.
    let missing = unique_id("smoke-missing");
    json_error(
        get(&format!("/resume/{missing}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_get_a_json_error() {
    // API Gateway answers a path it has no resource for as it answers an
    // unsigned call to an IAM route (MISSING_AUTHENTICATION_TOKEN, whose
    // message says both); the local server knows it is no route.
    // Behind API_URL it may be either (rehearse-staging serves local-api
    // there); the error body is the same shape in both.
    let response = get("/no-such-route").await;
    let (status, code) = match response.status() {
        StatusCode::FORBIDDEN if !stack().is_local() => {
            (StatusCode::FORBIDDEN, "missing_authentication_token")
        }
        _ => (StatusCode::NOT_FOUND, "not_found"),
    };
    json_error(response, status, code).await;
}

/// The manager is the owner's admin API: an unsigned call is refused before
/// it reaches the function, so it writes nothing.
#[tokio::test]
async fn an_unsigned_manager_request_is_refused() {
    let id = unique_id("smoke-unsigned");
    let body = format!(r#"{{"operation": "create", "payload": {{"Item": {{"id": "{id}"}}}}}}"#);
    let response = crate::util::unsigned_http()
        .post(stack().url("/dynamodbmanager"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    json_error(
        response,
        StatusCode::FORBIDDEN,
        "missing_authentication_token",
    )
    .await;
    if stack().is_local() {
        // Production's smoke run may not read the table (its role may not
        // call the manager); locally, check that nothing was written.
        let read = format!(
            r#"{{"operation": "read", "payload": {{"Key": {{"id": "{id}"}}, "ConsistentRead": true}}}}"#
        );
        let answer = http()
            .post(stack().url("/dynamodbmanager"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(read)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.json::<Value>().await.unwrap(), serde_json::json!({}));
    }
}

/// The counter answers, and a request that is not a view from the site (no
/// Origin or Referer, no browser) is not counted: smoke runs write nothing.
#[tokio::test]
async fn the_visitor_counter_answers_without_counting_a_bare_request() {
    let response = get("/visitorcount").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/json");
    let cache = response
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    let body: Value = response.json().await.unwrap();
    assert!(body["count"].as_u64().is_some(), "{body}");
    assert_eq!(body["counted"], false, "{body}");
}
