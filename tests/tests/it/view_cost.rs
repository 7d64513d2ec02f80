#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! What a view costs in DynamoDB, measured against DynamoDB Local: the
//! sequential round trips on its critical path, its calls, and the write and
//! read units DynamoDB reports (`ReturnConsumedCapacity`), for each kind of
//! view. Held to issue 31's targets, and to the table in
//! docs/visitor-counter.md#design-in-short, which must give what runs.
//!
//! An SDK interceptor on the counter's client notes when each call started
//! and ended. The round trips of a view are the longest chain of its calls
//! each of which started after the one before it had ended: the number of
//! DynamoDB latencies a visitor waits for one after another, whatever that
//! latency is (a fraction of a millisecond here, a few in a region).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::ConsumedCapacity;
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use axum::Router;
use http::StatusCode;
use time::macros::datetime;

use crate::counter_fixture::Counter;
use crate::counter_views::{call, get, SITE};

/// Write and read units of calls, as DynamoDB Local reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Units {
    write: f64,
    read: f64,
    /// The write units of transactions among `write`. DynamoDB Local counts
    /// a transaction's item at one unit; DynamoDB bills it twice
    /// ("Capacity management for transactions" in its developer guide).
    transactional: f64,
}

impl Units {
    /// The write units DynamoDB bills.
    fn billed_writes(self) -> f64 {
        self.write + self.transactional
    }
}

/// One DynamoDB call of the counter, from the SDK's start of it (before
/// serializing) to its end (after every attempt).
#[derive(Clone, Debug)]
struct Call {
    operation: String,
    tables: Vec<String>,
    start: Instant,
    end: Instant,
    /// What DynamoDB Local reported; zero for a call that failed (a
    /// conditional write whose condition failed is billed all the same).
    units: Units,
}

