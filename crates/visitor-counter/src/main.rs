//! The visitor counter Lambda: read the settings, build the client once,
//! serve API Gateway events. No secret is read at start: the salt is made
//! per day, in the salts table, on first use.

use platform::config::{from_env, HttpConfig};
use visitor_counter::CounterConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: CounterConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    let client = platform::dynamo::client().await;
    platform::dynamo::prewarm(
        &client,
        &platform::dynamo::COUNTER_TABLE,
        config.counter_table.as_str(),
        visitor_counter::store::CALLS_AT_ONCE,
    )
    .await;
    platform::lambda::run(visitor_counter::router(&config, &http, client), &http).await
}
