//! The resume Lambda: build the state once, then serve API Gateway events.

use platform::config::{from_env, HttpConfig};
use resume::ResumeConfig;

// A Lambda instance serves one event at a time: no worker threads needed
// (less RSS and per-request overhead, see docs/PERFORMANCE.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: ResumeConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    let client = platform::dynamo::client().await;
    platform::dynamo::prewarm(
        &client,
        &platform::dynamo::RESUME_TABLE,
        config.table.as_str(),
        1,
    )
    .await;
    platform::lambda::run(resume::router(&config, &http, client), &http).await
}
