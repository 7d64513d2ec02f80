#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! A counted view is recorded whole or not at all: each DynamoDB call of a
//! view is failed in turn (by an SDK interceptor on the counter's client,
//! against DynamoDB Local), and after each the stored numbers must hold
//!
//! - the history (the day's `views`) never above the total;
//! - a 503 leaves nothing that counts (no total, view, visitor or visit);
//! - every number in a 200 is the one stored;
//! - the day's unique visitors equal the markers written.
//!
//! A call failed before it is sent did nothing. A call failed after its
//! answer came back did its work: then only the total's `ADD` may be left
//! behind a 503 (its outcome is unknown to the counter), and still the
//! history stays at or below it.
//!
//! Also here: concurrent first views of one new visitor all answer a
//! `unique_today` that counts them; and what a view costs in DynamoDB's
//! write and read units, as DynamoDB Local reports them
//! (`ReturnConsumedCapacity`), against the table in docs/visitor-counter.md#design-in-short.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::StatusCode;
use http_body_util::BodyExt;
use platform::config::{from_pairs, HttpConfig};
use serde_json::Value;
use tower::ServiceExt;
use visitor_counter::CounterConfig;

const ORIGIN: &str = "http://localhost:8080";
const CHROME: &str = testkit::BROWSER_USER_AGENT;

/// When the injected fault strikes a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// Before the request is sent: DynamoDB never sees it.
    BeforeSending,
    /// After DynamoDB answered: the call did its work, the caller sees an error.
    AfterAnswer,
}

/// Fails one call of a view: the `k`-th call (from 0) of the operation
/// named in `target`, and lists every call it sees, in order (with no
/// target, it only lists them).
#[derive(Clone, Debug, Default)]
struct FailOne {
    target: Option<(String, usize)>,
    when: Option<When>,
    seen: Arc<Mutex<Vec<String>>>,
    failed: Arc<AtomicUsize>,
}

impl FailOne {
    fn strike(
        &self,
        when: When,
        cfg: &ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if self.when.is_some_and(|w| w != when) {
            return Ok(());
        }
        let name = cfg.load::<Metadata>().map_or("?", |m| m.name()).to_owned();
        let mut seen = self.seen.lock().unwrap();
        let k = seen.iter().filter(|n| **n == name).count();
        seen.push(name.clone());
        if self.target.as_ref() != Some(&(name, k)) {
            return Ok(());
        }
        self.failed.fetch_add(1, Ordering::SeqCst);
        Err("injected fault".into())
    }
}

impl Intercept for FailOne {
    fn name(&self) -> &'static str {
        "FailOne"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.strike(When::BeforeSending, cfg)
    }

    fn read_before_deserialization(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.strike(When::AfterAnswer, cfg)
    }
}

/// Asks every call for its consumed capacity and adds up the units spent on
/// the counter's and the visit log's tables (the day salt, made once a day
/// per table, is left out, as in docs/visitor-counter.md's table).
#[derive(Clone, Debug, Default)]
struct Meter {
    tables: Vec<String>,
    /// Write, read, and the write units of transactions among them.
    units: Arc<Mutex<(f64, f64, f64)>>,
}

impl Meter {
    /// Adds a call's units: to the writes for a write (and to the
    /// transactional ones for a transaction), else to the reads.
    fn add(&self, capacity: &aws_sdk_dynamodb::types::ConsumedCapacity, write: bool) {
        self.add_as(capacity, write, false);
    }

    fn add_as(
        &self,
        capacity: &aws_sdk_dynamodb::types::ConsumedCapacity,
        write: bool,
        transaction: bool,
    ) {
        if !self
            .tables
            .iter()
            .any(|t| Some(t.as_str()) == capacity.table_name())
        {
            return;
        }
        let spent = capacity.capacity_units().unwrap_or_default();
        let mut units = self.units.lock().unwrap();
        if write {
            units.0 += spent;
        } else {
            units.1 += spent;
        }
        if transaction {
            units.2 += spent;
        }
    }

    /// The (write, read, transactional write) units spent since the last call.
    fn take(&self) -> (f64, f64, f64) {
        std::mem::take(&mut *self.units.lock().unwrap())
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "Meter"
    }

