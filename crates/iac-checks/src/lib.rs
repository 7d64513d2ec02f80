//! Reading template.yaml the way CloudFormation does, for the tests in
//! `tests/` that hold the template, env.json, samconfig.toml and events/ to
//! the code. The checks themselves are pure functions here, with unit tests
//! that feed them broken snippets, so a check that passes is one that can fail.
//!
//! CloudFormation's short tags (`!Ref X`, `!GetAtt X.Arn`, `!Sub ...`) arrive
//! from `serde_norway` as tagged values; their long forms (`{"Ref": X}`,
//! `{"Fn::GetAtt": [X, Arn]}`) are read too.

use std::collections::{BTreeMap, BTreeSet};

mod expanded;

pub use expanded::{diff, fixture, fixture_path, foreach_expanded, normalize, transformed};

use platform::config::{from_pairs, ConfigError};
use platform::dynamo::{Recovery, TableSpec};
use serde_norway::{Mapping, Value};

pub mod docs;
pub mod lambda_logs;

/// Reads the settings struct `T` (a Lambda's, or `HttpConfig`) from `vars`,
/// an environment as a map, the way `platform::config::from_env` reads the
/// process environment: the variables `T` has no setting for (`RUST_LOG`,
/// another function's names, ...) are not its business and are left out.
pub fn settings_from<T: clap::Args + clap::FromArgMatches>(
    vars: &BTreeMap<String, String>,
) -> Result<T, ConfigError> {
    let command = T::augment_args(clap::Command::new("settings"));
    let read: BTreeSet<String> = command
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect();
    let pairs: Vec<(&str, &str)> = vars
        .iter()
        .filter(|(name, _)| read.contains(*name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    from_pairs::<T>(&pairs)
}

/// The workspace root (where template.yaml lives): the test support's.
pub use testkit::workspace_root;

/// The methods the contract may document on a path, as OpenAPI spells them.
pub const CONTRACT_METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// docs/openapi.yaml, the API's contract.
pub fn openapi() -> Result<Value, String> {
    let path = workspace_root().join("docs/openapi.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| format!("docs/openapi.yaml: {e}"))
}

/// The `(method, path)` pairs the contract documents, e.g. `("get",
/// "/resume/{id}")` (methods in lower case).
pub fn contract_routes() -> Result<BTreeSet<(String, String)>, String> {
    let doc = openapi()?;
    let paths = doc["paths"].as_mapping().ok_or("openapi.yaml: no paths")?;
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        let path = path
            .as_str()
            .ok_or("openapi.yaml: a path is not a string")?;
        for (method, _) in item.as_mapping().into_iter().flatten() {
            let method = method.as_str().unwrap_or_default();
            if CONTRACT_METHODS.contains(&method) {
                routes.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
    Ok(routes)
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    pub root: Value,
}

impl Template {
    /// `template.yaml` at the workspace root with its `Fn::ForEach` loops
    /// expanded, as the SAM transform gets it ([`foreach_expanded`]): every
    /// resource by its logical id, intrinsics in their long form.
    pub fn load() -> Result<Self, String> {
        Ok(Self {
            root: foreach_expanded()?,
        })
    }

    /// A template's text as it is written (loops unexpanded, short tags kept).
    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Value =
            serde_norway::from_str(text).map_err(|e| format!("template.yaml: {e}"))?;
        Ok(Self { root })
    }

    pub fn resources(&self) -> Option<&Mapping> {
        self.root.get("Resources").and_then(Value::as_mapping)
    }

    pub fn resource(&self, id: &str) -> Option<&Value> {
        self.resources()?.get(id)
    }

    /// `(logical id, resource)` of every resource of `kind`, in template order.
    pub fn of_type(&self, kind: &str) -> Vec<(String, &Value)> {
        self.resources()
            .into_iter()
            .flatten()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
            .filter_map(|(id, r)| Some((id.as_str()?.to_owned(), r)))
            .collect()
    }

    pub fn functions(&self) -> Vec<(String, &Value)> {
        self.of_type("AWS::Serverless::Function")
    }

    /// `Globals.Function`.
    pub fn function_globals(&self) -> Option<&Value> {
        self.root.get("Globals")?.get("Function")
    }

    /// A function's environment variables, the global ones included (the
    /// function's own win, as in SAM).
    pub fn function_env(&self, function: &Value) -> BTreeMap<String, Value> {
        let mut env = BTreeMap::new();
        for source in [self.function_globals(), function.get("Properties")] {
            let vars = source
                .and_then(|s| s.get("Environment"))
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping);
            for (k, v) in vars.into_iter().flatten() {
                if let Some(k) = k.as_str() {
                    env.insert(k.to_owned(), v.clone());
                }
            }
        }
        env
    }

    /// Every function's API routes, as [`Template::routes`] gives them.
    pub fn api_routes(&self) -> BTreeSet<(String, String)> {
        self.functions()
            .into_iter()
            .flat_map(|(_, f)| Self::routes(f))
            .collect()
    }

    /// A function's API routes as `(METHOD, path)`, e.g. `("GET", "/resume/{id}")`.
    pub fn routes(function: &Value) -> BTreeSet<(String, String)> {
        function
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter(|(_, e)| e.get("Type").and_then(Value::as_str) == Some("Api"))
            .filter_map(|(_, e)| {
                let p = e.get("Properties")?;
                Some((
                    p.get("Method")?.as_str()?.to_uppercase(),
                    p.get("Path")?.as_str()?.to_owned(),
                ))
            })
            .collect()
    }
}

/// A cycle through `start` in a directed graph (node -> the nodes it points
/// to), if there is one: the nodes in order, `start` first and last. Used
/// for the crates' imports (tests/layout.rs) and the template's resource
/// dependencies (tests/site.rs).
pub fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if next == start {
                return Some(path.iter().cloned().chain([start.to_owned()]).collect());
            }
            if seen.insert(next.clone()) {
                stack.push((
                    next.clone(),
                    path.iter().cloned().chain([next.clone()]).collect(),
                ));
            }
        }
    }
    None
}

