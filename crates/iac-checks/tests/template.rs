#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! template.yaml, env.json and samconfig.toml against the code: policies,
//! table schemas, environment variables, build settings, routes and events.
//! No database and no network.

use std::collections::{BTreeMap, BTreeSet};

use dynamodbmanager::ManagerConfig;
use iac_checks::{
    grants, settings_from, table_problems, workspace_root, Grant, Intrinsic, Template,
};
use platform::config::HttpConfig;
use platform::dynamo::{OPERATION_TIMEOUT, TABLES};
use resume::ResumeConfig;
use serde_json::Value as Json;
use serde_norway::Value;
use visitor_counter::CounterConfig;

fn template() -> Template {
    Template::load().unwrap()
}

fn get_att(id: &str) -> Intrinsic {
    Intrinsic::GetAtt(id.into(), "Arn".into())
}

/// What each function may do, and on what: exactly the calls its code makes.
fn expected_grants() -> BTreeMap<&'static str, BTreeSet<Grant>> {
    let on = |resource: Intrinsic, actions: &[&str]| {
        actions
            .iter()
            .map(move |a| Grant::new(a, resource.clone()))
            .collect::<Vec<_>>()
    };
    BTreeMap::from([
        (
            "ResumeFunction",
            on(get_att("ResumeTable"), &["dynamodb:GetItem"])
                .into_iter()
                .collect(),
        ),
        (
            "ResumeWriteFunction",
            // crates/resume/src/store.rs: the stored revision before a
            // conditional write, the write, DELETE.
            on(
                get_att("ResumeTable"),
                &[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:DeleteItem",
                ],
            )
            .into_iter()
            .collect(),
        ),
        (
            "VisitorCounterFunction",
            // crates/visitor-counter/src/store.rs: ADD on the total and the
            // day's item, a read of the visitor's marker and of the day, the
            // new-visitor transaction (its Put and Update are authorized as
            // PutItem and UpdateItem), and the history (BatchGetItem); one
            // put per visit into the log. src/store/salts.rs: the day's salt
            // (conditional put, read) and deleting an expired one, in a table
            // of their own. No secret.
            [
                on(
                    get_att("CounterTable"),
                    &[
                        "dynamodb:UpdateItem",
                        "dynamodb:PutItem",
                        "dynamodb:GetItem",
                        "dynamodb:BatchGetItem",
                    ],
                ),
                on(get_att("VisitsTable"), &["dynamodb:PutItem"]),
                on(
                    get_att("SaltsTable"),
                    &[
                        "dynamodb:PutItem",
                        "dynamodb:GetItem",
                        "dynamodb:DeleteItem",
                    ],
                ),
            ]
            .concat()
            .into_iter()
            .collect(),
        ),
        (
            "DynamoDbManagerFunction",
            on(
                get_att("ManagerTable"),
                &[
                    "dynamodb:PutItem",
                    "dynamodb:GetItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Scan",
                ],
            )
            .into_iter()
            .collect(),
        ),
    ])
}

#[test]
fn each_function_policy_names_only_its_own_tables_and_actions() {
    let t = template();
    let functions = t.functions();
    let expected = expected_grants();
    let ids: BTreeSet<&str> = functions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, expected.keys().copied().collect());

    for (id, function) in &functions {
        let props = &function["Properties"];
        assert!(
            props.get("Role").is_none(),
            "{id}: a Role would bypass Policies"
        );
        let (granted, problems) = grants(props.get("Policies"));
        assert!(problems.is_empty(), "{id}: {problems:?}");
        assert_eq!(&granted, &expected[id.as_str()], "{id}");

        // The tables it may touch are exactly the ones its environment names.
        let env = t.function_env(function);
        let granted_tables: BTreeSet<String> = granted
            .iter()
            .filter(|g| g.action.starts_with("dynamodb:"))
            .map(|g| match &g.resource {
                Intrinsic::GetAtt(table, attr) if attr == "Arn" => table.clone(),
                other => panic!("{id}: DynamoDB on {other:?}, not a table's Arn"),
            })
            .collect();
        let env_tables: BTreeSet<String> = TABLES
            .iter()
            .filter(|spec| env.contains_key(spec.env))
            .map(|spec| {
                assert_eq!(
                    Intrinsic::of(&env[spec.env]),
                    Intrinsic::Ref(spec.resource.into()),
                    "{id}: {} must name {}",
                    spec.env,
                    spec.resource
                );
                spec.resource.to_owned()
            })
            .collect();
        assert_eq!(granted_tables, env_tables, "{id}");
    }

    // No other IAM policy in the template grants DynamoDB access (the two
    // managed policies grant execute-api:Invoke on the manager's routes and
    // on the resume writes: security.rs holds them to those).
    assert!(
        t.of_type("AWS::IAM::Policy").is_empty(),
        "unexpected AWS::IAM::Policy"
    );
    for (id, policy) in t.of_type("AWS::IAM::ManagedPolicy") {
        assert!(
            ["ManagerInvokePolicy", "ResumeWriterPolicy"].contains(&id.as_str()),
            "{id}"
        );
        let text = serde_norway::to_string(policy).unwrap().to_lowercase();
        assert!(!text.contains("dynamodb:"), "{id} grants DynamoDB access");
    }
    for (id, role) in t.of_type("AWS::IAM::Role") {
        let text = serde_norway::to_string(role).unwrap();
        assert!(!text.contains("dynamodb"), "{id} grants DynamoDB access");
    }
}

