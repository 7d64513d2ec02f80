#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The routers, merged as the local server serves them, answer exactly the
//! routes template.yaml gives API Gateway and docs/openapi.yaml documents:
//! each such method on those paths is served, every other method is a 405
//! (or the framework's 404 "no such route"). DynamoDB is not needed: a route
//! that reaches it answers 503 here, which is still a route.

use std::collections::BTreeSet;

use axum::body::Body;
use http::{header, Method, StatusCode};
use http_body_util::BodyExt;
use iac_checks::{contract_routes, Template};
use serde_json::Value;
use tower::ServiceExt;

/// The status and JSON body `app` answers `method` on `path` with.
async fn probe(app: &axum::Router, method: &Method, path: &str) -> (StatusCode, Value) {
    let request = http::Request::builder()
        .method(method.clone())
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"operation":"ping"}"#))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_routers_serve_exactly_the_template_and_contract_routes() {
    let client = testkit::ClientBuilder::new(testkit::unreachable_endpoint())
        .no_retries()
        .build();
    // Routing only, without the SigV4 gate: it answers 403 before any route,
    // as API Gateway does (tests/it/sigv4.rs covers it).
    let settings = local_api::Settings::from_args(["local-api", "--no-iam-auth"]).unwrap();
    let app = local_api::app(&settings, client);
    let template = Template::load().unwrap().api_routes();
    let contract = contract_routes().unwrap();
    assert!(!template.is_empty() && !contract.is_empty());
    let paths: BTreeSet<&String> = template.iter().chain(&contract).map(|(_, p)| p).collect();
    for path in paths {
        let concrete = path.replace("{id}", "route-probe");
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            let (status, body) = probe(&app, &method, &concrete).await;
            let served = !(status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && body["message"] == "no such route"));
            let said = format!("{method} {path}: {status} {body}");
            let route = (method.to_string(), path.clone());
            assert_eq!(served, template.contains(&route), "template: {said}");
            let documented = (method.as_str().to_lowercase(), path.clone());
            assert_eq!(served, contract.contains(&documented), "contract: {said}");
            assert!(
                status.as_u16() < 500 || status == StatusCode::SERVICE_UNAVAILABLE,
                "{said}"
            );
        }
    }
}
