//! The dynamodbmanager Lambda: build the state once, then serve API Gateway events.

use domain::config::ManagerConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    domain::telemetry::init();
    let config = ManagerConfig::from_env()?;
    let client = domain::dynamo::client().await;
    domain::lambda::run(dynamodbmanager::router(&config, client)).await
}
