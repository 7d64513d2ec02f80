#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! docs/openapi.yaml is the API's contract: it names exactly the routes the
//! routers serve (no route missing, none extra), and every error response it
//! describes uses the one error shape.

use std::collections::BTreeSet;

use axum::body::Body;
use http::{header, Method, StatusCode};
use http_body_util::BodyExt;
use iac_checks::{workspace_root, Template};
use serde_json::Value;
use tower::ServiceExt;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn openapi() -> serde_norway::Value {
    let text = std::fs::read_to_string(workspace_root().join("docs/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// (method, path) pairs the contract documents.
fn contract_routes() -> BTreeSet<(String, String)> {
    let doc = openapi();
    let paths = doc["paths"].as_mapping().expect("paths");
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        let path = path.as_str().unwrap().to_owned();
        for (key, _) in item.as_mapping().unwrap() {
            let key = key.as_str().unwrap();
            if METHODS.contains(&key) {
                routes.insert((key.to_owned(), path.clone()));
            }
        }
    }
    routes
}

fn template_routes() -> BTreeSet<(String, String)> {
    let template = Template::load().unwrap();
    template
        .functions()
        .into_iter()
        .flat_map(|(_, f)| Template::routes(f))
        .map(|(method, path)| (method.to_lowercase(), path))
        .filter(|(method, _)| method != "options")
        .collect()
}

#[test]
fn the_contract_names_exactly_the_template_routes() {
    let contract = contract_routes();
    let template = template_routes();
    assert!(!contract.is_empty());
    assert_eq!(
        contract,
        template,
        "only in openapi: {:?}; only in template: {:?}",
        contract.difference(&template).collect::<Vec<_>>(),
        template.difference(&contract).collect::<Vec<_>>()
    );
}

/// Probes the routers themselves: every documented (method, path) is served,
/// and every other method on a documented path is 405. DynamoDB is not
/// needed: a route that reaches it answers 503 here, which is still a route.
#[tokio::test]
async fn the_routers_serve_exactly_the_contract_routes() {
    let client = testkit::client(&testkit::unreachable_endpoint());
    // Routing only: the SigV4 gate is tested by the integration tests.
    let settings = local_api::Settings::from_args(["local-api", "--no-iam-auth"]).unwrap();
    let app = local_api::app(&settings, client);
    let contract = contract_routes();
    let paths: BTreeSet<&String> = contract.iter().map(|(_, p)| p).collect();
    for path in paths {
        let concrete = path.replace("{id}", "contract-probe");
        for method in METHODS {
            let request = http::Request::builder()
                .method(method.to_uppercase().as_str().parse::<Method>().unwrap())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"operation":"ping"}"#))
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let served = !(status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && body["message"] == "no such route"));
            let documented = contract.contains(&(method.to_owned(), path.clone()));
            assert_eq!(served, documented, "{method} {path}: {status} {body}");
            assert!(
                status.as_u16() < 500 || status == StatusCode::SERVICE_UNAVAILABLE,
                "{method} {path}: {status}"
            );
        }
    }
}

#[test]
fn every_documented_error_uses_the_error_schema() {
    let doc = openapi();
    let error = &doc["components"]["schemas"]["Error"];
    let required: BTreeSet<&str> = error["required"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, BTreeSet::from(["error", "message", "requestId"]));
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let Some(responses) = op.get("responses").and_then(|r| r.as_mapping()) else {
                continue;
            };
            for (status, response) in responses {
                let status = status
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{status:?}"));
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["$ref"].as_str(),
                        Some("#/components/responses/Error"),
                        "{method:?} {path:?} {status}"
                    );
                }
            }
        }
    }
}
