#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Spend caps (issue 24): each table's `OnDemandThroughput` is the sum, over
//! the routes of the functions that use it, of the requests API Gateway
//! admits in one second (a full token bucket: the route's burst) times the
//! request units the worst of those requests consumes. So no request the
//! throttles admit is refused by DynamoDB, and a flood past them (a direct
//! invocation, a loop, throttles being best effort) costs at most the cap.
//!
//! The units per request are the code's, as the crates document them:
//! - `GET /visitorcount` (visitor_counter's lib.rs, "What a counted view
//!   writes"): a new visitor's view writes the total (1) and a transaction
//!   of the marker and the day (2 items at 2 units: 4) in the counter table,
//!   reads the marker and the day strongly consistently (2), and writes a
//!   visit item (up to 2 KB: 2 units) in the visits table; a new instance
//!   reads or makes the day's salt (1 read or 1 write) and deletes an
//!   expired one (1 write);
//! - `GET /visitorcount/stats`: up to `MAX_STATS_DAYS` day items read by
//!   `BatchGetItem`, eventually consistent (half a unit each);
//! - `GET /resume`, `/resume/{id}`: one strongly consistent `GetItem` of a
//!   document of up to 16 KB (4 × 4 KB, a unit each); the owner's signed
//!   `PUT` (that read, then a put of 16 units) and `DELETE` (16 units),
//!   throttled to a burst of 2 each;
//! - the manager's routes: SigV4 callers only (the owner), capped per
//!   second at one strongly consistent 1 MB `Scan` page twice over (512) and
//!   one 400 KB item written (400), not per request rate.

use std::collections::BTreeMap;

use iac_checks::{workspace_root, Template};
use serde_norway::Value;
use visitor_counter::handlers::MAX_STATS_DAYS;

/// Read and write units one request consumes in one table.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Units {
    read: f64,
    write: f64,
}

const fn units(read: f64, write: f64) -> Units {
    Units { read, write }
}

/// The largest resume document the resume table's cap is sized for.
const RESUME_DOC_BYTES: usize = 16 * 1024;

/// The worst request of `route` in `table` (logical ids), or `None` when the
/// route is not known here: then the test fails, so that a new route is
/// counted before it ships.
fn units_of(table: &str, method: &str, path: &str) -> Option<Units> {
    let stats_reads = (f64::from(MAX_STATS_DAYS) * 0.5).ceil();
    // Strongly consistent (a read after a write sees it): a unit per 4 KB.
    let resume_reads = (RESUME_DOC_BYTES as f64 / 4096.0).ceil();
    let resume_writes = (RESUME_DOC_BYTES as f64 / 1024.0).ceil();
    if method == "OPTIONS" {
        return Some(Units::default()); // preflights touch no table
    }
    Some(match (table, method, path) {
        ("CounterTable", "GET", "/visitorcount") => units(2.0, 5.0),
        ("CounterTable", "GET", "/visitorcount/stats") => units(stats_reads, 0.0),
        ("VisitsTable", "GET", "/visitorcount") => units(0.0, 2.0),
        ("VisitsTable", "GET", "/visitorcount/stats") => Units::default(),
        ("SaltsTable", "GET", "/visitorcount") => units(1.0, 2.0),
        ("SaltsTable", "GET", "/visitorcount/stats") => Units::default(),
        ("ResumeTable", "GET", "/resume" | "/resume/{id}") => units(resume_reads, 0.0),
        // The owner's signed writes: the stored revision read, then the
        // conditional put; a delete is sized by the item it removes.
        ("ResumeTable", "PUT", "/resume/{id}") => units(resume_reads, resume_writes),
        ("ResumeTable", "DELETE", "/resume/{id}") => units(0.0, resume_writes),
        // Capped per second, not per request ([`fixed_units`]).
        ("ManagerTable", _, _) => Units::default(),
        _ => return None,
    })
}

/// What a table needs besides its routes' requests: the owner's own use.
fn fixed_units(table: &str) -> Units {
    match table {
        // Browsing the visit log in the console: one 1 MB Scan page a second.
        "VisitsTable" => units(128.0, 0.0),
        // `make resume-publish` writes one document.
        "ResumeTable" => units(0.0, (RESUME_DOC_BYTES / 1024) as f64),
        // Per second, not per request: see the module docs.
        "ManagerTable" => units(512.0, 400.0),
        _ => Units::default(),
    }
}

fn template() -> Template {
    Template::load().unwrap()
}

fn number(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {v:?}"))
}

/// The burst API Gateway admits on `method path`: its own method setting,
/// else the stage's (the `ThrottlingBurstLimit` parameter's default).
fn burst(t: &Template, method: &str, path: &str) -> f64 {
    let settings = t.resource("Api").unwrap()["Properties"]["MethodSettings"]
        .as_sequence()
        .unwrap();
    let escaped = path.replace('/', "~1");
    let own = settings.iter().find(|s| {
        s["HttpMethod"].as_str() == Some(method)
            && s["ResourcePath"].as_str() == Some(&format!("/{escaped}"))
    });
    match own {
        Some(s) => number(&s["ThrottlingBurstLimit"]),
        None => number(&t.root["Parameters"]["ThrottlingBurstLimit"]["Default"]),
    }
}

