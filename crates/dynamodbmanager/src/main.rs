//! The dynamodbmanager Lambda: build the state once, then serve API Gateway events.

use dynamodbmanager::ManagerConfig;
use platform::config::{from_env, HttpConfig};

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: ManagerConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    let client = platform::dynamo::client().await;
    platform::dynamo::prewarm(
        &client,
        &platform::dynamo::MANAGER_TABLE,
        config.table.as_str(),
        1,
    )
    .await;
    platform::lambda::run(dynamodbmanager::router(&config, &http, client), &http).await
}
