#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The security review of the stack, as tests: no wildcard DynamoDB
//! resource anywhere, CORS never `*`, throttling always on, no secret in an
//! environment variable, the manager's routes behind IAM. (That the visitor
//! salt never reaches a log line is tested where the counter runs, in
//! tests/it/counter.rs.)

use std::collections::{BTreeMap, BTreeSet};

use iac_checks::{workspace_root, Template};
use serde_norway::Value;

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(workspace_root().join(path)).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// Every IAM statement in a document, wherever it sits.
fn statements(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                if k.as_str() == Some("Statement") {
                    match child {
                        Value::Sequence(list) => out.extend(list.iter().cloned()),
                        other => out.push(other.clone()),
                    }
                } else {
                    statements(child, out);
                }
            }
        }
        Value::Sequence(list) => list.iter().for_each(|c| statements(c, out)),
        Value::Tagged(t) => statements(&t.value, out),
        _ => {}
    }
}

fn texts(v: Option<&Value>) -> Vec<String> {
    match v {
        None => vec![],
        Some(Value::Sequence(list)) => list.iter().flat_map(|x| texts(Some(x))).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(other) => vec![serde_norway::to_string(other).unwrap()],
    }
}

#[test]
fn no_dynamodb_action_is_granted_on_a_wildcard_resource() {
    for path in ["template.yaml", "deploy/github-oidc-role.yaml"] {
        let mut all = Vec::new();
        statements(&yaml(path), &mut all);
        assert!(!all.is_empty(), "{path}: no IAM statements found");
        for st in all {
            let actions = texts(st.get("Action"));
            let touches_dynamodb = actions
                .iter()
                .any(|a| a == "*" || a.to_lowercase().starts_with("dynamodb:"));
            if !touches_dynamodb || st.get("Effect").and_then(Value::as_str) == Some("Deny") {
                continue;
            }
            assert!(
                !actions.iter().any(|a| a == "*" || a == "dynamodb:*"),
                "{path}: {actions:?}"
            );
            for resource in texts(st.get("Resource")) {
                let bare = resource.trim() == "*"
                    || resource.contains(":table/*")
                    || resource.ends_with(":*");
                assert!(!bare, "{path}: {actions:?} on {resource}");
            }
        }
    }
}

/// CloudFormation's `AllowedPattern` for `AllowedOrigins` (no look-arounds,
/// so the regex crate reads it as CloudFormation does).
fn origins_pattern() -> regex::Regex {
    let doc = yaml("template.yaml");
    let pattern = doc["Parameters"]["AllowedOrigins"]["AllowedPattern"]
        .as_str()
        .unwrap();
    regex::Regex::new(pattern).unwrap()
}