/// Table logical id → the functions whose environment names it.
fn users(t: &Template) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (function, resource) in t.functions() {
        for value in t.function_env(resource).values() {
            if let Some(table) = value
                .get("Ref")
                .or(value.as_tagged_ref())
                .and_then(Value::as_str)
            {
                if t.resource(table)
                    .is_some_and(|r| r["Type"] == "AWS::DynamoDB::Table")
                {
                    let list = users.entry(table.to_owned()).or_default();
                    if !list.contains(&function) {
                        list.push(function.clone());
                    }
                }
            }
        }
    }
    users
}

/// `!Ref X` as serde_norway reads it (a tagged value), or `None`.
trait TaggedRef {
    fn as_tagged_ref(&self) -> Option<&Value>;
}

impl TaggedRef for Value {
    fn as_tagged_ref(&self) -> Option<&Value> {
        match self {
            Value::Tagged(t) if t.tag == "Ref" => Some(&t.value),
            _ => None,
        }
    }
}

/// What `table` needs: its fixed use plus every route's burst × units.
fn need(t: &Template, table: &str, functions: &[String]) -> Units {
    let mut total = fixed_units(table);
    for function in functions {
        for (method, path) in Template::routes(t.resource(function).unwrap()) {
            let u = units_of(table, &method, &path)
                .unwrap_or_else(|| panic!("{method} {path}: units in {table} not known here"));
            let b = burst(t, &method, &path);
            total.read += b * u.read;
            total.write += b * u.write;
        }
    }
    total
}

fn cap(t: &Template, table: &str) -> Units {
    let throughput = &t.resource(table).unwrap()["Properties"]["OnDemandThroughput"];
    assert!(!throughput.is_null(), "{table} has no OnDemandThroughput");
    units(
        number(&throughput["MaxReadRequestUnits"]),
        number(&throughput["MaxWriteRequestUnits"]),
    )
}

#[test]
fn every_table_is_capped_at_what_its_routes_admit_in_a_second() {
    let t = template();
    let users = users(&t);
    let tables = t.of_type("AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 5, "a new table needs its cap sized here");
    for (table, _) in tables {
        let functions = users.get(&table).cloned().unwrap_or_default();
        assert!(!functions.is_empty(), "{table}: no function names it");
        let (need, cap) = (need(&t, &table, &functions), cap(&t, &table));
        // At least the need (a unit is the least DynamoDB takes), and sized
        // from it, not a round number far above.
        for (what, need, cap) in [
            ("read", need.read, cap.read),
            ("write", need.write, cap.write),
        ] {
            let need = need.ceil().max(1.0);
            assert!(
                cap >= need,
                "{table} {what}: cap {cap} below the {need} admitted"
            );
            assert!(
                cap <= need * 1.1,
                "{table} {what}: cap {cap} far above the {need} needed"
            );
        }
    }
}

#[test]
fn the_counter_routes_are_throttled_tighter_than_the_stage() {
    let t = template();
    let stage = number(&t.root["Parameters"]["ThrottlingBurstLimit"]["Default"]);
    let stage_rate = number(&t.root["Parameters"]["ThrottlingRateLimit"]["Default"]);
    for path in ["/visitorcount", "/visitorcount/stats"] {
        assert!(burst(&t, "GET", path) < stage, "{path}: no tighter burst");
    }
    let settings = t.resource("Api").unwrap()["Properties"]["MethodSettings"]
        .as_sequence()
        .unwrap();
    for s in settings.iter().filter(|s| s["ResourcePath"] != "/*") {
        let (rate, burst) = (
            number(&s["ThrottlingRateLimit"]),
            number(&s["ThrottlingBurstLimit"]),
        );
        assert!(rate < stage_rate && rate <= burst, "{s:?}");
        // A method's settings replace the stage's, metrics included.
        assert_eq!(s["MetricsEnabled"].as_bool(), Some(true), "{s:?}");
    }
}

/// The sizes the caps assume hold for what the code stores.
#[test]
fn stored_items_fit_the_sizes_the_caps_assume() {
    // The example resume, as JSON (DynamoDB's map encoding of it is smaller:
    // no quotes or separators, a few bytes per attribute).
    let resume = std::fs::read(workspace_root().join("data/resume.json")).unwrap();
    assert!(resume.len() <= RESUME_DOC_BYTES, "{} bytes", resume.len());
    // The largest visit item: a user agent of MAX_USER_AGENT_CHARS
    // characters of 3 bytes each (from_utf8_lossy's U+FFFD). Its JSON is
    // longer than DynamoDB's size of it (names plus UTF-8 values).
    let visit = visitor_counter::visitor::Visit {
        id: "0".repeat(36),
        at: "2026-12-31T23:59:59.999999999Z".into(),
        ip_hash: "f".repeat(64),
        user_agent: Some("\u{FFFD}".repeat(visitor_counter::visitor::MAX_USER_AGENT_CHARS)),
        path: visitor_counter::ROUTE.into(),
        expires_at: i64::MAX,
    };
    let bytes = serde_json::to_vec(&visit).unwrap().len();
    assert!(
        bytes <= 2048,
        "a visit item may take more than 2 units: {bytes} bytes"
    );
}
