//! template.yaml as CloudFormation expands it, from
//! `scripts/template-expanded.py` run by the project's Python venv (`make
//! venv`, which the make targets that run these tests depend on): its
//! `Fn::ForEach` loops expanded (`AWS::LanguageExtensions`, with the SAM
//! CLI's own expander), then the SAM transform (samtranslator).
//!
//! `tests/expanded.rs` holds the transformed template to the fixture
//! `tests/fixtures/template-expanded.json` with [`diff`], after
//! [`normalize`]; `make template-fixture` regenerates the fixture.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value as Json;

use testkit::workspace_root;

/// Where the fixture of the transformed template lives.
pub fn fixture_path() -> PathBuf {
    workspace_root().join("crates/iac-checks/tests/fixtures/template-expanded.json")
}

/// The output of `scripts/template-expanded.py ARGS` on template.yaml.
///
/// Errors: no `.venv` (run `make venv`), or the script failed (its stderr).
fn run_script(args: &[&str]) -> Result<String, String> {
    let root = workspace_root();
    let python = root.join(".venv/bin/python3");
    if !python.exists() {
        return Err(format!(
            "{} is missing: run `make venv` (make iac-check and make integration install it)",
            python.display()
        ));
    }
    let out = Command::new(&python)
        .arg(root.join("scripts/template-expanded.py"))
        .args(args)
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/template-expanded.py {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("template-expanded.py: {e}"))
}

/// Runs the script once per process and hands out the parsed result.
fn cached<T: Clone>(
    cell: &'static OnceLock<Result<T, String>>,
    args: &[&str],
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    cell.get_or_init(|| run_script(args).and_then(|text| parse(&text)))
        .clone()
}

/// template.yaml with its `Fn::ForEach` loops expanded (before the SAM
/// transform), intrinsics in their long form (`{"Ref": X}`).
pub fn foreach_expanded() -> Result<serde_norway::Value, String> {
    static CELL: OnceLock<Result<serde_norway::Value, String>> = OnceLock::new();
    cached(&CELL, &["--foreach-only"], |text| {
        serde_norway::from_str(text).map_err(|e| format!("template-expanded.py: {e}"))
    })
}

/// template.yaml after the loops and the SAM transform: what CloudFormation
/// creates, its conditions not evaluated.
pub fn transformed() -> Result<Json, String> {
    static CELL: OnceLock<Result<Json, String>> = OnceLock::new();
    cached(&CELL, &[], |text| {
        serde_json::from_str(text).map_err(|e| format!("template-expanded.py: {e}"))
    })
}

/// The fixture (`make template-fixture` writes it).
pub fn fixture() -> Result<Json, String> {
    let path = fixture_path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `RestApi deployment id: <sha1>` SAM gives an API's deployment.
const DEPLOYMENT_ID: &str = "RestApi deployment id: ";

/// Takes out of a transformed template what differs without a deployed
/// difference, so that [`diff`] shows only real changes:
///
/// - `security: [{"NONE": []}]` on an OpenAPI method: the marker SAM leaves
///   for `Auth: {Authorizer: NONE}` under a `DefaultAuthorizer`
///   (samtranslator `set_path_default_authorizer` removes the default but
///   not the marker). API Gateway defines no `NONE` scheme, and leaves such a
///   method unauthenticated, as one without `security` (SAM's deployed test
///   `api_with_authorizers_max`: its `Authorizer: NONE` route answers 200
///   unsigned). Any other `security` stays.
/// - The API deployment's logical id (`ApiDeployment` + 10 hex digits) and
///   its description carry a hash of the API's body: the body itself is
///   compared, so the hash is set to `HASH`.
pub fn normalize(template: &mut Json) {
    let mut renamed = Vec::new();
    if let Some(resources) = template.get_mut("Resources").and_then(Json::as_object_mut) {
        let deployments: Vec<String> = resources
            .iter()
            .filter(|(id, r)| r["Type"] == "AWS::ApiGateway::Deployment" && hashed(id))
            .map(|(id, _)| id.clone())
            .collect();
        for old in deployments {
            let new = format!("{}HASH", &old[..old.len() - 10]);
            if let Some(mut deployment) = resources.remove(&old) {
                let description = &mut deployment["Properties"]["Description"];
                if description
                    .as_str()
                    .is_some_and(|d| d.starts_with(DEPLOYMENT_ID))
                {
                    *description = format!("{DEPLOYMENT_ID}HASH").into();
                }
                resources.insert(new.clone(), deployment);
            }
            renamed.push((old, new));
        }
    }
    for (old, new) in renamed {
        rename_refs(template, &old, &new);
    }
    drop_none_security(template);
}

/// A logical id that ends in SAM's 10 hex digits of a hash.
fn hashed(id: &str) -> bool {
    id.len() > 10 && id[id.len() - 10..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Every `{"Ref": old}` in `value` now names `new`.
fn rename_refs(value: &mut Json, old: &str, new: &str) {
    match value {
        Json::Object(map) => {
            if map.len() == 1 && map.get("Ref").and_then(Json::as_str) == Some(old) {
                map.insert("Ref".into(), new.into());
            }
            map.values_mut().for_each(|v| rename_refs(v, old, new));
        }
        Json::Array(list) => list.iter_mut().for_each(|v| rename_refs(v, old, new)),
        _ => {}
    }
}

/// Every `"security": [{"NONE": []}]`, wherever it sits, removed.
fn drop_none_security(value: &mut Json) {
    match value {
        Json::Object(map) => {
            let marker = serde_json::json!([{ "NONE": [] }]);
            if map.get("security") == Some(&marker) {
                map.remove("security");
            }
            map.values_mut().for_each(drop_none_security);
        }
        Json::Array(list) => list.iter_mut().for_each(drop_none_security),
        _ => {}
    }
}

/// How `after` differs from `before`, one line per difference, by path
/// (`Resources.Api.Properties.Body...`): `+ path: value` (added), `- path:
/// value` (removed), `~ path: old -> new` (changed). Values are shortened
/// to 160 characters. Empty when they are equal.
pub fn diff(before: &Json, after: &Json) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", before, after, &mut out);
    out
}

fn diff_at(path: &str, before: &Json, after: &Json, out: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (before, after) {
        (Json::Object(b), Json::Object(a)) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                match (b.get(key), a.get(key)) {
                    (Some(x), Some(y)) => diff_at(&join(key), x, y, out),
                    (Some(x), None) => out.push(format!("- {}: {}", join(key), short(x))),
                    (None, Some(y)) => out.push(format!("+ {}: {}", join(key), short(y))),
                    (None, None) => {}
                }
            }
        }
        (Json::Array(b), Json::Array(a)) if b.len() == a.len() => {
            for (i, (x, y)) in b.iter().zip(a).enumerate() {
                diff_at(&join(&i.to_string()), x, y, out);
            }
        }
        _ if before != after => {
            out.push(format!("~ {path}: {} -> {}", short(before), short(after)));
        }
        _ => {}
    }
}

