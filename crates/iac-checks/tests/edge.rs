#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Edge protection (template.yaml `EdgeWebAcl`, issue 24): off by default,
//! per-IP limits that match the public routes and not the manager's, the
//! counter's tighter, AWS's common rule set counting only, and blocks
//! answered in the API's JSON error shape.

use std::collections::BTreeSet;

use iac_checks::Template;
use serde_norway::Value;

fn template() -> Template {
    Template::load().unwrap()
}

fn rule<'a>(acl: &'a Value, name: &str) -> &'a Value {
    acl["Properties"]["Rules"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|r| r["Name"] == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

#[test]
fn edge_protection_is_optional_and_off_by_default() {
    let t = template();
    assert_eq!(
        t.root["Parameters"]["EdgeProtection"]["Default"].as_str(),
        Some("false")
    );
    for kind in ["AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"] {
        let found = t.of_type(kind);
        assert_eq!(found.len(), 1, "{kind}");
        assert_eq!(found[0].1["Condition"].as_str(), Some("HasEdgeProtection"));
    }
    let defaults = |p: &str| t.root["Parameters"][p]["Default"].as_u64().unwrap();
    assert!(defaults("EdgeCounterRateLimitPerIp") < defaults("EdgeRateLimitPerIp"));
}

#[test]
fn rate_rules_match_the_public_routes_only_and_block_in_the_error_shape() {
    let t = template();
    let acl = t.resource("EdgeWebAcl").unwrap();
    let public = rule(acl, "public-per-ip");
    let pattern = public["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
        ["RegexMatchStatement"]["RegexString"]
        .as_str()
        .unwrap();
    let re = regex::Regex::new(pattern).unwrap();
    for path in [
        "/Prod/resume",
        "/Prod/resume/alice",
        "/v1/visitorcount",
        "/visitorcount/stats",
    ] {
        assert!(re.is_match(path), "{path} is public");
    }
    for path in [
        "/Prod/dynamodbmanager",
        "/Prod/items",
        "/Prod/items/abc",
        "/Prod/resumex",
    ] {
        assert!(!re.is_match(path), "{path} is not a public route");
    }
    let counter = rule(acl, "counter-per-ip");
    let byte =
        &counter["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["ByteMatchStatement"];
    assert_eq!(byte["PositionalConstraint"].as_str(), Some("ENDS_WITH"));
    assert_eq!(byte["SearchString"].as_str(), Some(visitor_counter::ROUTE));
    // Both block with the one body, in the shape of platform::ErrorBody.
    let shape: BTreeSet<String> = serde_json::to_value(platform::ApiError::Throttled.body())
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for r in [public, counter] {
        let response = &r["Action"]["Block"]["CustomResponse"];
        assert_eq!(response["ResponseCode"].as_u64(), Some(429));
        let key = response["CustomResponseBodyKey"].as_str().unwrap();
        let body = &acl["Properties"]["CustomResponseBodies"][key];
        assert_eq!(body["ContentType"].as_str(), Some("APPLICATION_JSON"));
        let json: serde_json::Value =
            serde_json::from_str(body["Content"].as_str().unwrap()).unwrap();
        let keys: BTreeSet<String> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, shape);
        assert_eq!(json["error"], platform::ApiError::Throttled.code());
    }
    let common = rule(acl, "aws-common-rule-set");
    assert!(
        common["OverrideAction"]["Count"].is_mapping(),
        "count mode only"
    );
}
