//! The dynamodbmanager API over one DynamoDB table:
//!
//! - `POST /dynamodbmanager`: the serverless-lab CRUD API. The body is
//!   `{"operation", "tableName"?, "payload"}`; payloads use boto3's `Table`
//!   keys with plain JSON values, and answers are boto3's shapes without
//!   `ResponseMetadata` ([`request`], [`ops`]).
//! - `GET /items`, `GET|PUT|DELETE /items/{id}`: REST routes on the managed
//!   table ([`rest`]).
//!
//! Bodies are read as raw bytes whatever their Content-Type (`curl -d` sends
//! form-encoded; API Gateway's base64 bodies arrive decoded by lambda_http).

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use platform::config::HttpConfig;
use platform::http::json_response;
use model::{ApiError, ApiResult};
use http::StatusCode;

pub mod config;
pub mod ops;
pub mod request;
pub mod rest;

pub use config::ManagerConfig;
use request::Operation;

#[derive(Clone, Debug)]
pub struct AppState {
    pub client: Client,
    pub config: Arc<ManagerConfig>,
}

/// The manager routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &ManagerConfig, client: Client) -> Router {
    let state = AppState {
        client,
        config: Arc::new(config.clone()),
    };
    Router::new()
        .route("/dynamodbmanager", post(manage))
        .route("/items", get(rest::list))
        .route(
            "/items/{id}",
            get(rest::read).put(rest::put).delete(rest::delete),
        )
        .with_state(state)
}

/// The complete manager service: what the Lambda runs.
pub fn router(config: &ManagerConfig, http: &HttpConfig, client: Client) -> Router {
    platform::http::finish(routes(config, client), &http.allowed_origins)
}

/// The table a request may use: the managed one when it names none, else
/// the named one if the allow-list holds it.
pub fn resolve_table<'a>(config: &'a ManagerConfig, named: Option<&'a str>) -> ApiResult<&'a str> {
    match named {
        None => Ok(config.table.as_str()),
        Some(name) if config.allows_table(name) => Ok(name),
        Some(name) => Err(ApiError::Forbidden(format!(
            "table {name:?} is not managed by this API; omit \"tableName\" to use the managed table"
        ))),
    }
}

/// `POST /dynamodbmanager`.
async fn manage(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let envelope = request::parse(&body)?;
    let op = Operation::parse(&envelope.operation)?;
    let table = if op.uses_table() {
        resolve_table(&state.config, envelope.table_name.as_deref())?
    } else {
        ""
    };
    let command = request::command(op, envelope.payload)?;
    tracing::debug!(operation = %envelope.operation, table, "dynamodbmanager");
    let answer = ops::execute(&state.client, table, command).await?;
    let bytes = serde_json::to_vec(&answer).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise a response");
        ApiError::Internal
    })?;
    Ok(json_response(StatusCode::OK, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_tables_resolve() {
        let config: ManagerConfig = platform::config::from_pairs(&[
            ("MANAGER_TABLE", "items"),
            ("MANAGER_ALLOWED_TABLES", "other"),
        ])
        .unwrap();
        assert_eq!(resolve_table(&config, None).unwrap(), "items");
        assert_eq!(resolve_table(&config, Some("items")).unwrap(), "items");
        assert_eq!(resolve_table(&config, Some("other")).unwrap(), "other");
        let e = resolve_table(&config, Some("resume-prod")).unwrap_err();
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        assert!(e.to_string().contains("\"resume-prod\""), "{e}");
        assert!(resolve_table(&config, Some("")).is_err());
    }
}
