#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! docs/openapi.yaml is the API's contract: it names exactly the routes
//! template.yaml gives API Gateway (no route missing, none extra), and every
//! error response it describes uses the one error shape. That the routers
//! serve exactly these routes is tested by the integration tests
//! (tests/it/routes.rs), which run them.

use std::collections::BTreeSet;

use iac_checks::{contract_routes, openapi, Template};

/// The template's routes as the contract spells them, without the CORS
/// preflights (OPTIONS), which the contract leaves out.
fn template_routes() -> BTreeSet<(String, String)> {
    Template::load()
        .unwrap()
        .api_routes()
        .into_iter()
        .map(|(method, path)| (method.to_lowercase(), path))
        .filter(|(method, _)| method != "options")
        .collect()
}

#[test]
fn the_contract_names_exactly_the_template_routes() {
    let contract = contract_routes().unwrap();
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

#[test]
fn every_documented_error_uses_the_error_schema() {
    let doc = openapi().unwrap();
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
