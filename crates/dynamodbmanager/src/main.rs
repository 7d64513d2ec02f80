//! The dynamodbmanager Lambda: build the state once, then serve API Gateway events.

use domain::config::ManagerConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    domain::telemetry::init();
    let config = ManagerConfig::from_env()?;
    let client = domain::dynamo::client().await;
    domain::lambda::run(dynamodbmanager::router(&config, client)).await
}
