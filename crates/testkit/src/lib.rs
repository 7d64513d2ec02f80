#![allow(clippy::expect_used, clippy::panic)] // a test harness: failing loudly is its job
//! Test support shared by every test binary that needs DynamoDB:
//!
//! - [`ddb`]: the one DynamoDB Local launcher (also the `dynamodb-local`
//!   command the scripts run);
//! - [`dynamodb_local`]: this test process's shared DynamoDB Local;
//! - [`ClientBuilder`] / [`client`]: the one SDK client tests build;
//! - [`fixtures`]: constants and paths tests share ([`BROWSER_USER_AGENT`],
//!   [`workspace_root`]);
//! - [`LogCapture`]: a log writer that keeps what is written to it.

pub mod ddb;
pub mod fixtures;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;

pub use ddb::{DynamoDbLocal, Storage};
pub use fixtures::{workspace_root, BROWSER_USER_AGENT};

/// Keeps the shared DynamoDB Local alive for the life of the test process.
static SHARED: Mutex<Option<DynamoDbLocal>> = Mutex::new(None);

/// The endpoint of this test process's DynamoDB Local (in memory, free
/// port), started on first use and killed when the process exits.
pub fn dynamodb_local() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let ddb = DynamoDbLocal::start(Storage::InMemory)
            .unwrap_or_else(|e| panic!("cannot start DynamoDB Local: {e}"));
        let endpoint = ddb.endpoint();
        if let Ok(mut shared) = SHARED.lock() {
            *shared = Some(ddb);
        }
        endpoint
    })
}

/// Retry and timeout policy of a test client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// The SDK's defaults.
    #[default]
    SdkDefault,
    /// What the Lambdas run with: `platform::dynamo::retry_config()` and
    /// `timeout_config()`.
    Production,
    /// No retries, so that failures come fast.
    NoRetries,
}

/// Builds the SDK client tests use: fixed dummy credentials (DynamoDB Local
/// accepts any; real ones stay out of play), region `us-east-1`, the given
/// endpoint and [`Policy`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    endpoint: String,
    policy: Policy,
}

impl ClientBuilder {
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            policy: Policy::SdkDefault,
        }
    }

    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The production retry mode and timeouts.
    pub fn production(self) -> Self {
        self.policy(Policy::Production)
    }

    pub fn no_retries(self) -> Self {
        self.policy(Policy::NoRetries)
    }

    pub fn build(self) -> Client {
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .endpoint_url(self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "testkit"));
        match self.policy {
            Policy::SdkDefault => {}
            Policy::Production => {
                config = config
                    .retry_config(platform::dynamo::retry_config())
                    .timeout_config(platform::dynamo::timeout_config());
            }
            Policy::NoRetries => config = config.retry_config(RetryConfig::disabled()),
        }
        Client::from_conf(config.build())
    }
}

/// A client for `endpoint` with the SDK's default policy.
pub fn client(endpoint: &str) -> Client {
    ClientBuilder::new(endpoint).build()
}

/// An endpoint that refuses connections: a port that was free a moment ago
/// and that nothing listens on.
pub fn unreachable_endpoint() -> String {
    let port = ddb::free_port().expect("a free port");
    format!("http://127.0.0.1:{port}")
}

/// A unique id for data a test creates, so runs never collide on a shared stage.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A log writer for tests that keeps every byte written to it; its clones
/// share one buffer. A `tracing_subscriber` takes `move || capture.clone()`
/// as its writer.
#[derive(Clone, Debug, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&kept).into_owned()
    }
}