/// The text of a `Fn::Sub` (`!Sub "..."` as written, `{"Fn::Sub": "..."}`
/// or `{"Fn::Sub": ["...", {variables}]}` expanded), or a plain string;
/// `None` for any other value.
pub fn sub_text(value: &Value) -> Option<String> {
    let sub = match value {
        Value::Tagged(t) if t.tag == "!Sub" => &t.value,
        Value::Mapping(m) if m.len() == 1 => m.get("Fn::Sub")?,
        Value::String(s) => return Some(s.clone()),
        _ => return None,
    };
    match sub {
        Value::Sequence(parts) => parts.first()?.as_str().map(str::to_owned),
        other => other.as_str().map(str::to_owned),
    }
}

/// An intrinsic function, short or long form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Intrinsic {
    Ref(String),
    GetAtt(String, String),
    /// Anything else (`!Sub`, `!Join`, a plain string ...), as YAML text.
    Other(String),
}

impl Intrinsic {
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Tagged(t) => match (t.tag.to_string().as_str(), &t.value) {
                ("!Ref", Value::String(s)) => Self::Ref(s.clone()),
                ("!GetAtt", Value::String(s)) => match s.split_once('.') {
                    Some((id, attr)) => Self::GetAtt(id.to_owned(), attr.to_owned()),
                    None => Self::Other(s.clone()),
                },
                ("!GetAtt", Value::Sequence(parts)) => Self::get_att_list(parts, value),
                _ => Self::other(value),
            },
            Value::Mapping(m) if m.len() == 1 => {
                if let Some(Value::String(s)) = m.get("Ref") {
                    Self::Ref(s.clone())
                } else if let Some(Value::Sequence(parts)) = m.get("Fn::GetAtt") {
                    Self::get_att_list(parts, value)
                } else {
                    Self::other(value)
                }
            }
            _ => Self::other(value),
        }
    }

    fn get_att_list(parts: &[Value], whole: &Value) -> Self {
        match parts {
            [Value::String(id), Value::String(attr)] => Self::GetAtt(id.clone(), attr.clone()),
            _ => Self::other(whole),
        }
    }

    fn other(value: &Value) -> Self {
        Self::Other(
            serde_norway::to_string(value)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        )
    }
}

/// One permission a function's policies grant: an action on a resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub action: String,
    pub resource: Intrinsic,
}

