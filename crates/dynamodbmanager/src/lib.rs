//! The dynamodbmanager API over one DynamoDB table:
//!
//! - `POST /dynamodbmanager`: the serverless-lab CRUD API. The body is
//!   `{"operation", "tableName"?, "payload"}`; payloads use boto3's `Table`
//!   keys with plain JSON values, and answers are boto3's shapes without
//!   `ResponseMetadata` ([`manager`]).
//! - `GET /items`, `GET|PUT|DELETE /items/{id}`: REST routes on the managed
//!   table ([`rest`]).
//!
//! The layers are kept apart: [`request`] parses and checks input (no I/O),
//! [`store`] makes every DynamoDB call, and the handlers in [`manager`] and
//! [`rest`] join the two and shape the answers.
//!
//! Bodies are read as raw bytes whatever their Content-Type (`curl -d` sends
//! form-encoded; API Gateway's base64 bodies arrive decoded by lambda_http).

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::routing::{get, post};
use axum::Router;
use platform::config::HttpConfig;
use platform::{ApiError, ApiResult};

pub mod config;
pub mod manager;
pub mod request;
pub mod rest;
pub mod store;

pub use config::ManagerConfig;
use store::Store;

#[derive(Clone, Debug)]
pub struct AppState {
    /// The managed table; the manager's commands use [`Store::on_table`].
    pub store: Store,
    pub config: Arc<ManagerConfig>,
}

/// The manager routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &ManagerConfig, client: Client) -> Router {
    let state = AppState {
        store: Store::new(client, config.table.as_str()),
        config: Arc::new(config.clone()),
    };
    Router::new()
        .route("/dynamodbmanager", post(manager::manage))
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

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

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