    fn modify_before_serialization(
        &self,
        ctx: &mut aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextMut<
            '_,
        >,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_sdk_dynamodb::operation as op;
        use aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total as Units;
        let input = ctx.input_mut();
        if let Some(i) = input.downcast_mut::<op::update_item::UpdateItemInput>() {
            i.return_consumed_capacity = Some(Units);
        } else if let Some(i) = input.downcast_mut::<op::put_item::PutItemInput>() {
            i.return_consumed_capacity = Some(Units);
        } else if let Some(i) = input.downcast_mut::<op::get_item::GetItemInput>() {
            i.return_consumed_capacity = Some(Units);
        } else if let Some(i) =
            input.downcast_mut::<op::transact_write_items::TransactWriteItemsInput>()
        {
            i.return_consumed_capacity = Some(Units);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_sdk_dynamodb::operation as op;
        let Some(Ok(output)) = ctx.output_or_error() else {
            return Ok(());
        };
        if let Some(o) = output.downcast_ref::<op::update_item::UpdateItemOutput>() {
            o.consumed_capacity()
                .into_iter()
                .for_each(|c| self.add(c, true));
        } else if let Some(o) = output.downcast_ref::<op::put_item::PutItemOutput>() {
            o.consumed_capacity()
                .into_iter()
                .for_each(|c| self.add(c, true));
        } else if let Some(o) = output.downcast_ref::<op::get_item::GetItemOutput>() {
            o.consumed_capacity()
                .into_iter()
                .for_each(|c| self.add(c, false));
        } else if let Some(o) =
            output.downcast_ref::<op::transact_write_items::TransactWriteItemsOutput>()
        {
            o.consumed_capacity()
                .iter()
                .for_each(|c| self.add_as(c, true, true));
        }
        Ok(())
    }
}

/// The counter on fresh tables, with the numbers as stored.
struct Counter {
    config: CounterConfig,
    dynamo: Client,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Stored {
    total: u64,
    views: u64,
    uniques: u64,
    markers: u64,
    visits: u64,
}

impl Counter {
    async fn new() -> Self {
        let fixture = crate::counter_fixture::Counter::new().await;
        let (config, dynamo) = (fixture.config, fixture.client);
        Self { config, dynamo }
    }

    /// One view from `ip`, through a client that fails as `fault` says.
    async fn view(&self, ip: &str, private: bool, fault: Option<FailOne>) -> (StatusCode, Value) {
        let mut conf = self.dynamo.config().to_builder();
        if let Some(fault) = fault {
            conf = conf.interceptor(fault);
        }
        self.view_through(Client::from_conf(conf.build()), ip, private)
            .await
    }