impl Grant {
    pub fn new(action: &str, resource: Intrinsic) -> Self {
        Self {
            action: action.to_owned(),
            resource,
        }
    }
}

/// What one function's `Policies` grant, and every way they break least
/// privilege: managed policies or SAM policy templates (which grant more than
/// a function needs), wildcards in actions or resources, `NotAction` /
/// `NotResource`. Deny statements grant nothing and are skipped.
pub fn grants(policies: Option<&Value>) -> (BTreeSet<Grant>, Vec<String>) {
    let mut granted = BTreeSet::new();
    let mut problems = Vec::new();
    let Some(policies) = policies else {
        return (granted, problems);
    };
    let docs: Vec<&Value> = match policies {
        Value::Sequence(list) => list.iter().collect(),
        other => vec![other],
    };
    for doc in docs {
        let Some(statements) = doc.get("Statement") else {
            problems.push(format!(
                "not an inline policy document (managed policy or SAM policy template): {}",
                Intrinsic::other(doc).describe()
            ));
            continue;
        };
        let statements: Vec<&Value> = match statements {
            Value::Sequence(list) => list.iter().collect(),
            other => vec![other],
        };
        for st in statements {
            if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            for key in ["NotAction", "NotResource"] {
                if st.get(key).is_some() {
                    problems.push(format!("a statement uses {key}"));
                }
            }
            let actions = strings_or_list(st.get("Action"));
            let resources: Vec<Intrinsic> = match st.get("Resource") {
                Some(Value::Sequence(list)) => list.iter().map(Intrinsic::of).collect(),
                Some(one) => vec![Intrinsic::of(one)],
                None => Vec::new(),
            };
            if actions.is_empty() || resources.is_empty() {
                problems.push("a statement without Action or Resource".into());
            }
            for action in &actions {
                if action.contains('*') {
                    problems.push(format!("wildcard action {action}"));
                }
                for resource in &resources {
                    if let Intrinsic::Other(text) = resource {
                        if text.contains('*') {
                            problems.push(format!("{action} on a wildcard resource {text}"));
                        }
                    }
                    granted.insert(Grant::new(action, resource.clone()));
                }
            }
        }
    }
    (granted, problems)
}

impl Intrinsic {
    fn describe(&self) -> String {
        match self {
            Self::Ref(id) => format!("!Ref {id}"),
            Self::GetAtt(id, attr) => format!("!GetAtt {id}.{attr}"),
            Self::Other(text) => text.clone(),
        }
    }
}

fn strings_or_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| Intrinsic::other(v).describe())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `var` is the environment variable that names one of the
/// project's tables (a [`TableSpec::env`] in `platform::dynamo::TABLES`):
/// a name, never a secret, whatever it is called (`SALTS_TABLE`).
pub fn is_table_variable(var: &str) -> bool {
    platform::dynamo::TABLES.iter().any(|spec| spec.env == var)
}

/// Every way a table resource differs from its [`TableSpec`] or from the
/// project's table standards (on-demand, AWS owned key; PITR and retained, or
/// neither, as the spec's [`Recovery`] says).
pub fn table_problems(spec: &TableSpec, resource: &Value) -> Vec<String> {
    let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
    let is_table = resource.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table");
    let mut problems: Vec<String> = unless(is_table, "is not an AWS::DynamoDB::Table".into())
        .into_iter()
        .collect();
    problems.extend(key_problems(spec, &props));
    problems.extend(ttl_problem(spec, &props));
    problems.extend(standards_problems(spec, resource, &props));
    problems
        .into_iter()
        .map(|p| format!("{}: {p}", spec.resource))
        .collect()
}

/// `what` when the check is not `ok`.
fn unless(ok: bool, what: String) -> Option<String> {
    (!ok).then_some(what)
}

