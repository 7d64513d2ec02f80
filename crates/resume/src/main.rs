//! The resume Lambda: build the state once, then serve API Gateway events.

use domain::config::ResumeConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    domain::telemetry::init();
    let config = ResumeConfig::from_env()?;
    let client = domain::dynamo::client().await;
    domain::lambda::run(resume::router(&config, client)).await
}