    /// One view from `ip` through `client`.
    async fn view_through(&self, client: Client, ip: &str, private: bool) -> (StatusCode, Value) {
        let http: HttpConfig = from_pairs(&[("ALLOWED_ORIGINS", ORIGIN)]).unwrap();
        let router = visitor_counter::router(&self.config, &http, client);
        let mut request = http::Request::get("/visitorcount")
            .header("origin", ORIGIN)
            .header("user-agent", CHROME);
        if private {
            request = request.header("sec-gpc", "1");
        }
        let mut request = request.body(Body::empty()).unwrap();
        let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    async fn stored(&self) -> Stored {
        let table = self.config.counter_table.as_str();
        let mut stored = Stored::default();
        let items = self.scan(table).await;
        for item in &items {
            let Some(AttributeValue::S(id)) = item.get("id") else {
                panic!("item without id: {item:?}")
            };
            let number = |attr: &str| match item.get(attr) {
                Some(AttributeValue::N(n)) => n.parse::<u64>().unwrap(),
                _ => 0,
            };
            if id == "total" {
                stored.total = number("count");
            } else if id.starts_with("day#") {
                stored.views += number("views");
                stored.uniques += number("count");
            } else if id.starts_with("seen#") {
                stored.markers += 1;
            }
        }
        stored.visits = self.scan(self.config.visits_table.as_str()).await.len() as u64;
        stored
    }

    async fn scan(&self, table: &str) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let out = self
            .dynamo
            .scan()
            .table_name(table)
            .consistent_read(true)
            .select(Select::AllAttributes)
            .send()
            .await
            .unwrap();
        out.items.unwrap_or_default()
    }
}

/// The invariants after one view that answered `status` and `body`, with
/// `before` stored before it and `failed` the operation the fault struck.
fn check(
    before: &Stored,
    after: &Stored,
    status: StatusCode,
    body: &Value,
    when: When,
    (case, failed): (&str, &str),
) {
    let what = format!("{when:?}, {case}, {failed}: {status} {body}; {before:?} -> {after:?}");
    assert!(
        after.views <= after.total,
        "history above the total: {what}"
    );
    assert_eq!(
        after.uniques, after.markers,
        "visitors and markers differ: {what}"
    );
    assert!(
        after.visits <= after.total,
        "more visits than views: {what}"
    );
    match status {
        StatusCode::OK => {
            assert_eq!(body["count"].as_u64(), Some(after.total), "{what}");
            if let Some(unique) = body.get("unique_today") {
                assert_eq!(unique.as_u64(), Some(after.uniques), "{what}");
            }
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            let lost_answer = when == When::AfterAnswer && failed == "UpdateItem";
            let mut expected = Stored { ..*before };
            if lost_answer && after.total == before.total + 1 {
                expected.total += 1;
            }
            assert_eq!(after, &expected, "a 503 left something that counts: {what}");
        }
        other => panic!("unexpected status {other}: {what}"),
    }
}

/// Fails every call of one view in turn (a new visitor, a repeat visitor
/// and a private view, each on fresh tables): the calls are listed by a
/// run without faults, then each is failed in a run of its own.
async fn every_call_fails_in_turn(when: When) {
    for (case, repeat, private) in [
        ("new", false, false),
        ("repeat", true, false),
        ("private", false, true),
    ] {
        let calls = {
            let counter = Counter::new().await;
            let recorder = FailOne {
                when: Some(when),
                ..FailOne::default()
            };
            if repeat {
                assert_eq!(
                    counter.view("127.0.0.7", false, None).await.0,
                    StatusCode::OK
                );
            }
            let (status, _) = counter
                .view("127.0.0.7", private, Some(recorder.clone()))
                .await;
            assert_eq!(status, StatusCode::OK, "{case}");
            let calls = recorder.seen.lock().unwrap().clone();
            calls
        };
        assert!(calls.len() >= 2, "{case}: {calls:?}");
        for (i, name) in calls.iter().enumerate() {
            let k = calls[..i].iter().filter(|n| *n == name).count();
            let counter = Counter::new().await;
            if repeat {
                assert_eq!(
                    counter.view("127.0.0.7", false, None).await.0,
                    StatusCode::OK
                );
            }
            let before = counter.stored().await;
            let fault = FailOne {
                target: Some((name.clone(), k)),
                when: Some(when),
                ..FailOne::default()
            };
            let (status, body) = counter
                .view("127.0.0.7", private, Some(fault.clone()))
                .await;
            let after = counter.stored().await;
            let what = format!("{case}: {name} #{k} of {calls:?}");
            assert_eq!(fault.failed.load(Ordering::SeqCst), 1, "not struck: {what}");
            check(&before, &after, status, &body, when, (&what, name));
        }
    }
}

#[tokio::test]
async fn a_view_whose_call_is_never_sent_is_recorded_whole_or_not_at_all() {
    every_call_fails_in_turn(When::BeforeSending).await;
}

#[tokio::test]
async fn a_view_whose_answer_is_lost_never_leaves_the_history_above_the_total() {
    every_call_fails_in_turn(When::AfterAnswer).await;
}

#[tokio::test]
async fn concurrent_first_views_of_one_visitor_all_count_them() {
    let counter = Arc::new(Counter::new().await);
    // Another visitor first, so that the day's number is not trivially 1.
    assert_eq!(
        counter.view("127.0.0.8", false, None).await.0,
        StatusCode::OK
    );
    let mut views = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let counter = Arc::clone(&counter);
        views.spawn(async move { counter.view("127.0.0.9", false, None).await });
    }
    let answers = views.join_all().await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(
            body["unique_today"], 2,
            "every answer includes this visitor: {answers:?}"
        );
    }
    let stored = counter.stored().await;
    assert_eq!((stored.total, stored.views, stored.uniques), (9, 9, 2));
}

#[tokio::test]
async fn a_counted_view_costs_the_units_the_readme_gives() {
    let counter = Counter::new().await;
    let meter = Meter {
        tables: vec![
            counter.config.counter_table.to_string(),
            counter.config.visits_table.to_string(),
        ],
        ..Meter::default()
    };
    let client = Client::from_conf(
        counter
            .dynamo
            .config()
            .to_builder()
            .interceptor(meter.clone())
            .build(),
    );
    // Make the day's salt first: it is made once a day, not per view.
    assert_eq!(
        counter.view("127.0.0.20", true, None).await.0,
        StatusCode::OK
    );
    let mut spent = Vec::new();
    for (ip, private) in [
        ("127.0.0.21", false),
        ("127.0.0.21", false),
        ("127.0.0.22", true),
    ] {
        let (status, body) = counter.view_through(client.clone(), ip, private).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        spent.push(meter.take());
    }
    // (write, read, transactional write) units, as DynamoDB Local reports
    // them: a new visitor, the same visitor again, a private view. DynamoDB
    // Local counts a transaction's items at one unit each; DynamoDB bills
    // them twice ("Capacity management for transactions" in its developer
    // guide), so the bill is write + transactional: 6, 3 and 2 write units,
    // as docs/visitor-counter.md#design-in-short says.
    assert_eq!(spent, [(4.0, 2.0, 2.0), (3.0, 1.0, 0.0), (2.0, 0.0, 0.0)]);
    let billed: Vec<(f64, f64)> = spent.iter().map(|(w, r, t)| (w + t, *r)).collect();
    assert_eq!(billed, [(6.0, 2.0), (3.0, 1.0), (2.0, 0.0)]);
}