#[test]
fn table_key_schemas_and_ttl_equal_the_domain_specs() {
    let t = template();
    let in_template: BTreeSet<String> = t
        .of_type("AWS::DynamoDB::Table")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let in_domain: BTreeSet<String> = TABLES.iter().map(|s| s.resource.to_owned()).collect();
    assert_eq!(
        in_template, in_domain,
        "template tables vs platform::dynamo::TABLES"
    );
    for spec in TABLES {
        let resource = t.resource(spec.resource).unwrap();
        let problems = table_problems(spec, resource);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn globals_suit_the_code() {
    let t = template();
    let g = t.function_globals().unwrap();
    assert_eq!(g["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(g["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(g["MemorySize"].as_u64(), Some(128));
    assert_eq!(g["Tracing"].as_str(), Some("Active"));
    assert_eq!(g["LoggingConfig"]["LogFormat"].as_str(), Some("JSON"));
    let timeout = g["Timeout"].as_u64().unwrap();
    assert!(
        timeout > OPERATION_TIMEOUT.as_secs() && timeout <= 10,
        "Timeout {timeout}s must be short, yet above the SDK's {OPERATION_TIMEOUT:?}"
    );
    let env = &g["Environment"]["Variables"];
    // One route-prefix mechanism: platform::lambda drops the stage and
    // API_BASE_PATH; lambda_http's own stage switch stays unset.
    assert!(
        env.get("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_none(),
        "{env:?}"
    );
    assert_eq!(
        Intrinsic::of(&env["API_BASE_PATH"]),
        Intrinsic::Ref("BasePath".into())
    );
    // The log level in the process, through the variable tracing reads, not
    // one of ours; Lambda's own filter stays open for the EMF lines
    // (tests/log_levels.rs checks every allowed LogLevel).
    assert!(env.get("LOG_LEVEL").is_none(), "{env:?}");
    assert_eq!(
        Intrinsic::of(&env["RUST_LOG"]),
        Intrinsic::Ref("LogLevel".into())
    );
    assert_eq!(
        Intrinsic::of(&env["ALLOWED_ORIGINS"]),
        Intrinsic::Ref("AllowedOrigins".into())
    );
    assert_eq!(
        Intrinsic::of(&g["Architectures"][0]),
        Intrinsic::Ref("Architecture".into())
    );
    let arch = &t.root["Parameters"]["Architecture"];
    assert_eq!(arch["Default"].as_str(), Some("arm64"));
    assert_eq!(g["AutoPublishAlias"].as_str(), Some("live"));
}

#[test]
fn every_parameter_the_issue_names_exists() {
    let t = template();
    let params = t.root["Parameters"].as_mapping().unwrap();
    for name in [
        "Stage",
        "AllowedOrigins",
        "ResumeId",
        "LogLevel",
        "AlarmEmail",
        "ThrottlingRateLimit",
        "ThrottlingBurstLimit",
        "Architecture",
    ] {
        assert!(params.contains_key(name), "parameter {name}");
    }
    assert_eq!(params["AlarmEmail"]["Default"].as_str(), Some(""));
}

/// A `[[bin]]` of a workspace crate: its crate's folder (`crates/<name>`),
/// its `required-features`, and the features cargo-lambda builds it with
/// (`[package.metadata.lambda.bin.<bin>.build] features`).
struct Binary {
    crate_dir: String,
    required: BTreeSet<String>,
    lambda_features: BTreeSet<String>,
}

/// Each workspace member's folder, relative to the workspace root
/// (`crates/<name>`, `tests`), and its parsed `Cargo.toml`.
fn workspace_manifests() -> Vec<(String, toml::Table)> {
    let root = workspace_root();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.push(root.join("tests"));
    dirs.iter()
        .filter_map(|dir| {
            let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
            let relative = dir.strip_prefix(&root).unwrap().to_str().unwrap();
            Some((relative.to_owned(), toml::from_str(&text).unwrap()))
        })
        .collect()
}

/// Every workspace crate's `[[bin]]`, by name.
fn workspace_binaries() -> BTreeMap<String, Binary> {
    let strings = |v: Option<&toml::Value>| -> BTreeSet<String> {
        v.and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    };
    let mut bins = BTreeMap::new();
    for (dir, doc) in workspace_manifests() {
        let lambda_bins = doc
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("lambda"))
            .and_then(|l| l.get("bin"));
        for bin in doc
            .get("bin")
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
        {
            let name = bin["name"].as_str().unwrap().to_owned();
            let build = lambda_bins
                .and_then(|b| b.get(&name))
                .and_then(|b| b.get("build"));
            let binary = Binary {
                crate_dir: dir.clone(),
                required: strings(bin.get("required-features")),
                lambda_features: strings(build.and_then(|b| b.get("features"))),
            };
            bins.insert(name, binary);
        }
    }
    bins
}

/// The package names of the workspace's members.
fn workspace_members() -> BTreeSet<String> {
    workspace_manifests()
        .into_iter()
        .map(|(_, doc)| doc["package"]["name"].as_str().unwrap().to_owned())
        .collect()
}

/// sam build runs `cargo lambda build --release --bin <Binary>` in CodeUri.
/// From the workspace root, cargo would resolve features for every default
/// member together (local-api's JSON Resume check would reach every
/// bootstrap: measured +9.8 % for the counter's); from the crate's own folder
/// it selects that package alone.
#[test]
fn each_function_builds_only_its_own_package_and_binary() {
    let t = template();
    let bins = workspace_binaries();
    let mut seen = BTreeSet::new();
    for (id, function) in t.functions() {
        let meta = &function["Metadata"];
        assert_eq!(
            meta["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id}"
        );
        let name = meta["BuildProperties"]["Binary"].as_str().unwrap();
        let binary = bins
            .get(name)
            .unwrap_or_else(|| panic!("{id}: no [[bin]] named {name}"));
        assert!(seen.insert(name.to_owned()), "{name} built twice");
        assert_eq!(
            function["Properties"]["CodeUri"].as_str(),
            Some(binary.crate_dir.as_str()),
            "{id}: CodeUri is the folder of the crate that builds {name}"
        );
        // SAM passes no cargo flags; cargo-lambda's package metadata must
        // turn on what the binary requires, or sam build fails.
        assert!(
            binary.required.is_subset(&binary.lambda_features),
            "{id}: {name} requires features {:?}; cargo-lambda builds it with {:?}",
            binary.required,
            binary.lambda_features
        );
        // Canary rollout, rolled back on this function's own alarms only: an
        // API-wide alarm would roll back all three for one function's error.
        let deploy = &function["Properties"]["DeploymentPreference"];
        assert_eq!(
            Intrinsic::of(&deploy["Type"]),
            Intrinsic::Ref("DeploymentType".into())
        );
        let alarms: BTreeSet<Intrinsic> = deploy["Alarms"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(Intrinsic::of)
            .collect();
        let own = [format!("{id}ErrorsAlarm"), format!("{id}ThrottlesAlarm")];
        assert_eq!(
            alarms,
            own.iter().map(|a| Intrinsic::Ref(a.clone())).collect(),
            "{id}: rollback alarms"
        );
        for alarm in own {
            assert!(
                alarms.contains(&Intrinsic::Ref(alarm.clone())),
                "{id}: {alarm}"
            );
            assert_eq!(
                t.resource(&alarm).unwrap()["Type"].as_str(),
                Some("AWS::CloudWatch::Alarm")
            );
        }
        // Its own log group, with retention.
        let group = Intrinsic::of(&function["Properties"]["LoggingConfig"]["LogGroup"]);
        let Intrinsic::Ref(group) = group else {
            panic!("{id}: LoggingConfig.LogGroup is not a !Ref")
        };
        assert_eq!(
            Intrinsic::of(&t.resource(&group).unwrap()["Properties"]["RetentionInDays"]),
            Intrinsic::Ref("LogRetentionDays".into())
        );
    }
    let param_default = default_deployment_type(&t);
    assert!(param_default.starts_with("Canary"), "{param_default}");
}

/// One node of `cargo tree` as cargo compiles it: a package with the
/// features resolved for it, over the same nodes for its dependencies. Two
/// builds reuse a package's compiled output only when these are equal.
type Unit = String;

/// Package ("name vX") -> its own features and its unit.
type Units = BTreeMap<String, (String, Unit)>;

/// The compiled units of `cargo tree` run in `dir` with `args` (its edges,
/// target and selection): package -> its unit (its name, features, and its
/// dependencies' units, recursively). Also each package's own features, to
/// name the ones that differ.
fn cargo_units(dir: &std::path::Path, args: &[&str]) -> Units {
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(dir)
        .args(["tree", "--locked", "--prefix", "depth", "-f", "{p}|{f}"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut features = BTreeMap::<String, String>::new();
    let mut deps = BTreeMap::<String, BTreeSet<String>>::new();
    let mut stack: Vec<String> = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            continue; // a blank line between roots, or "[dev-dependencies]"
        }
        let depth: usize = line[..digits].parse().unwrap();
        let (package, feats) = line[digits..]
            .trim_end_matches(" (*)")
            .rsplit_once('|')
            .unwrap();
        // "name vX (/path)" or "name vX (proc-macro)": name and version.
        let package = package.split(" (").next().unwrap().to_owned();
        features.insert(package.clone(), feats.to_owned());
        deps.entry(package.clone()).or_default();
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            deps.get_mut(parent).unwrap().insert(package.clone());
        }
        stack.push(package);
    }
    fn unit(
        p: &str,
        f: &BTreeMap<String, String>,
        d: &BTreeMap<String, BTreeSet<String>>,
        memo: &mut BTreeMap<String, Unit>,
    ) -> Unit {
        if let Some(u) = memo.get(p) {
            return u.clone();
        }
        let below: Vec<Unit> = d[p].iter().map(|q| unit(q, f, d, memo)).collect();
        let u = format!("{p}[{}]({})", f[p], below.join(","));
        memo.insert(p.to_owned(), u.clone());
        u
    }
    let mut memo = BTreeMap::new();
    for p in features.keys() {
        unit(p, &features, &deps, &mut memo);
    }
    memo.into_iter()
        .map(|(p, u)| (p.clone(), (features[&p].clone(), u)))
        .collect()
}

/// sam build compiles each function in a cargo run of its own (above), and
/// cargo resolves each package's features alone: where they differ for one
/// crate, that crate and every crate above it compile again. The AWS SDK
/// and lambda_runtime's event types are most of a release build, so
/// platform's `[dependencies]` ask for the features the other functions'
/// trees turn on (crates/platform/Cargo.toml says which); this holds every
/// function's build to one compile of them, from the template's own list.
#[test]
fn the_functions_release_builds_compile_the_sdk_once() {
    const SHARED: [&str; 4] = [
        "aws-sdk-dynamodb",
        "aws-config",
        "hyper-rustls",
        "aws_lambda_events",
    ];
    let bins = workspace_binaries();
    let mut first: Option<(String, Units)> = None;
    for (id, function) in template().functions() {
        let name = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        let binary = &bins[name];
        let features = binary
            .lambda_features
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(",");
        // sam build's edges and target (the pipeline's arm64).
        let mut args = vec![
            "-e",
            "normal,build",
            "--target",
            "aarch64-unknown-linux-gnu",
        ];
        if !features.is_empty() {
            args.extend(["--features", &features]);
        }
        let units = cargo_units(&workspace_root().join(&binary.crate_dir), &args);
        let shared = |units: &Units| -> Units {
            units
                .iter()
                .filter(|(p, _)| SHARED.iter().any(|s| p.starts_with(&format!("{s} v"))))
                .map(|(p, u)| (p.clone(), u.clone()))
                .collect()
        };
        assert_eq!(
            shared(&units).len(),
            SHARED.len(),
            "{id}: {:?}",
            shared(&units).keys()
        );
        match &first {
            None => first = Some((id.to_owned(), units)),
            Some((first_id, first_units)) => {
                for (p, (_, u)) in shared(&units) {
                    let differ: Vec<&String> = units
                        .iter()
                        .filter(|(q, (f, _))| first_units.get(*q).is_some_and(|(g, _)| f != g))
                        .map(|(q, _)| q)
                        .collect();
                    assert!(
                        u == first_units[&p].1,
                        "{id} and {first_id} compile {p} differently; features differ for \
                         {differ:?}: align them in crates/platform/Cargo.toml"
                    );
                }
            }
        }
    }
}

/// make test's test-build compiles `cargo test --workspace` once; make dev
/// and every script's local stack then run `cargo build -p local-api -p
/// testkit` (rehearse-deploy adds bench, publishing runs local-api alone).
/// cargo resolves those selections without the tests' dev-dependencies, so a
/// feature that only a test's dependency turns on (reqwest's on tower) would
/// compile the crates above it a second time: crates/local-api/Cargo.toml
/// asks for them. Held here for every selection the scripts build.
#[test]
fn the_scripts_debug_builds_reuse_the_tests_build() {
    let root = workspace_root();
    let tests = cargo_units(&root, &["-e", "normal,build,dev", "--workspace"]);
    // Our own crates' units list their dev-dependencies under tests: theirs
    // compare by features, the registry's crates whole.
    let members = workspace_members();
    let ours = |p: &str| members.contains(p.split(" v").next().unwrap_or(p));
    for selection in [
        &["-p", "local-api"][..],
        &["-p", "local-api", "-p", "testkit"],
        &["-p", "bench", "-p", "local-api", "-p", "testkit"],
    ] {
        let args = [&["-e", "normal,build"][..], selection].concat();
        let units = cargo_units(&root, &args);
        let differ: Vec<String> = units
            .iter()
            .filter(|(p, (f, u))| match tests.get(*p) {
                None => true,
                Some((g, v)) => f != g || (!ours(p) && u != v),
            })
            .map(|(p, (f, _))| {
                format!(
                    "{p} [{f}] (tests: [{}])",
                    tests.get(p).map_or("none", |t| &t.0)
                )
            })
            .collect();
        assert!(
            differ.is_empty(),
            "`cargo build {}` compiles these unlike `cargo test --workspace`: {differ:#?}",
            selection.join(" ")
        );
    }
}

fn default_deployment_type(t: &Template) -> String {
    t.root["Parameters"]["DeploymentType"]["Default"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Environment variables as a config `Source`.
struct Vars(BTreeMap<String, String>);

impl Vars {
    /// The settings struct `T`, read from these variables as the function reads them.
    fn read<T: clap::Args + clap::FromArgMatches>(&self) -> T {
        settings_from::<T>(&self.0).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// A template value as the deployed function would see it: parameters at
/// their defaults, tables with generated names, the secret as an ARN.
fn resolve(t: &Template, value: &Value) -> String {
    match Intrinsic::of(value) {
        Intrinsic::Ref(id) => {
            if let Some(param) = t.root["Parameters"].get(&id) {
                return match &param["Default"] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => panic!("parameter {id} default {other:?}"),
                };
            }
            match t.resource(&id).unwrap()["Type"].as_str().unwrap() {
                "AWS::DynamoDB::Table" => format!("stack-{id}-1A2B3C4D5E6F"),
                "AWS::SecretsManager::Secret" => {
                    format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-AbCdEf")
                }
                other => panic!("!Ref to a {other}"),
            }
        }
        Intrinsic::GetAtt(id, attr) => format!("{id}.{attr}"),
        Intrinsic::Other(text) => value.as_str().map(str::to_owned).unwrap_or(text),
    }
}

#[test]
fn each_function_starts_with_the_environment_the_template_gives_it() {
    let t = template();
    for (id, function) in t.functions() {
        let vars = Vars(
            t.function_env(function)
                .iter()
                .map(|(k, v)| (k.clone(), resolve(&t, v)))
                .collect(),
        );
        // Every function serves HTTP: ALLOWED_ORIGINS too.
        vars.read::<HttpConfig>();
        match id.as_str() {
            "ResumeFunction" | "ResumeWriteFunction" => {
                let cfg: ResumeConfig = vars.read();
                assert_eq!(cfg.table.as_str(), "stack-ResumeTable-1A2B3C4D5E6F");
            }
            "DynamoDbManagerFunction" => {
                let cfg: ManagerConfig = vars.read();
                assert_eq!(cfg.table.as_str(), "stack-ManagerTable-1A2B3C4D5E6F");
                // The IAM policy allows the managed table only; so does the config.
                assert!(cfg.allows_table(cfg.table.as_str()));
                assert!(
                    cfg.allowed_tables.0.iter().all(|t| *t == cfg.table),
                    "{:?}",
                    cfg.allowed_tables
                );
            }
            "VisitorCounterFunction" => {
                // No salt in the settings: it is made per day, in its table.
                assert!(!vars.0.keys().any(|k| is_salt_setting(k)), "{:?}", vars.0);
                let cfg: CounterConfig = vars.read();
                assert_eq!(
                    cfg.counter_table.as_str(),
                    "stack-CounterTable-1A2B3C4D5E6F"
                );
                assert_eq!(cfg.visits_table.as_str(), "stack-VisitsTable-1A2B3C4D5E6F");
                assert_eq!(cfg.salts_table.as_str(), "stack-SaltsTable-1A2B3C4D5E6F");
            }
            other => panic!("no config check for {other}"),
        }
    }
}

/// A variable that would carry a salt (or point at one). The salts table's
/// name does not: the salts are made per day, in it.
fn is_salt_setting(name: &str) -> bool {
    name.contains("SALT") && !iac_checks::is_table_variable(name)
}

#[test]
fn no_salt_or_secret_is_configured_or_resolved() {
    // The salt is random per day and lives in a table of its own with a
    // TTL, so yesterday's hashes cannot be linked to today's and no long-lived
    // secret exists to leak: no Secrets Manager secret, no salt variable but
    // the table's name.
    let t = template();
    assert!(t.of_type("AWS::SecretsManager::Secret").is_empty());
    for (id, function) in t.functions() {
        let env = t.function_env(function);
        assert!(!env.keys().any(|k| is_salt_setting(k)), "{id}: {env:?}");
        for (name, value) in &env {
            let text = serde_norway::to_string(value).unwrap();
            assert!(
                !text.contains("resolve:secretsmanager"),
                "{id}: {name} resolves a secret into plain text"
            );
        }
    }
}

// ---------------------------------------------------------------- routes

/// An event file: its name, the function its name says it is for, and the
/// route it carries.
struct Event {
    file: String,
    json: Json,
}

impl Event {
    fn route(&self) -> (String, String) {
        (
            self.json["httpMethod"].as_str().unwrap().to_owned(),
            self.json["resource"].as_str().unwrap().to_owned(),
        )
    }
}

fn events() -> Vec<Event> {
    let mut files: Vec<String> = std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text =
                std::fs::read_to_string(workspace_root().join("events").join(&file)).unwrap();
            Event {
                json: serde_json::from_str(&text).unwrap(),
                file,
            }
        })
        .collect()
}

/// The function an event file's name says it is for, if its prefix says.
fn function_of_file(file: &str) -> Option<&'static str> {
    if file.starts_with("resume-write-") {
        Some("ResumeWriteFunction")
    } else if file.starts_with("resume-") {
        Some("ResumeFunction")
    } else if file.starts_with("visitorcount-") {
        Some("VisitorCounterFunction")
    } else if file.starts_with("dynamodbmanager-") || file.starts_with("items-") {
        Some("DynamoDbManagerFunction")
    } else {
        None
    }
}

/// True if `path` is `resource` with each `{param}` filled by one segment.
fn path_fits(resource: &str, path: &str) -> bool {
    let r: Vec<&str> = resource.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    r.len() == p.len()
        && r.iter().zip(&p).all(|(r, p)| {
            if r.starts_with('{') && r.ends_with('}') {
                !p.is_empty()
            } else {
                r == p
            }
        })
}

#[test]
fn every_route_has_an_event_and_every_event_a_route() {
    let t = template();
    let mut routes: BTreeMap<(String, String), String> = BTreeMap::new();
    for (id, function) in t.functions() {
        for route in Template::routes(function) {
            assert!(
                routes.insert(route.clone(), id.clone()).is_none(),
                "{route:?} is routed twice"
            );
        }
    }
    let events = events();
    assert!(!events.is_empty());
    let mut covered = BTreeSet::new();
    for e in &events {
        let route = e.route();
        let Some(function) = routes.get(&route) else {
            panic!("{}: {route:?} is not a route in template.yaml", e.file);
        };
        if let Some(named) = function_of_file(&e.file) {
            assert_eq!(
                named, function,
                "{}: its prefix names another function",
                e.file
            );
        }
        // A REST proxy event, consistent with itself.
        let ctx = &e.json["requestContext"];
        assert_eq!(
            ctx["resourcePath"].as_str(),
            Some(route.1.as_str()),
            "{}",
            e.file
        );
        assert_eq!(
            ctx["httpMethod"].as_str(),
            Some(route.0.as_str()),
            "{}",
            e.file
        );
        let stage = ctx["stage"].as_str().unwrap();
        let path = e.json["path"].as_str().unwrap();
        // The stage (execute-api URL), or a custom domain's base path: the
        // custom-domain events use `v1` (events.rs runs them with it).
        let bare = [format!("/{stage}"), "/v1".to_owned()]
            .iter()
            .find_map(|prefix| {
                path.strip_prefix(prefix.as_str())
                    .filter(|r| r.starts_with('/'))
            })
            .unwrap_or(path);
        assert!(
            path_fits(&route.1, bare),
            "{}: path {path} vs {}",
            e.file,
            route.1
        );
        covered.insert(route);
    }
    let missing: Vec<_> = routes.keys().filter(|r| !covered.contains(*r)).collect();
    assert!(
        missing.is_empty(),
        "routes without an event in events/: {missing:?}"
    );
    // The resume events show both path forms API Gateway sends.
    let resume_paths: BTreeSet<bool> = events
        .iter()
        .filter(|e| e.file.starts_with("resume-"))
        .map(|e| e.json["path"].as_str().unwrap().starts_with("/Prod/"))
        .collect();
    assert_eq!(resume_paths, BTreeSet::from([false, true]));
}

/// With the variable set (as template.yaml sets it), a stage named like a
/// route's first segment would be stripped from that route's own path
/// (`/items` under stage `items` became `/`). The Stage parameter refuses
/// those names.
#[test]
fn the_stage_parameter_refuses_route_names() {
    let template = Template::load().unwrap();
    let pattern = template.root["Parameters"]["Stage"]["AllowedPattern"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = pattern
        .strip_prefix("^(?!(")
        .and_then(|rest| rest.split_once(")$)"))
        .map(|(names, _)| names.split('|').collect::<Vec<_>>())
        .unwrap_or_else(|| panic!("Stage AllowedPattern has no (?!(a|b)$) guard: {pattern}"));
    for (_, function) in template.functions() {
        for (_, path) in Template::routes(function) {
            let first = path.trim_start_matches('/').split('/').next().unwrap();
            assert!(refused.contains(&first), "stage {first:?} is allowed");
        }
    }
}

#[test]
fn path_fitting_is_strict() {
    assert!(path_fits("/items/{id}", "/items/a"));
    assert!(!path_fits("/items/{id}", "/items/"));
    assert!(!path_fits("/items/{id}", "/items/a/b"));
    assert!(!path_fits("/items", "/item"));
}

// ---------------------------------------------------------------- env.json

#[test]
fn env_json_sets_only_declared_variables_and_starts_every_function() {
    let t = template();
    let text = std::fs::read_to_string(workspace_root().join("env.json")).unwrap();
    let env: Json = serde_json::from_str(&text).unwrap();
    let env = env.as_object().unwrap();
    let functions: BTreeMap<String, &Value> = t.functions().into_iter().collect();
    let shared = env["Parameters"].as_object().unwrap();
    let keys: BTreeSet<&str> = env.keys().map(String::as_str).collect();
    let mut want: BTreeSet<&str> = functions.keys().map(String::as_str).collect();
    want.insert("Parameters");
    assert_eq!(keys, want);

    for (id, function) in &functions {
        let declared = t.function_env(function);
        let own = env[id.as_str()].as_object().unwrap();
        // `sam local` only overrides variables the template declares.
        for name in own.keys() {
            assert!(
                declared.contains_key(name),
                "env.json {id}.{name} is not in the template"
            );
        }
        for name in shared.keys() {
            assert!(
                declared.contains_key(name),
                "env.json Parameters.{name}: not in {id}"
            );
        }
        let mut vars: BTreeMap<String, String> = declared
            .iter()
            .map(|(k, v)| (k.clone(), resolve(&t, v)))
            .collect();
        for (k, v) in shared.iter().chain(own) {
            vars.insert(k.clone(), v.as_str().unwrap().to_owned());
        }
        assert!(
            vars["AWS_ENDPOINT_URL_DYNAMODB"].contains("host.docker.internal"),
            "{id}: the container must reach DynamoDB Local on the host"
        );
        let vars = Vars(vars);
        // Every function serves HTTP: ALLOWED_ORIGINS too.
        vars.read::<HttpConfig>();
        match id.as_str() {
            "ResumeFunction" | "ResumeWriteFunction" => {
                vars.read::<ResumeConfig>();
            }
            "DynamoDbManagerFunction" => {
                vars.read::<ManagerConfig>();
            }
            "VisitorCounterFunction" => {
                // No salt anywhere in the settings: it is made per day.
                assert!(!vars.0.keys().any(|k| is_salt_setting(k)), "{:?}", vars.0);
                vars.read::<CounterConfig>();
            }
            other => panic!("no config check for {other}"),
        }
    }
}

// ---------------------------------------------------------------- samconfig

#[test]
fn samconfig_has_guided_staging_and_prod_environments() {
    let t = template();
    let params = t.root["Parameters"].as_mapping().unwrap();
    let text = std::fs::read_to_string(workspace_root().join("samconfig.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut stacks = BTreeSet::new();
    for env in ["default", "staging", "prod"] {
        let deploy = doc[env]["deploy"]["parameters"].as_table().unwrap();
        let global = doc[env]
            .get("global")
            .and_then(|g| g["parameters"].as_table());
        let stack = deploy
            .get("stack_name")
            .or_else(|| global.and_then(|g| g.get("stack_name")))
            .and_then(|s| s.as_str())
            .unwrap_or_else(|| panic!("{env}: stack_name"));
        assert!(
            stacks.insert(stack.to_owned()),
            "{env}: stack {stack} reused"
        );
        assert_eq!(deploy["resolve_s3"].as_bool(), Some(true), "{env}");
        let caps = deploy["capabilities"].as_str().unwrap();
        assert!(caps.contains("CAPABILITY_IAM"), "{env}: {caps}");
        assert!(!deploy["tags"].as_str().unwrap().is_empty(), "{env}");
        let overrides = deploy["parameter_overrides"].as_str().unwrap();
        for pair in overrides.split_whitespace() {
            let name = pair.split('=').next().unwrap();
            assert!(
                params.contains_key(name),
                "{env}: {name} is not a template parameter"
            );
        }
        assert!(overrides.contains("Stage="), "{env}");
        let confirm = deploy["confirm_changeset"].as_bool().unwrap();
        // The guided default asks; the pipeline's environments must not.
        assert_eq!(confirm, env == "default", "{env}: confirm_changeset");
    }
}

#[test]
fn api_gateway_errors_have_the_one_error_shape() {
    let t = template();
    let responses = t.resource("Api").unwrap()["Properties"]["GatewayResponses"]
        .as_mapping()
        .unwrap();
    for kind in [
        "THROTTLED",
        "REQUEST_TOO_LARGE",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    ] {
        let response = &responses[kind];
        let status = match response.get("StatusCode").and_then(Value::as_str) {
            Some(code) => code.parse::<u16>().unwrap(),
            None if kind == "DEFAULT_4XX" => 400,
            None => 500,
        };
        let status = http::StatusCode::from_u16(status).unwrap();
        let body = response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap()
            .replace("$context.requestId", "req-1")
            .replace("$context.error.messageString", "\"gateway says\"");
        let body: Json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let keys: BTreeSet<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["error", "message", "requestId"]),
            "{kind}"
        );
        assert_eq!(body["requestId"], "req-1", "{kind}");
        // The code the functions send for the same status.
        let code = platform::ApiError::from_status(status, None, platform::http::BODY_LIMIT).code();
        assert_eq!(body["error"], code, "{kind}");
    }
    // The IAM refusals: exactly what local-api's SigV4 gate answers, so a
    // client sees the same 403 body locally and in AWS. (API Gateway also
    // answers an unknown route with MISSING_AUTHENTICATION_TOKEN; its message
    // says so.)
    for (refusal, kind) in local_api::iam::Refusal::ALL {
        let response = &responses[kind];
        assert_eq!(response["StatusCode"].as_str(), Some("403"), "{kind}");
        let body = response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap()
            .replace("$context.requestId", "req-1");
        let body: Json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(
            body,
            serde_json::json!({
                "error": refusal.code(),
                "message": refusal.message(),
                "requestId": "req-1",
            }),
            "{kind}"
        );
    }
    assert!(local_api::iam::Refusal::MissingAuthenticationToken
        .message()
        .contains("no such route"));
    // The IAM refusals only AWS can decide (an expired session token, no
    // policy): the local gate never sends them, so their texts are held
    // here to the one shape, with the code docs/security.md documents.
    let aws_only = [
        ("EXPIRED_TOKEN", "expired_token", "expired"),
        ("ACCESS_DENIED", "access_denied", "ManagerInvokePolicy"),
    ];
    let access = std::fs::read_to_string(workspace_root().join("docs/security.md")).unwrap();
    for (kind, code, says) in aws_only {
        let response = &responses[kind];
        assert_eq!(response["StatusCode"].as_str(), Some("403"), "{kind}");
        let body = response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap()
            .replace("$context.requestId", "req-1");
        let body: Json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let keys: BTreeSet<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["error", "message", "requestId"]),
            "{kind}"
        );
        assert_eq!(
            (&body["error"], &body["requestId"]),
            (&Json::from(code), &Json::from("req-1")),
            "{kind}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(says)),
            "{kind}: {body}"
        );
        assert!(
            access.contains(&format!("`{code}`")),
            "docs/security.md lacks {code}"
        );
    }
    // Every gateway response of the template is one of those checked above.
    let checked: BTreeSet<&str> = [
        "THROTTLED",
        "REQUEST_TOO_LARGE",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    ]
    .into_iter()
    .chain(local_api::iam::Refusal::ALL.map(|(_, kind)| kind))
    .chain(aws_only.map(|(kind, _, _)| kind))
    .collect();
    let declared: BTreeSet<&str> = responses.keys().filter_map(Value::as_str).collect();
    assert_eq!(declared, checked, "a gateway response no test checks");
    // Each carries the same CORS header (written out per response: SAM has
    // no default for them), the first allowed origin's when there is one.
    let headers: Vec<&Value> = responses
        .values()
        .map(|r| &r["ResponseParameters"])
        .collect();
    assert!(headers.iter().all(|h| h == &headers[0]), "{headers:#?}");
    let origin = &headers[0]["Headers"]["Access-Control-Allow-Origin"]["Fn::If"];
    assert_eq!(origin[0].as_str(), Some("HasAllowedOrigins"), "{origin:?}");
    assert_eq!(
        origin[2]["Ref"].as_str(),
        Some("AWS::NoValue"),
        "{origin:?}"
    );
}
