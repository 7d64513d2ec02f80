#![allow(dead_code)] // each test binary uses part of this
//! Helpers shared by this crate's tests: configs and clients that need no
//! DynamoDB at all.

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;
use domain::config::ManagerConfig;

pub fn config() -> ManagerConfig {
    ManagerConfig::from_source(&[
        ("MANAGER_TABLE", "manager-unit"),
        ("ALLOWED_ORIGINS", "http://localhost:8080"),
    ])
    .unwrap()
}

/// A client for `endpoint`, without retries so that failures come fast.
pub fn client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// A client whose endpoint refuses connections: a port that was free a
/// moment ago and that nothing listens on.
pub fn unreachable_client() -> Client {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    client(&format!("http://127.0.0.1:{port}"))
}
