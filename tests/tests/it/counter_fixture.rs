#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The one counter fixture: the visitor counter's settings, as the Lambda
//! reads them, over tables of its own in the binary's DynamoDB Local, and
//! reads of what it wrote.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use axum::Router;
use platform::config::{from_pairs, HttpConfig};
use platform::dynamo::VISITS_TABLE;
use visitor_counter::{Clock, CounterConfig};

use crate::util::{patient_client, unique_id};

/// An item as the SDK returns it.
pub type Item = HashMap<String, AttributeValue>;

/// The origins the fixture's counter allows: a site of its own and the
/// local page's (`make dev`'s).
pub const ALLOWED_ORIGINS: &str = "https://me.example,http://localhost:8080";

/// One counter's settings and tables. Each router made from it is a fresh
/// instance (its own salt cache) over the same tables.
#[derive(Clone)]
pub struct Counter {
    pub client: Client,
    pub config: CounterConfig,
    pub http: HttpConfig,
}

impl Counter {
    /// Fresh tables, created.
    pub async fn new() -> Self {
        Self::with_visits_table(None).await
    }

    /// `visits_table`: a name to use instead of a fresh table (it is not
    /// created).
    pub async fn with_visits_table(visits_table: Option<&str>) -> Self {
        let client = patient_client();
        let visits = visits_table.map_or_else(|| unique_id("visits"), str::to_owned);
        let config: CounterConfig = from_pairs(&[
            ("COUNTER_TABLE", unique_id("counter").as_str()),
            ("VISITS_TABLE", visits.as_str()),
            ("SALTS_TABLE", unique_id("salts").as_str()),
        ])
        .unwrap();
        for (spec, name) in config.tables() {
            if spec != VISITS_TABLE || visits_table.is_none() {
                spec.ensure(&client, name).await.unwrap();
            }
        }
        let http = from_pairs(&[("ALLOWED_ORIGINS", ALLOWED_ORIGINS)]).unwrap();
        Self {
            client,
            config,
            http,
        }
    }

    /// A router on the system clock, calling DynamoDB through `client`.
    pub fn router(&self, client: Client) -> Router {
        visitor_counter::router(&self.config, &self.http, client)
    }

    /// A router on `clock`.
    pub fn app(&self, clock: Clock) -> Router {
        visitor_counter::router_with_clock(&self.config, &self.http, self.client.clone(), clock)
    }

    pub fn counter_table(&self) -> &str {
        self.config.counter_table.as_str()
    }

    pub fn visits_table(&self) -> &str {
        self.config.visits_table.as_str()
    }

    pub fn salts_table(&self) -> &str {
        self.config.salts_table.as_str()
    }

    /// Every item of `table`, read consistently.
    pub async fn scan(&self, table: &str) -> Vec<Item> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    pub async fn counters(&self) -> Vec<Item> {
        self.scan(self.counter_table()).await
    }

    pub async fn visits(&self) -> Vec<Item> {
        self.scan(self.visits_table()).await
    }

    /// The ids of the counter table's items.
    pub async fn ids(&self) -> HashSet<String> {
        let items = self.counters().await;
        items.iter().map(|i| string(&i["id"])).collect()
    }

    /// The ids (days) in the salts table.
    pub async fn salt_days(&self) -> Vec<String> {
        let salts = self.scan(self.salts_table()).await;
        salts.iter().map(|i| string(&i["id"])).collect()
    }

    /// An item of the counter table.
    pub async fn item(&self, id: &str) -> Option<Item> {
        self.item_in(self.counter_table(), id).await
    }

    pub async fn item_in(&self, table: &str, id: &str) -> Option<Item> {
        self.client
            .get_item()
            .table_name(table)
            .key("id", AttributeValue::S(id.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    }

    /// The `count` of a counter item (`total`, `day#...`), if it exists.
    pub async fn count_of(&self, id: &str) -> Option<u64> {
        let item = self.item(id).await?;
        match item.get("count") {
            Some(AttributeValue::N(n)) => Some(n.parse().unwrap()),
            other => panic!("{id}: count is {other:?}"),
        }
    }

    /// The salt of `day` (`YYYY-MM-DD`), as stored in the salts table.
    pub async fn salt(&self, day: &str) -> Vec<u8> {
        let id = visitor_counter::store::salt_id(day);
        let item = self.item_in(self.salts_table(), &id).await;
        match item
            .expect("a salt for the day")
            .get(visitor_counter::store::SALT_ATTR)
        {
            Some(AttributeValue::B(blob)) => blob.as_ref().to_vec(),
            other => panic!("salt is {other:?}"),
        }
    }
}

/// A string or number attribute's text.
pub fn string(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
        other => panic!("not a string or number: {other:?}"),
    }
}
