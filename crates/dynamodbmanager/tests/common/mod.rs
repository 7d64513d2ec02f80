#![allow(dead_code)] // each test binary uses part of this
//! Helpers shared by this crate's tests: configs and clients that need no
//! DynamoDB at all.

use aws_sdk_dynamodb::Client;
use dynamodbmanager::ManagerConfig;
use platform::config::{from_pairs, HttpConfig};

pub fn config() -> ManagerConfig {
    from_pairs(&[("MANAGER_TABLE", "manager-unit")]).unwrap()
}

pub fn http() -> HttpConfig {
    from_pairs(&[("ALLOWED_ORIGINS", "http://localhost:8080")]).unwrap()
}

/// The Lambda's router with [`config`] and [`http`].
pub fn router(client: Client) -> axum::Router {
    dynamodbmanager::router(&config(), &http(), client)
}

/// A client for `endpoint`, without retries so that failures come fast.
pub fn client(endpoint: &str) -> Client {
    testkit::ClientBuilder::new(endpoint).no_retries().build()
}

/// A client whose endpoint refuses connections: a port that was free a
/// moment ago and that nothing listens on.
pub fn unreachable_client() -> Client {
    client(&testkit::unreachable_endpoint())
}