/// The key schema and attribute definitions against the spec's keys.
fn key_problems(spec: &TableSpec, props: &Value) -> Vec<String> {
    let mut want_keys = vec![(spec.partition_key, "HASH")];
    want_keys.extend(spec.sort_key.map(|k| (k, "RANGE")));
    let listed = |key: &str| {
        props
            .get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
    };
    let key_schema: Vec<(String, String)> = listed("KeySchema")
        .map(|k| (str_at(k, "AttributeName"), str_at(k, "KeyType")))
        .collect();
    let want_schema: Vec<(String, String)> = want_keys
        .iter()
        .map(|(k, t)| (k.name.to_owned(), (*t).to_owned()))
        .collect();
    let defs: BTreeSet<(String, String)> = listed("AttributeDefinitions")
        .map(|d| (str_at(d, "AttributeName"), str_at(d, "AttributeType")))
        .collect();
    let want_defs: BTreeSet<(String, String)> = want_keys
        .iter()
        .map(|(k, _)| (k.name.to_owned(), k.kind.to_owned()))
        .collect();
    [
        unless(
            key_schema == want_schema,
            format!("KeySchema is {key_schema:?}, domain says {want_schema:?}"),
        ),
        unless(
            defs == want_defs,
            format!("AttributeDefinitions are {defs:?}, domain says {want_defs:?}"),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The enabled TTL attribute against the spec's.
fn ttl_problem(spec: &TableSpec, props: &Value) -> Option<String> {
    let ttl_attr = props
        .get("TimeToLiveSpecification")
        .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true))
        .and_then(|t| t.get("AttributeName"))
        .and_then(Value::as_str);
    unless(
        ttl_attr == spec.ttl_attribute,
        format!(
            "TTL attribute is {ttl_attr:?}, domain says {:?}",
            spec.ttl_attribute
        ),
    )
}

/// On-demand billing, DynamoDB's AWS owned key, no fixed name, and
/// point-in-time recovery with a retained table, or neither, as the spec's
/// [`Recovery`] says.
fn standards_problems(spec: &TableSpec, resource: &Value, props: &Value) -> Vec<String> {
    // Kept tables: retained on stack deletion and replacement, but deleted
    // when the create that made them rolls back (RetainExceptOnCreate exists
    // for DeletionPolicy only), so a failed first deploy leaves no orphans.
    let (pitr, deletion, replace) = match spec.recovery {
        Recovery::PointInTime => (true, "RetainExceptOnCreate", "Retain"),
        Recovery::None => (false, "Delete", "Delete"),
    };
    let flag = |section: &str, key: &str| {
        props
            .get(section)
            .and_then(|p| p.get(key))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let pitr_on = flag(
        "PointInTimeRecoverySpecification",
        "PointInTimeRecoveryEnabled",
    );
    let mut problems = vec![
        unless(
            props.get("BillingMode").and_then(Value::as_str) == Some("PAY_PER_REQUEST"),
            "BillingMode is not PAY_PER_REQUEST".into(),
        ),
        unless(
            pitr_on == pitr,
            format!("point-in-time recovery is {pitr_on}, domain says {pitr}"),
        ),
        // Encryption at rest is always on. Without SSESpecification it uses
        // DynamoDB's AWS owned key, at no charge; `SSEEnabled: true` would be
        // the AWS managed key aws/dynamodb (KMS requests billed, and KMS calls
        // that deploy/handler-permissions-exclusions.txt says never happen).
        unless(
            props.get("SSESpecification").is_none(),
            "has an SSESpecification: the tables use DynamoDB's AWS owned key (no KMS key)".into(),
        ),
    ];
    for (policy, kept) in [
        ("DeletionPolicy", deletion),
        ("UpdateReplacePolicy", replace),
    ] {
        // Absent means Delete to CloudFormation; say it anyway.
        let stated = resource.get(policy).and_then(Value::as_str) == Some(kept);
        problems.push(unless(stated, format!("{policy} is not {kept}")));
    }
    problems.push(unless(
        props.get("TableName").is_none(),
        "has a fixed TableName (stages would collide)".into(),
    ));
    problems.into_iter().flatten().collect()
}

fn str_at(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use platform::dynamo::KeyAttr;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap()
    }

    #[test]
    fn short_and_long_intrinsics_read_the_same() {
        let short = yaml("[!Ref T, !GetAtt T.Arn, !GetAtt [T, Arn], !Sub '${T.Arn}/index/*']");
        let long = yaml(r#"[{"Ref": T}, {"Fn::GetAtt": [T, Arn]}]"#);
        let short: Vec<_> = short
            .as_sequence()
            .unwrap()
            .iter()
            .map(Intrinsic::of)
            .collect();
        let long: Vec<_> = long
            .as_sequence()
            .unwrap()
            .iter()
            .map(Intrinsic::of)
            .collect();
        assert_eq!(short[0], Intrinsic::Ref("T".into()));
        assert_eq!(short[1], Intrinsic::GetAtt("T".into(), "Arn".into()));
        assert_eq!(short[2], short[1]);
        assert!(matches!(&short[3], Intrinsic::Other(t) if t.contains("index/*")));
        assert_eq!(long, short[..2]);
    }

    #[test]
    fn sub_text_reads_every_form_and_nothing_else() {
        let forms = yaml(
            r#"[!Sub "a${X}", {"Fn::Sub": "a${X}"}, {"Fn::Sub": ["a${X}", {X: !Ref Y}]}, "a${X}"]"#,
        );
        for form in forms.as_sequence().unwrap() {
            assert_eq!(sub_text(form).as_deref(), Some("a${X}"), "{form:?}");
        }
        for other in ["!Ref X", "{Fn::Join: ['', [a]]}", "[a]", "1"] {
            assert_eq!(sub_text(&yaml(other)), None, "{other}");
        }
    }

    #[test]
    fn cycles_are_found_and_only_real_ones() {
        let graph = |edges: &[(&str, &str)]| {
            let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (from, to) in edges {
                g.entry((*from).into()).or_default().insert((*to).into());
            }
            g
        };
        let cyclic = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
        assert_eq!(
            cycle_from(&cyclic, "a"),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
        );
        assert_eq!(cycle_from(&cyclic, "d"), None);
        let diamond = graph(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]);
        assert!(diamond.keys().all(|n| cycle_from(&diamond, n).is_none()));
    }

    #[test]
    fn an_exact_inline_policy_yields_its_grants_and_no_problem() {
        let (granted, problems) = grants(Some(&yaml(
            "- Statement:\n    - Effect: Allow\n      Action: [dynamodb:GetItem, dynamodb:PutItem]\n      Resource: !GetAtt T.Arn\n    - Effect: Deny\n      Action: '*'\n      Resource: '*'\n",
        )));
        assert!(problems.is_empty(), "{problems:?}");
        let t = || Intrinsic::GetAtt("T".into(), "Arn".into());
        assert_eq!(
            granted,
            BTreeSet::from([
                Grant::new("dynamodb:GetItem", t()),
                Grant::new("dynamodb:PutItem", t())
            ])
        );
    }

    #[test]
    fn broad_policies_are_reported() {
        for (policy, expect) in [
            ("- AmazonDynamoDBFullAccess", "not an inline policy"),
            ("- DynamoDBCrudPolicy: {TableName: !Ref T}", "not an inline policy"),
            (
                "- Statement: {Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt T.Arn}",
                "wildcard action",
            ),
            (
                "- Statement: {Effect: Allow, Action: dynamodb:GetItem, Resource: '*'}",
                "wildcard resource",
            ),
            (
                "- Statement: {Effect: Allow, Action: dynamodb:GetItem, Resource: !Sub 'arn:aws:dynamodb:*:*:table/*'}",
                "wildcard resource",
            ),
            (
                "- Statement: {Effect: Allow, NotAction: dynamodb:GetItem, Resource: !GetAtt T.Arn}",
                "NotAction",
            ),
        ] {
            let (_, problems) = grants(Some(&yaml(policy)));
            assert!(
                problems.iter().any(|p| p.contains(expect)),
                "{policy}: {problems:?}"
            );
        }
    }

    const SPEC: TableSpec = TableSpec {
        resource: "T",
        env: "T_TABLE",
        partition_key: KeyAttr {
            name: "id",
            kind: "S",
        },
        sort_key: None,
        ttl_attribute: Some("expiresAt"),
        recovery: Recovery::PointInTime,
    };

    const GOOD_TABLE: &str = "Type: AWS::DynamoDB::Table
DeletionPolicy: RetainExceptOnCreate
UpdateReplacePolicy: Retain
Properties:
  BillingMode: PAY_PER_REQUEST
  AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  KeySchema: [{AttributeName: id, KeyType: HASH}]
  TimeToLiveSpecification: {AttributeName: expiresAt, Enabled: true}
  PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
";

    #[test]
    fn a_table_that_follows_its_spec_has_no_problem() {
        assert_eq!(
            table_problems(&SPEC, &yaml(GOOD_TABLE)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_table_difference_is_reported() {
        for (from, to, expect) in [
            (
                "AttributeName: id, KeyType",
                "AttributeName: pk, KeyType",
                "KeySchema",
            ),
            (
                "AttributeType: S",
                "AttributeType: N",
                "AttributeDefinitions",
            ),
            ("AttributeName: expiresAt", "AttributeName: ttl", "TTL"),
            ("Enabled: true", "Enabled: false", "TTL"),
            ("PAY_PER_REQUEST", "PROVISIONED", "BillingMode"),
            (
                "PointInTimeRecoveryEnabled: true",
                "PointInTimeRecoveryEnabled: false",
                "point-in-time",
            ),
            (
                "  PointInTimeRecoverySpecification",
                "  SSESpecification: {SSEEnabled: true}\n  PointInTimeRecoverySpecification",
                "AWS owned key",
            ),
            (
                "  PointInTimeRecoverySpecification",
                "  SSESpecification: {SSEEnabled: true, KMSMasterKeyId: k}\n  PointInTimeRecoverySpecification",
                "AWS owned key",
            ),
            (
                "DeletionPolicy: RetainExceptOnCreate",
                "DeletionPolicy: Delete",
                "DeletionPolicy",
            ),
            (
                "DeletionPolicy: RetainExceptOnCreate",
                "DeletionPolicy: Retain",
                "DeletionPolicy",
            ),
            ("UpdateReplacePolicy: Retain\n", "", "UpdateReplacePolicy"),
        ] {
            let broken = GOOD_TABLE.replace(from, to);
            assert_ne!(broken, GOOD_TABLE, "{from}");
            let problems = table_problems(&SPEC, &yaml(&broken));
            assert!(
                problems.iter().any(|p| p.contains(expect)),
                "{from} -> {to}: {problems:?}"
            );
        }
        // A sort key in the spec but not in the table.
        let with_sort = TableSpec {
            sort_key: Some(KeyAttr {
                name: "sk",
                kind: "S",
            }),
            ..SPEC
        };
        assert!(!table_problems(&with_sort, &yaml(GOOD_TABLE)).is_empty());
        // No TTL in the spec, but one in the table.
        let no_ttl = TableSpec {
            ttl_attribute: None,
            ..SPEC
        };
        assert!(table_problems(&no_ttl, &yaml(GOOD_TABLE))
            .iter()
            .any(|p| p.contains("TTL")));
    }

    #[test]
    fn a_table_without_recovery_has_no_pitr_and_goes_with_the_stack() {
        let spec = TableSpec {
            recovery: Recovery::None,
            ..SPEC
        };
        let problems = table_problems(&spec, &yaml(GOOD_TABLE));
        for expect in ["point-in-time", "DeletionPolicy", "UpdateReplacePolicy"] {
            assert!(
                problems.iter().any(|p| p.contains(expect)),
                "{expect}: {problems:?}"
            );
        }
        let disposable = GOOD_TABLE
            .replace("RetainExceptOnCreate", "Delete")
            .replace("Retain", "Delete")
            .replace(
                "PointInTimeRecoveryEnabled: true",
                "PointInTimeRecoveryEnabled: false",
            );
        assert_eq!(
            table_problems(&spec, &yaml(&disposable)),
            Vec::<String>::new()
        );
        // Leaving PITR out is off too.
        let unstated = disposable.replace(
            "  PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: false}\n",
            "",
        );
        assert_ne!(unstated, disposable);
        assert_eq!(
            table_problems(&spec, &yaml(&unstated)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_real_template_reads_the_same_written_and_expanded() {
        let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
        // Short tags as written; long forms once expanded.
        for t in [Template::parse(&text).unwrap(), Template::load().unwrap()] {
            assert!(t.functions().len() >= 3);
            let globals = t.function_globals().unwrap();
            assert_eq!(
                Intrinsic::of(&globals["Architectures"][0]),
                Intrinsic::Ref("Architecture".into())
            );
        }
    }
}
