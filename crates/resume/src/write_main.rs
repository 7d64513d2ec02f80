//! The resume write Lambda (`PUT`/`DELETE /resume/{id}`, IAM-signed): its
//! own function so that the read path's bootstrap and cold start carry no
//! validator.

use platform::config::{from_env, HttpConfig};
use resume::ResumeConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    platform::telemetry::init();
    let config: ResumeConfig = from_env()?;
    let http: HttpConfig = from_env()?;
    // Compile the schema during init, not on the first request.
    model::resume::prepare()?;
    let client = platform::dynamo::client().await;
    platform::lambda::run(resume::write_router(&config, &http, client), &http).await
}
