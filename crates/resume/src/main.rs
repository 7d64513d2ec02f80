//! The resume Lambda: build the state once, then serve API Gateway events.

use domain::config::ResumeConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    domain::telemetry::init();
    let config = ResumeConfig::from_env()?;
    let client = domain::dynamo::client().await;
    domain::lambda::run(resume::router(&config, client)).await
}
