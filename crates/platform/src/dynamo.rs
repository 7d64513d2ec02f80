//! The DynamoDB client, built once per process, and the key schemas of the
//! project's tables: the one source of truth that the local server creates
//! tables from and that a test holds template.yaml to.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

pub mod metrics;

/// Per-attempt and whole-operation timeouts. The operation timeout stays well
/// below the functions' Lambda timeout, so a slow DynamoDB becomes a 503.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1500);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Builds the client from the standard AWS configuration chain. The endpoint
/// honours `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`), which is how
/// the local stack points it at DynamoDB Local.
pub async fn client() -> Client {
    with_metrics(&sdk_config().await)
}

/// A client of `config` that records each call's metrics ([`metrics`]).
pub fn with_metrics(config: &aws_config::SdkConfig) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(metrics::CallMetrics)
        .build();
    Client::from_conf(config)
}

/// The AWS configuration every SDK client of the project is built from:
/// the standard chain, with this module's retry mode and timeouts and the
/// project's HTTPS client.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config())
        .timeout_config(timeout_config());
    // The SDK's default HTTPS client, minus a cold-start cost (crate::tls).
    if let Some(http) = crate::tls::https_client() {
        loader = loader.http_client(http);
    }
    loader.load().await
}

/// A client bound to one table: what each Lambda's store holds, so that
/// every call names its table the same way.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: String,
}

impl Table {
    /// `client` on the table called `name`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// The same client on another table.
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        Self::new(self.client.clone(), name)
    }

    /// The table's name, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client, for calls that span tables (transactions, batches).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `GetItem` on this table.
    pub fn get_item(
        &self,
    ) -> aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder {
        self.client.get_item().table_name(&self.name)
    }

    /// `PutItem` on this table.
    pub fn put_item(
        &self,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        self.client.put_item().table_name(&self.name)
    }

    /// `UpdateItem` on this table.
    pub fn update_item(
        &self,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client.update_item().table_name(&self.name)
    }

    /// `DeleteItem` on this table.
    pub fn delete_item(
        &self,
    ) -> aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder {
        self.client.delete_item().table_name(&self.name)
    }

    /// `Scan` on this table.
    pub fn scan(&self) -> aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder {
        self.client.scan().table_name(&self.name)
    }
}

/// Opens `connections` connections to DynamoDB (DNS, TCP, TLS) during init,
/// so that the first invoke does not pay for them: that many concurrent,
/// eventually consistent `GetItem`s of a key that is never written
/// (`__prewarm__`) in the function's own table, an action its role already
/// has. The client's pool keeps them open for the handlers, so a function
/// whose handler makes N calls at once asks for N. The results, errors
/// included, are ignored: a failure here only means the first request
/// connects itself. Measured in `make bench` (bench/NOTES.md, "pre-warm").
pub async fn prewarm(client: &Client, spec: &TableSpec, table: &str, connections: usize) {
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..connections.max(1) {
        let key = aws_sdk_dynamodb::types::AttributeValue::S("__prewarm__".into());
        let get = client
            .get_item()
            .table_name(table)
            .key(spec.partition_key.name, key);
        calls.spawn(get.send());
    }
    while calls.join_next().await.is_some() {}
}

/// Standard retry mode (exponential backoff with jitter, a client-side retry
/// quota), 3 attempts in all: transient faults and throttling are retried
/// inside the operation timeout. Exposed so every client, tests' included,
/// runs with the same policy.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// A key attribute: name and DynamoDB scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyAttr {
    pub name: &'static str,
    /// `S`, `N` or `B`.
    pub kind: &'static str,
}

/// A table's key schema, and the template resource and env var that name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// The logical id of the table in template.yaml.
    pub resource: &'static str,
    /// The environment variable that carries the table name.
    pub env: &'static str,
    pub partition_key: KeyAttr,
    pub sort_key: Option<KeyAttr>,
    /// The attribute DynamoDB TTL expires items by, if any.
    pub ttl_attribute: Option<&'static str>,
    /// Whether the table's items may outlive their deletion in backups.
    pub recovery: Recovery,
}

/// What is left of a table's items after they are deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Restorable: point-in-time recovery on (35 days of restore points),
    /// and the table retained when the stack is deleted or replaces it.
    PointInTime,
    /// Nothing: no point-in-time recovery, and the table deleted with the
    /// stack. For keys that must be gone once TTL deletes them.
    None,
}

/// The key attribute of every table of the project: a string `id`.
pub const ID: KeyAttr = KeyAttr {
    name: "id",
    kind: "S",
};

/// The TTL attribute (epoch seconds) of the tables whose items expire.
pub const EXPIRES_AT: &str = "expiresAt";