/// The longest chain of `spans` (start, end) each of which starts after
/// the one before it ended.
fn round_trips(spans: &[(Instant, Instant)]) -> usize {
    let mut sorted = spans.to_vec();
    sorted.sort();
    let mut depth = vec![0usize; sorted.len()];
    for i in 0..sorted.len() {
        let before = (0..i).filter(|&j| sorted[j].1 <= sorted[i].0);
        depth[i] = 1 + before.map(|j| depth[j]).max().unwrap_or(0);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// The call's start, tables, and for a `BatchGetItem` the read units
/// DynamoDB bills for its keys, kept in its config bag until it ends.
#[derive(Clone, Debug)]
struct Started(Instant, Vec<String>, Option<f64>);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// The interceptor: asks every call for its consumed capacity and lists
/// the calls it saw.
#[derive(Clone, Debug, Default)]
struct Trace {
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Trace {
    /// A client like `client` that this trace watches.
    fn client(&self, client: &Client) -> Client {
        Client::from_conf(
            client
                .config()
                .to_builder()
                .interceptor(self.clone())
                .build(),
        )
    }

    /// The calls made since the last `take`.
    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

/// Asks for the consumed capacity and returns the tables, for each
/// operation the counter uses.
fn ask_for_units(
    input: &mut aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<String> {
    use aws_sdk_dynamodb::operation as op;
    use aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total as Units;
    let one = |t: Option<&str>| t.map(str::to_owned).into_iter().collect::<Vec<_>>();
    if let Some(i) = input.downcast_mut::<op::update_item::UpdateItemInput>() {
        i.return_consumed_capacity = Some(Units);
        one(i.table_name())
    } else if let Some(i) = input.downcast_mut::<op::put_item::PutItemInput>() {
        i.return_consumed_capacity = Some(Units);
        one(i.table_name())
    } else if let Some(i) = input.downcast_mut::<op::get_item::GetItemInput>() {
        i.return_consumed_capacity = Some(Units);
        one(i.table_name())
    } else if let Some(i) = input.downcast_mut::<op::delete_item::DeleteItemInput>() {
        i.return_consumed_capacity = Some(Units);
        one(i.table_name())
    } else if let Some(i) = input.downcast_mut::<op::batch_get_item::BatchGetItemInput>() {
        i.return_consumed_capacity = Some(Units);
        let tables = i.request_items().into_iter().flat_map(|m| m.keys());
        tables.cloned().collect()
    } else if let Some(i) =
        input.downcast_mut::<op::transact_write_items::TransactWriteItemsInput>()
    {
        i.return_consumed_capacity = Some(Units);
        let items = i.transact_items();
        items
            .iter()
            .filter_map(|t| {
                t.put()
                    .map(|p| p.table_name())
                    .or(t.update().map(|u| u.table_name()))
                    .or(t.delete().map(|d| d.table_name()))
                    .or(t.condition_check().map(|c| c.table_name()))
            })
            .map(str::to_owned)
            .collect()
    } else {
        panic!("the counter made a call this trace does not know")
    }
}

/// The read units DynamoDB bills for a `BatchGetItem` of small items (under
/// 4 KB): one per key read strongly consistently, half one otherwise, found
/// or not, as for a `GetItem` ("Capacity unit consumption for read
/// operations" in its developer guide). DynamoDB Local reports only the
/// items it found.
fn batch_read_units(
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Option<f64> {
    let i =
        input.downcast_ref::<aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput>()?;
    let per_table = i.request_items()?.values().map(|k| {
        let unit = if k.consistent_read() == Some(true) {
            1.0
        } else {
            0.5
        };
        k.keys().len() as f64 * unit
    });
    Some(per_table.sum())
}

/// A single-item write refused by its condition: DynamoDB bills it as the
/// write (one unit for an item under 1 KB) though it reports no units
/// ("Capacity unit consumption for write operations" in its developer
/// guide).
fn failed_condition(
    error: &aws_smithy_runtime_api::client::orchestrator::OrchestratorError<
        aws_smithy_runtime_api::client::interceptors::context::Error,
    >,
) -> bool {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    use aws_sdk_dynamodb::operation as op;
    let Some(e) = error.as_operation_error() else {
        return false;
    };
    let code = e
        .downcast_ref::<op::put_item::PutItemError>()
        .and_then(|e| e.code())
        .or_else(|| {
            e.downcast_ref::<op::update_item::UpdateItemError>()
                .and_then(|e| e.code())
        });
    code == Some("ConditionalCheckFailedException")
}

/// The units an output reports.
fn units_of(output: &aws_smithy_runtime_api::client::interceptors::context::Output) -> Units {
    use aws_sdk_dynamodb::operation as op;
    let sum = |c: &[&ConsumedCapacity]| -> f64 {
        c.iter()
            .map(|c| c.capacity_units().unwrap_or_default())
            .sum()
    };
    let write = |w: f64| Units {
        write: w,
        ..Units::default()
    };
    if let Some(o) = output.downcast_ref::<op::update_item::UpdateItemOutput>() {
        write(sum(&o.consumed_capacity().into_iter().collect::<Vec<_>>()))
    } else if let Some(o) = output.downcast_ref::<op::put_item::PutItemOutput>() {
        write(sum(&o.consumed_capacity().into_iter().collect::<Vec<_>>()))
    } else if let Some(o) = output.downcast_ref::<op::delete_item::DeleteItemOutput>() {
        write(sum(&o.consumed_capacity().into_iter().collect::<Vec<_>>()))
    } else if let Some(o) = output.downcast_ref::<op::get_item::GetItemOutput>() {
        Units {
            read: sum(&o.consumed_capacity().into_iter().collect::<Vec<_>>()),
            ..Units::default()
        }
    } else if let Some(o) = output.downcast_ref::<op::batch_get_item::BatchGetItemOutput>() {
        Units {
            read: sum(&o.consumed_capacity().iter().collect::<Vec<_>>()),
            ..Units::default()
        }
    } else if let Some(o) =
        output.downcast_ref::<op::transact_write_items::TransactWriteItemsOutput>()
    {
        let w = sum(&o.consumed_capacity().iter().collect::<Vec<_>>());
        Units {
            write: w,
            read: 0.0,
            transactional: w,
        }
    } else {
        Units::default()
    }
}

impl Intercept for Trace {
    fn name(&self) -> &'static str {
        "Trace"
    }

    fn modify_before_serialization(
        &self,
        ctx: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let tables = ask_for_units(ctx.input_mut());
        let batch = batch_read_units(ctx.input());
        cfg.interceptor_state()
            .store_put(Started(Instant::now(), tables, batch));
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let end = Instant::now();
        let operation = cfg.load::<Metadata>().map_or("?", |m| m.name()).to_owned();
        let Some(Started(start, tables, batch)) = cfg.load::<Started>().cloned() else {
            panic!("{operation} ended without starting")
        };
        let mut units = match ctx.output_or_error() {
            Some(Ok(output)) => units_of(output),
            Some(Err(e)) if failed_condition(e) => Units {
                write: 1.0,
                ..Units::default()
            },
            _ => Units::default(),
        };
        if let (Some(billed), Some(Ok(_))) = (batch, ctx.output_or_error()) {
            assert!(units.read <= billed, "{operation}: {units:?}, {billed}");
            units.read = billed;
        }
        self.calls.lock().unwrap().push(Call {
            operation,
            tables,
            start,
            end,
            units,
        });
        Ok(())
    }
}

/// What one view cost.
#[derive(Clone, Debug, PartialEq)]
struct Cost {
    round_trips: usize,
    calls: usize,
    /// Billed write units and read units.
    write: f64,
    read: f64,
}

impl Cost {
    fn of(calls: &[Call]) -> Self {
        let spans: Vec<_> = calls.iter().map(|c| (c.start, c.end)).collect();
        Self {
            round_trips: round_trips(&spans),
            calls: calls.len(),
            write: calls.iter().map(|c| c.units.billed_writes()).sum(),
            read: calls.iter().map(|c| c.units.read).sum(),
        }
    }
}

/// One request through `app`; the calls it made and what they cost.
async fn measure(
    app: &Router,
    trace: &Trace,
    request: http::Request<axum::body::Body>,
    counted: bool,
) -> (Vec<Call>, Cost) {
    let (status, _, body) = call(app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["counted"], counted, "{body}");
    let calls = trace.take();
    let cost = Cost::of(&calls);
    let t0 = calls.iter().map(|c| c.start).min();
    let at = |t: Instant| t0.map_or(0.0, |t0| (t - t0).as_secs_f64() * 1e3);
    for c in &calls {
        eprintln!(
            "  {} {:?}: {:.1}-{:.1} ms, {:?}",
            c.operation,
            c.tables,
            at(c.start),
            at(c.end),
            c.units
        );
    }
    (calls, cost)
}

fn browser(ip: &str, private: bool) -> http::Request<axum::body::Body> {
    let mut headers = vec![
        ("origin", SITE),
        ("user-agent", testkit::BROWSER_USER_AGENT),
    ];
    if private {
        headers.push(("sec-gpc", "1"));
    }
    get("/visitorcount", ip, &headers)
}

/// The kinds of view the docs' table has a row for, each measured once.
async fn measure_each_kind() -> Vec<(&'static str, Cost)> {
    let counter = Counter::new().await;
    let trace = Trace::default();
    let clock: visitor_counter::Clock = Arc::new(|| datetime!(2099-07-01 10:00 UTC));
    let container = |client| {
        visitor_counter::router_with_clock(&counter.config, &counter.http, client, clock.clone())
    };
    let app = container(trace.client(&counter.client));
    let salts = counter.salts_table().to_owned();
    let mut costs = Vec::new();
    let (_, first) = measure(&app, &trace, browser("10.1.0.1", false), true).await;
    costs.push(("first view of the day, making the salt", first));
    for (kind, ip, private) in [
        ("new visitor", "10.1.0.2", false),
        ("repeat visitor", "10.1.0.2", false),
        ("private (GPC/DNT)", "10.1.0.3", true),
    ] {
        let (calls, cost) = measure(&app, &trace, browser(ip, private), true).await;
        // The salt lookup is off the path after the container's first view.
        for c in &calls {
            assert!(!c.tables.contains(&salts), "{kind}: {c:?}");
        }
        costs.push((kind, cost));
    }
    let bot = get(
        "/visitorcount",
        "10.1.0.4",
        &[("origin", SITE), ("user-agent", "curl/8")],
    );
    let (_, uncounted) = measure(&app, &trace, bot, false).await;
    costs.push(("not counted", uncounted));
    // Another container's first view: the day's salt is already made.
    let other = container(trace.client(&counter.client));
    let (_, first) = measure(&other, &trace, browser("10.1.0.5", false), true).await;
    costs.push(("first view of the day, salt made elsewhere", first));
    // A Lambda instance's first view, after its init read the salt (main.rs).
    let store = visitor_counter::Store::new(trace.client(&counter.client), &counter.config);
    store.prewarm(clock()).await;
    let init = trace.take();
    assert!(init.iter().any(|c| c.tables == [salts.clone()]), "{init:?}");
    assert_eq!(
        init.len(),
        visitor_counter::store::CALLS_AT_ONCE,
        "{init:?}"
    );
    // Reads only: a cold start writes nothing, and makes no salt (the day's
    // first counted view does).
    assert!(init.iter().all(|c| c.operation == "GetItem"), "{init:?}");
    let lambda = visitor_counter::router_with_store(store, &counter.config, &counter.http, clock);
    let (calls, first) = measure(&lambda, &trace, browser("10.1.0.6", false), true).await;
    assert!(
        calls.iter().all(|c| !c.tables.contains(&salts)),
        "{calls:?}"
    );
    costs.push((
        "new visitor, an instance's first view (init read the salt)",
        first,
    ));
    costs
}

/// What was measured, for `make bench`'s report (bench/region_report.py):
/// `{"kinds": [{"kind", "round_trips", "calls", "write_units",
/// "read_units"}]}`.
fn write_costs(path: &std::path::Path, costs: &[(&str, Cost)]) {
    let kinds: Vec<_> = costs
        .iter()
        .map(|(kind, c)| {
            serde_json::json!({
                "kind": kind,
                "round_trips": c.round_trips,
                "calls": c.calls,
                "write_units": c.write,
                "read_units": c.read,
            })
        })
        .collect();
    let text = serde_json::to_string_pretty(&serde_json::json!({ "kinds": kinds })).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The rows of the docs' table of costs: first cell, then the numbers.
fn documented_costs() -> Vec<(String, Vec<f64>)> {
    let page = testkit::workspace_root().join("docs/visitor-counter.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let header = "| a view | round trips | calls | write units | read units |";
    let table = text.split(header).nth(1).expect("the table of costs");
    table
        .lines()
        .skip(2) // the header's rest and the separator
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let numbers = cells[1..].iter().map(|c| c.parse().unwrap()).collect();
            (cells[0].to_owned(), numbers)
        })
        .collect()
}

#[tokio::test]
async fn each_kind_of_view_meets_the_targets_and_costs_what_the_docs_say() {
    let costs = measure_each_kind().await;
    for (kind, cost) in &costs {
        eprintln!("{kind}: {cost:?}");
    }
    if let Some(path) = std::env::var_os("VIEW_COST_OUT") {
        write_costs(std::path::Path::new(&path), &costs);
    }
    let cost = |kind: &str| costs.iter().find(|(k, _)| *k == kind).unwrap().1.clone();
    // Issue 31's targets: (round trips, write units) at most.
    for (kind, round_trips, write) in [
        ("new visitor", 2, None),
        ("repeat visitor", 2, Some(3.0)),
        ("private (GPC/DNT)", 2, Some(2.0)),
    ] {
        let c = cost(kind);
        assert!(c.round_trips <= round_trips, "{kind}: {c:?}");
        assert!(write.is_none_or(|w| c.write <= w), "{kind}: {c:?}");
    }
    let documented = documented_costs();
    let kinds: Vec<&str> = costs.iter().map(|(k, _)| *k).collect();
    let rows: Vec<&str> = documented.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(rows, kinds, "the docs' rows");
    for ((kind, c), (_, numbers)) in costs.iter().zip(&documented) {
        let measured = [c.round_trips as f64, c.calls as f64, c.write, c.read];
        assert_eq!(
            numbers.as_slice(),
            measured,
            "{kind}: docs/visitor-counter.md"
        );
    }
}

#[test]
fn round_trips_are_the_longest_chain_of_calls_one_after_another() {
    let t0 = Instant::now();
    let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
    assert_eq!(round_trips(&[]), 0);
    // Two at once, then one after both: two round trips.
    assert_eq!(
        round_trips(&[(at(0), at(5)), (at(1), at(4)), (at(6), at(9))]),
        2
    );
    // A chain of two beside one long call: still two.
    assert_eq!(
        round_trips(&[(at(0), at(20)), (at(1), at(4)), (at(5), at(9))]),
        2
    );
    // Three one after another, one of them beside a fourth.
    let spans = [
        (at(0), at(2)),
        (at(2), at(4)),
        (at(3), at(9)),
        (at(5), at(6)),
    ];
    assert_eq!(round_trips(&spans), 3);
}
