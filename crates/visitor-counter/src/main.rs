//! The visitor counter Lambda: read the configuration (fetching the salt
//! from Secrets Manager once), build the client once, serve API Gateway events.

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    domain::telemetry::init();
    let config = visitor_counter::config_from_env().await?;
    let client = domain::dynamo::client().await;
    domain::lambda::run(visitor_counter::router(&config, client)).await
}