impl TableSpec {
    /// A table keyed by [`ID`] alone, with point-in-time recovery and no TTL.
    const fn keyed_by_id(resource: &'static str, env: &'static str) -> Self {
        Self {
            resource,
            env,
            partition_key: ID,
            sort_key: None,
            ttl_attribute: None,
            recovery: Recovery::PointInTime,
        }
    }

    /// This table with TTL on [`EXPIRES_AT`].
    const fn expiring(self) -> Self {
        Self {
            ttl_attribute: Some(EXPIRES_AT),
            ..self
        }
    }

    /// This table without backups: see [`Recovery::None`].
    const fn unrecoverable(self) -> Self {
        Self {
            recovery: Recovery::None,
            ..self
        }
    }
}

/// Resumes, one item per resume id. The document is in attribute `resume`.
pub const RESUME_TABLE: TableSpec = TableSpec::keyed_by_id("ResumeTable", "RESUME_TABLE");

/// The dynamodbmanager Lambda's table: free-form items keyed by string `id`.
pub const MANAGER_TABLE: TableSpec = TableSpec::keyed_by_id("ManagerTable", "MANAGER_TABLE");

/// The visitor counter's counters, one table for three kinds of item, all
/// keyed by string `id` (see the visitor-counter crate's docs):
/// `total` (the page-view count), `day#YYYY-MM-DD` (that day's `views` and
/// unique visitors, `count`) and `seen#YYYY-MM-DD#<hash>` (a visitor seen
/// that day). Markers expire through TTL on `expiresAt` at the end of the
/// next day.
pub const COUNTER_TABLE: TableSpec =
    TableSpec::keyed_by_id("CounterTable", "COUNTER_TABLE").expiring();

/// The visit log: one item per counted visit, keyed by a random visit id,
/// expiring through TTL on `expiresAt` (`VISIT_TTL_DAYS`, 90 by default).
pub const VISITS_TABLE: TableSpec =
    TableSpec::keyed_by_id("VisitsTable", "VISITS_TABLE").expiring();

/// The visitor counter's day salts: one item per UTC day, keyed by the day
/// (`YYYY-MM-DD`), holding that day's random hashing key. TTL on
/// `expiresAt` deletes it after the next day, and no backup keeps it
/// ([`Recovery::None`]): once gone, that day's visitor hashes can be linked
/// to nothing.
pub const SALTS_TABLE: TableSpec = TableSpec::keyed_by_id("SaltsTable", "SALTS_TABLE")
    .expiring()
    .unrecoverable();

/// Every table the project owns.
pub const TABLES: &[TableSpec] = &[
    RESUME_TABLE,
    MANAGER_TABLE,
    COUNTER_TABLE,
    VISITS_TABLE,
    SALTS_TABLE,
];

impl TableSpec {
    fn attr_type(kind: &str) -> ScalarAttributeType {
        ScalarAttributeType::from(kind)
    }

    /// Creates the table named `name` with this key schema if it is missing.
    /// Used by the local stack and tests; in AWS, template.yaml owns tables.
    pub async fn ensure(
        &self,
        client: &Client,
        name: &str,
    ) -> Result<bool, aws_sdk_dynamodb::Error> {
        match client.describe_table().table_name(name).send().await {
            Ok(_) => return Ok(false),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(e.into()),
        }
        self.create(client, name).await?;
        if let Some(attr) = self.ttl_attribute {
            Self::enable_ttl(client, name, attr).await?;
        }
        Ok(true)
    }

    /// `CreateTable` with this key schema, on demand. A table that another
    /// process created in the meantime counts as created.
    async fn create(&self, client: &Client, name: &str) -> Result<(), aws_sdk_dynamodb::Error> {
        let mut create = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest);
        let keys = std::iter::once((self.partition_key, KeyType::Hash))
            .chain(self.sort_key.map(|key| (key, KeyType::Range)));
        for (key, key_type) in keys {
            create = create
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(key.name)
                        .attribute_type(Self::attr_type(key.kind))
                        .build()?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(key.name)
                        .key_type(key_type)
                        .build()?,
                );
        }
        match create.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Turns on DynamoDB TTL on `attr`. Already enabled (by another
    /// process first) is the result wanted.
    async fn enable_ttl(
        client: &Client,
        name: &str,
        attr: &str,
    ) -> Result<(), aws_sdk_dynamodb::Error> {
        let enabled = client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                    .attribute_name(attr)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await;
        match enabled {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .and_then(|s| s.meta().message())
                    .is_some_and(|m| m.contains("already enabled")) =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}
