#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The template as CloudFormation expands it (its `Fn::ForEach` loops, then
//! the SAM transform: scripts/template-expanded.py) is the fixture
//! tests/fixtures/template-expanded.json: every resource, alarm, gateway
//! response and auth setting it deployed when the fixture was made, and
//! nothing more. A change of what the template deploys fails here, naming
//! each difference; when it is deliberate, `make template-fixture`
//! regenerates the fixture, whose diff is then reviewed with the change.

use iac_checks::{diff, fixture, fixture_path, normalize, transformed, Template};

#[test]
fn the_expanded_template_is_the_fixture() {
    let mut now = transformed().unwrap();
    let mut before = fixture().unwrap();
    normalize(&mut now);
    normalize(&mut before);
    let differences = diff(&before, &now);
    assert!(
        differences.is_empty(),
        "template.yaml now expands to something else than {} (- fixture, + now):\n{}\n\n\
         If that is deliberate: make template-fixture, and review the fixture's diff.",
        fixture_path().display(),
        differences.join("\n")
    );
}

/// The loops' resources reach the SAM transform under their logical ids,
/// and nothing but the expanded template does: what the static checks read
/// (Template::load) is what is transformed.
#[test]
fn the_static_checks_read_the_resources_the_transform_gets() {
    let t = Template::load().unwrap();
    let transformed = transformed().unwrap();
    let resources = transformed["Resources"].as_object().unwrap();
    let mut alarms = 0;
    for (id, resource) in t.resources().unwrap() {
        let id = id.as_str().unwrap();
        assert!(!id.starts_with("Fn::ForEach"), "{id} was not expanded");
        let kind = resource["Type"].as_str().unwrap();
        if kind.starts_with("AWS::Serverless::") {
            continue;
        }
        assert_eq!(resources[id]["Type"], kind, "{id}");
        alarms += usize::from(kind == "AWS::CloudWatch::Alarm");
    }
    // The rollback pair of every function, and the API's two.
    assert_eq!(alarms, 2 * t.functions().len() + 2);
}