/// `value` as JSON, cut to 160 characters.
fn short(value: &Json) -> String {
    let text = value.to_string();
    match text.char_indices().nth(160) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    fn api(security: Json, deployment: &str) -> Json {
        json!({
            "Resources": {
                "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {"paths": {
                    "/a": {"get": {"security": security, "responses": {}}},
                }}}},
                deployment: {"Type": "AWS::ApiGateway::Deployment", "Properties": {
                    "Description": format!("{DEPLOYMENT_ID}{deployment}"),
                    "RestApiId": {"Ref": "Api"},
                }},
                "ApiStage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
                    "DeploymentId": {"Ref": deployment},
                }},
            }
        })
    }

    fn normalized(mut t: Json) -> Json {
        normalize(&mut t);
        t
    }

    #[test]
    fn the_none_marker_and_the_deployment_hash_normalize_away() {
        let before = normalized(api(json!(null), "ApiDeploymentcfe9da6cd1"));
        let mut without = before.clone();
        without["Resources"]["Api"]["Properties"]["Body"]["paths"]["/a"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("security");
        let marked = normalized(api(json!([{"NONE": []}]), "ApiDeploymentc6a4678247"));
        assert_eq!(diff(&without, &marked), Vec::<String>::new());
        assert!(marked["Resources"]["ApiDeploymentHASH"].is_object());
        assert_eq!(
            marked["Resources"]["ApiStage"]["Properties"]["DeploymentId"],
            json!({"Ref": "ApiDeploymentHASH"})
        );
    }

    #[test]
    fn a_real_authorizer_stays() {
        for security in [
            json!([{"AWS_IAM": []}]),
            json!([{"NONE": []}, {"api_key": []}]),
        ] {
            let t = normalized(api(security.clone(), "ApiDeploymentcfe9da6cd1"));
            assert_eq!(
                t["Resources"]["Api"]["Properties"]["Body"]["paths"]["/a"]["get"]["security"],
                security
            );
        }
    }

    #[test]
    fn every_kind_of_difference_is_listed_by_path() {
        let before = json!({"Resources": {
            "A": {"Type": "T", "Properties": {"P": 1, "L": [1, 2]}},
            "B": {"Type": "T"},
        }});
        let after = json!({"Resources": {
            "A": {"Type": "T", "Properties": {"P": 2, "L": [1, 2, 3], "Q": "x"}},
            "C": {"Type": "T"},
        }});
        assert_eq!(
            diff(&before, &after),
            [
                "~ Resources.A.Properties.L: [1,2] -> [1,2,3]",
                "~ Resources.A.Properties.P: 1 -> 2",
                "+ Resources.A.Properties.Q: \"x\"",
                "- Resources.B: {\"Type\":\"T\"}",
                "+ Resources.C: {\"Type\":\"T\"}",
            ]
        );
        assert!(diff(&before, &before).is_empty());
        let long = json!("x".repeat(400));
        assert!(diff(&json!(1), &long)[0].ends_with("..."));
    }
}
