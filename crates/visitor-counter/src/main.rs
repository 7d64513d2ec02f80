//! The visitor counter Lambda: read the settings (fetching the salt from
//! Secrets Manager once), build the client once, serve API Gateway events.

use platform::config::{from_env, HttpConfig};
use visitor_counter::CounterConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: CounterConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    let salt = visitor_counter::resolve_salt(&config).await?;
    let client = platform::dynamo::client().await;
    platform::dynamo::prewarm(&client).await;
    platform::lambda::run(visitor_counter::router(&config, salt, &http, client), &http).await
}