fn overrides(env: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(workspace_root().join("samconfig.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let raw = doc[env]["deploy"]["parameters"]["parameter_overrides"]
        .as_str()
        .unwrap()
        .to_owned();
    // `Key=value Key="quoted value"`
    let re = regex::Regex::new(r#"(\w+)=("([^"]*)"|(\S*))"#).unwrap();
    re.captures_iter(&raw)
        .map(|c| {
            let v = c.get(3).or(c.get(4)).map(|m| m.as_str()).unwrap_or("");
            (c[1].to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn cors_is_never_a_wildcard() {
    let pattern = origins_pattern();
    for bad in [
        "*",
        "https://*.example.com",
        "https://a.example,*",
        "example.com",
        "https://a.example/path",
    ] {
        assert!(
            !pattern.is_match(bad),
            "the template accepts AllowedOrigins={bad:?}"
        );
    }
    for good in [
        "",
        "https://me.example.com",
        "https://me.example.com,http://localhost:8080",
    ] {
        assert!(
            pattern.is_match(good),
            "the template refuses AllowedOrigins={good:?}"
        );
    }
    for env in ["default", "staging", "prod"] {
        let origins = overrides(env)
            .get("AllowedOrigins")
            .cloned()
            .unwrap_or_default();
        assert!(
            pattern.is_match(&origins) && !origins.contains('*'),
            "{env}: {origins:?}"
        );
    }
    // The code refuses a wildcard too, whatever the template says.
    assert!("*".parse::<platform::config::AllowedOrigins>().is_err());
    // The template never writes an Allow-Origin of its own.
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    assert!(
        !text.contains("'*'") && !text.contains("AllowOrigin: \"*\""),
        "a literal * origin in template.yaml"
    );
}

#[test]
fn api_throttling_is_always_set() {
    let doc = yaml("template.yaml");
    let apis: Vec<&Value> = doc["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Api"))
        .collect();
    assert_eq!(apis.len(), 1, "one API");
    let settings = apis[0]["Properties"]["MethodSettings"]
        .as_sequence()
        .unwrap();
    let all = settings
        .iter()
        .find(|s| s["ResourcePath"].as_str() == Some("/*") && s["HttpMethod"].as_str() == Some("*"))
        .expect("MethodSettings for every method and path");
    for (key, param) in [
        ("ThrottlingRateLimit", "ThrottlingRateLimit"),
        ("ThrottlingBurstLimit", "ThrottlingBurstLimit"),
    ] {
        let value = serde_norway::to_string(&all[key]).unwrap();
        assert!(value.contains(param), "{key} is {value}");
        let p = &doc["Parameters"][param];
        let default: f64 = serde_norway::to_string(&p["Default"])
            .unwrap()
            .trim()
            .trim_matches('\'')
            .parse()
            .unwrap();
        let min: f64 = serde_norway::to_string(&p["MinValue"])
            .unwrap()
            .trim()
            .trim_matches('\'')
            .parse()
            .unwrap();
        assert!(
            default >= 1.0 && min >= 1.0,
            "{param}: default {default}, min {min}"
        );
        for env in ["default", "staging", "prod"] {
            if let Some(v) = overrides(env).get(param) {
                assert!(v.parse::<f64>().unwrap() >= 1.0, "{env} sets {param}={v}");
            }
        }
    }
}

#[test]
fn no_secret_sits_in_an_environment_variable() {
    let t = Template::load().unwrap();
    let secretish =
        regex::Regex::new(r"(?i)(SALT|SECRET|PASSWORD|TOKEN|PRIVATE|API_?KEY)").unwrap();
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    assert!(
        !text.contains("{{resolve:secretsmanager"),
        "a secret resolved into the template"
    );
    assert!(
        !text.contains("{{resolve:ssm-secure"),
        "a secure parameter resolved into the template"
    );
    for (name, function) in t.functions() {
        for (var, value) in t.function_env(function) {
            // template.rs holds each table variable to a !Ref of its table.
            if iac_checks::is_table_variable(&var) || !secretish.is_match(&var) {
                continue;
            }
            // Only a pointer to a secret may stand here (a reference, not a
            // literal), or an empty placeholder that sam local overrides.
            let shown = serde_norway::to_string(&value).unwrap();
            // Or a NoEcho parameter with no default: the value is given at
            // deploy time, never written in the template or the repository
            // (OriginVerifySecret; docs/site.md says who can read it).
            if let iac_checks::Intrinsic::Ref(param) = iac_checks::Intrinsic::of(&value) {
                let p = &t.root["Parameters"][param.as_str()];
                if p.is_mapping() {
                    assert_eq!(p["NoEcho"].as_bool(), Some(true), "{name}: {var} = {shown}");
                    assert_eq!(p["Default"].as_str(), Some(""), "{name}: {var} = {shown}");
                    continue;
                }
            }
            match &value {
                Value::String(s) if s.is_empty() => {}
                Value::String(_) => panic!("{name}: {var} is a literal: {shown}"),
                _ => assert!(
                    var.ends_with("_ARN"),
                    "{name}: {var} = {shown} looks like a secret value"
                ),
            }
        }
    }
    // No AWS access key id anywhere in the tracked files.
    let out = std::process::Command::new("git")
        .args(["grep", "-nE", "AKIA[0-9A-Z]{16}"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The `Fn::Sub` text of a value, or the plain string ([`iac_checks::sub_text`]).
fn sub_text(value: &Value) -> String {
    iac_checks::sub_text(value).unwrap_or_else(|| panic!("not a !Sub string: {value:?}"))
}

/// The (METHOD, path) pairs of `function`'s API events that need a
/// signature: every one but the OPTIONS preflights.
fn signed_events(t: &Template, function: &str) -> BTreeSet<(String, String)> {
    Template::routes(t.resource(function).unwrap())
        .into_iter()
        .filter(|(method, _)| method != "OPTIONS")
        .collect()
}

/// The manager's signed (METHOD, path) pairs.
fn manager_methods(t: &Template) -> BTreeSet<(String, String)> {
    signed_events(t, "DynamoDbManagerFunction")
}

/// The signed resume writes (`ResumeWriteFunction`).
fn resume_write_methods(t: &Template) -> BTreeSet<(String, String)> {
    signed_events(t, "ResumeWriteFunction")
}

/// Every (method, path) that needs a SigV4 signature: the manager's and
/// the resume writes.
fn signed_methods(t: &Template) -> BTreeSet<(String, String)> {
    manager_methods(t)
        .into_iter()
        .chain(resume_write_methods(t))
        .collect()
}

/// `.../<stage>/METHOD/path` as an execute-api ARN names it (`{id}` -> `*`).
fn invoke_resource(prefix: &str, method: &str, path: &str) -> String {
    format!("{prefix}/{method}{}", path.replace("{id}", "*"))
}

/// How API Gateway authorizes each (METHOD, path) of the API, as the SAM
/// transform configures it: whether the method needs SigV4 (`security`
/// names AWS_IAM), and the credentials its Lambda integration uses (none:
/// API Gateway's own permission).
fn authorization() -> BTreeMap<(String, String), (bool, Option<serde_json::Value>)> {
    let transformed = iac_checks::transformed().unwrap();
    let apis: Vec<&serde_json::Value> = transformed["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::ApiGateway::RestApi")
        .collect();
    assert_eq!(apis.len(), 1, "one API");
    let body = &apis[0]["Properties"]["Body"];
    // The AWS_IAM scheme is SigV4.
    assert_eq!(
        body["components"]["securitySchemes"]["AWS_IAM"]["x-amazon-apigateway-authtype"],
        "awsSigv4"
    );
    let mut out = BTreeMap::new();
    for (path, item) in body["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"].as_array().cloned().unwrap_or_default();
            // SAM's marker for `Authorizer: NONE` is unauthenticated too.
            let signed = security.iter().any(|s| s.get("AWS_IAM").is_some());
            assert!(
                security
                    .iter()
                    .all(|s| s.get("AWS_IAM").is_some() || *s == serde_json::json!({"NONE": []})),
                "{method} {path}: {security:?}"
            );
            let credentials = op["x-amazon-apigateway-integration"]
                .get("credentials")
                .cloned();
            out.insert((method.to_uppercase(), path.clone()), (signed, credentials));
        }
    }
    out
}

#[test]
fn the_manager_routes_need_iam_authorization_and_nothing_else_does() {
    let t = Template::load().unwrap();
    let authorization = authorization();
    assert_eq!(
        authorization.keys().cloned().collect::<BTreeSet<_>>(),
        t.api_routes(),
        "the API's methods are the template's routes"
    );
    for (name, function) in t.functions() {
        for (method, path) in Template::routes(function) {
            let (signed, credentials) = &authorization[&(method.clone(), path.clone())];
            // API Gateway calls the function with its own permission, never
            // with the caller's credentials.
            assert_eq!(credentials, &None, "{method} {path}");
            // Signed: the manager's and the resume writes; public on purpose:
            // the resume, the counter, every preflight.
            let needs_signature = ["DynamoDbManagerFunction", "ResumeWriteFunction"]
                .contains(&name.as_str())
                && method != "OPTIONS";
            assert_eq!(*signed, needs_signature, "{name}: {method} {path}");
        }
    }
    assert_eq!(
        manager_methods(&t),
        BTreeSet::from([
            ("DELETE".to_owned(), "/items/{id}".to_owned()),
            ("GET".to_owned(), "/items".to_owned()),
            ("GET".to_owned(), "/items/{id}".to_owned()),
            ("POST".to_owned(), "/dynamodbmanager".to_owned()),
            ("PUT".to_owned(), "/items/{id}".to_owned()),
        ])
    );
    assert_eq!(
        resume_write_methods(&t),
        BTreeSet::from([
            ("DELETE".to_owned(), "/resume/{id}".to_owned()),
            ("PUT".to_owned(), "/resume/{id}".to_owned()),
        ])
    );
    // The contract says the same.
    let openapi = yaml("docs/openapi.yaml");
    for (path, item) in openapi["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap().to_uppercase();
            if method == "PARAMETERS" {
                continue;
            }
            // `security: []` says "public" as plainly as no key does.
            let secured = op
                .get("security")
                .and_then(Value::as_sequence)
                .is_some_and(|s| !s.is_empty());
            let key = (method.clone(), path.as_str().unwrap().to_owned());
            assert_eq!(
                secured,
                signed_methods(&t).contains(&key),
                "openapi {key:?}"
            );
        }
    }
}

/// The resources of `statement`, an `Allow` of `execute-api:Invoke` only.
fn invoke_grants(statement: &Value) -> BTreeSet<String> {
    assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{statement:?}");
    assert_eq!(texts(statement.get("Action")), ["execute-api:Invoke"]);
    statement["Resource"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(sub_text)
        .collect()
}

/// The execute-api ARNs of `methods` under `prefix` (API and stage).
fn invoke_resources(prefix: &str, methods: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    methods
        .iter()
        .map(|(method, path)| invoke_resource(prefix, method, path))
        .collect()
}

/// The managed policy `id` allows invoking exactly `methods` of this API's
/// stage, and its ARN is the output `<id>Arn`, for the owner to attach.
fn assert_stage_invoke_policy(t: &Template, id: &str, methods: &BTreeSet<(String, String)>) {
    let policy = t.resource(id).unwrap();
    assert_eq!(policy["Type"].as_str(), Some("AWS::IAM::ManagedPolicy"));
    let mut all = Vec::new();
    statements(&policy["Properties"], &mut all);
    assert_eq!(all.len(), 1, "{all:?}");
    let prefix =
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${Stage}";
    assert_eq!(invoke_grants(&all[0]), invoke_resources(prefix, methods));
    let output = &t.root["Outputs"][format!("{id}Arn").as_str()]["Value"];
    assert_eq!(
        iac_checks::Intrinsic::of(output),
        iac_checks::Intrinsic::Ref(id.into())
    );
}

#[test]
fn the_invoke_policy_names_only_the_manager_methods_of_this_stage() {
    let t = Template::load().unwrap();
    assert_stage_invoke_policy(&t, "ManagerInvokePolicy", &manager_methods(&t));
}

#[test]
fn only_the_staging_deploy_role_may_call_the_manager() {
    let t = Template::load().unwrap();
    let role = yaml("deploy/github-oidc-role.yaml");
    let resources = role["Resources"].as_mapping().unwrap();
    let mut invokers = Vec::new();
    for (id, resource) in resources {
        let mut all = Vec::new();
        statements(resource, &mut all);
        if all.iter().any(|st| {
            texts(st.get("Action"))
                .iter()
                .any(|a| a.starts_with("execute-api:"))
        }) {
            invokers.push((id.as_str().unwrap().to_owned(), resource.clone(), all));
        }
    }
    assert_eq!(
        invokers.len(),
        1,
        "{:?}",
        invokers.iter().map(|i| &i.0).collect::<Vec<_>>()
    );
    let (id, resource, all) = &invokers[0];
    // Only with AllowTestData=true, i.e. staging; production gets nothing.
    assert_eq!(
        resource["Condition"].as_str(),
        Some("GrantTestData"),
        "{id}"
    );
    let condition = &role["Conditions"]["GrantTestData"];
    assert!(serde_norway::to_string(condition)
        .unwrap()
        .contains("AllowTestData"));
    assert_eq!(all.len(), 1);
    let prefix = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/${AppStage}";
    assert_eq!(
        invoke_grants(&all[0]),
        invoke_resources(prefix, &signed_methods(&t))
    );
}

#[test]
fn the_resume_writer_policy_names_only_the_resume_writes_of_this_stage() {
    let t = Template::load().unwrap();
    assert_stage_invoke_policy(&t, "ResumeWriterPolicy", &resume_write_methods(&t));
}

/// The deploy role publishes the site (make site-publish, the resume's
/// invalidation) into this stack's site bucket and on this stack's
/// distribution only: objects under `<AppStackName>-sitebucket-`, and
/// invalidations only of a distribution tagged with the app stack's name.
#[test]
fn the_deploy_role_publishes_to_this_stacks_site_only() {
    let role = yaml("deploy/github-oidc-role.yaml");
    let bucket = "arn:${AWS::Partition}:s3:::${AppStackName}-sitebucket-*";
    let mut site_writes = 0;
    for (id, resource) in role["Resources"].as_mapping().unwrap() {
        let id = id.as_str().unwrap();
        let mut all = Vec::new();
        statements(resource, &mut all);
        for st in all {
            let actions = texts(st.get("Action"));
            if actions.iter().any(|a| a == "cloudfront:CreateInvalidation") {
                assert_eq!(id, "AwsRolePublishSite");
                let tag = &st["Condition"]["StringEquals"]
                    ["aws:ResourceTag/aws:cloudformation:stack-name"];
                assert_eq!(
                    iac_checks::Intrinsic::of(tag),
                    iac_checks::Intrinsic::Ref("AppStackName".into()),
                    "{id}: invalidations of this stack's distribution only"
                );
            }
            if id == "AwsRolePublishSite" && actions.iter().any(|a| a.starts_with("s3:")) {
                site_writes += 1;
                let resources: Vec<String> = match st.get("Resource") {
                    Some(Value::Sequence(list)) => list.iter().map(sub_text).collect(),
                    Some(one) => vec![sub_text(one)],
                    None => vec![],
                };
                for r in &resources {
                    assert!(
                        r == bucket || *r == format!("{bucket}/*"),
                        "{id}: {actions:?} on {r}"
                    );
                }
            }
        }
    }
    assert_eq!(site_writes, 2, "the bucket's list, its objects");
    let pattern = role["Parameters"]["AppStackName"]["AllowedPattern"]
        .as_str()
        .unwrap();
    // CloudFormation lowers a generated bucket name: an upper-case stack
    // name would not match the grant.
    assert!(!regex::Regex::new(pattern)
        .unwrap()
        .is_match("Resume-backend"));
}
