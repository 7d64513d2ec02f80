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
//! `unique_today` that counts them. What a view costs (round trips, units):
//! view_cost.rs.

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

/// Makes every `BatchGetItem` answer as if DynamoDB had left the keys whose
/// id starts with `prefix` unprocessed (as it may under throttling): their
/// items leave the answer, their keys go to `UnprocessedKeys`.
#[derive(Clone, Debug)]
struct LeaveUnprocessed {
    prefix: &'static str,
    left: Arc<AtomicUsize>,
}

/// The keys a `BatchGetItem` asked for, kept in its config bag.
#[derive(Clone, Debug)]
struct Requested(std::collections::HashMap<String, aws_sdk_dynamodb::types::KeysAndAttributes>);

impl aws_smithy_types::config_bag::Storable for Requested {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl Intercept for LeaveUnprocessed {
    fn name(&self) -> &'static str {
        "LeaveUnprocessed"
    }

    fn read_before_execution(
        &self,
        ctx: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
        if let Some(i) = ctx.input().downcast_ref::<BatchGetItemInput>() {
            let asked = i.request_items.clone().unwrap_or_default();
            cfg.interceptor_state().store_put(Requested(asked));
        }
        Ok(())
    }

    fn modify_before_completion(
        &self,
        ctx: &mut aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
        let requested = cfg.load::<Requested>().map(|r| r.0.clone());
        let Some(Ok(output)) = ctx.output_or_error_mut() else {
            return Ok(());
        };
        let (Some(output), Some(requested)) =
            (output.downcast_mut::<BatchGetItemOutput>(), requested)
        else {
            return Ok(());
        };
        let ours = |item: &std::collections::HashMap<String, AttributeValue>| matches!(item.get("id"), Some(AttributeValue::S(id)) if id.starts_with(self.prefix));
        for (table, asked) in requested {
            if let Some(items) = output.responses.as_mut().and_then(|r| r.get_mut(&table)) {
                items.retain(|item| !ours(item));
            }
            let keys: Vec<_> = asked.keys.into_iter().filter(|k| ours(k)).collect();
            self.left.fetch_add(keys.len(), Ordering::SeqCst);
            let left = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()?;
            output
                .unprocessed_keys
                .get_or_insert_with(Default::default)
                .insert(table, left);
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

    /// One view from `ip`, through a client with `interceptor`.
    async fn view_intercepted(
        &self,
        ip: &str,
        interceptor: impl Intercept + 'static,
    ) -> (StatusCode, Value) {
        let conf = self.dynamo.config().to_builder().interceptor(interceptor);
        self.view_through(Client::from_conf(conf.build()), ip, false)
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
async fn a_read_that_leaves_a_key_unprocessed_still_answers_only_what_is_stored() {
    for (prefix, repeat) in [
        ("seen#", false),
        ("seen#", true),
        ("day#", false),
        ("day#", true),
    ] {
        let counter = Counter::new().await;
        // Another visitor first, so that the day's number is not trivially 1.
        assert_eq!(
            counter.view("127.0.0.30", false, None).await.0,
            StatusCode::OK
        );
        if repeat {
            assert_eq!(
                counter.view("127.0.0.31", false, None).await.0,
                StatusCode::OK
            );
        }
        let before = counter.stored().await;
        let left = Arc::new(AtomicUsize::new(0));
        let leave = LeaveUnprocessed {
            prefix,
            left: left.clone(),
        };
        let (status, body) = counter.view_intercepted("127.0.0.31", leave).await;
        let after = counter.stored().await;
        let case = format!("{prefix} left, repeat: {repeat}");
        assert_eq!(left.load(Ordering::SeqCst), 1, "{case}: not left");
        check(
            &before,
            &after,
            status,
            &body,
            When::AfterAnswer,
            (&case, "BatchGetItem"),
        );
        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        assert_eq!(
            after.views,
            before.views + 1,
            "{case}: the view is in the history"
        );
        if prefix == "day#" {
            // Only the day's number was unknown: the visitor is found and
            // counted, and the answer gives the day's visitors all the same.
            assert_eq!(after.uniques, 2, "{case}");
            assert_eq!(body["unique_today"], 2, "{case}: {body}");
        }
    }
}
