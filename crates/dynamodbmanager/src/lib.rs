//! The dynamodbmanager API over one DynamoDB table:
//!
//! - `POST /dynamodbmanager`: the serverless-lab CRUD API. The body is
//!   `{"operation", "tableName"?, "payload"}`; payloads use boto3's `Table`
//!   keys with plain JSON values, and answers are boto3's shapes without
//!   `ResponseMetadata` ([`handlers::manage`]).
//! - `GET /items`, `GET|PUT|DELETE /items/{id}`: REST routes on the managed
//!   table, expressed as the same commands.
//!
//! The layers are kept apart: [`request`] parses and checks input into
//! commands (no I/O), [`store`] runs commands against DynamoDB, and
//! [`handlers`] join the two and shape the answers.
//!
//! Bodies are read as raw bytes whatever their Content-Type (`curl -d` sends
//! form-encoded; API Gateway's base64 bodies arrive decoded by lambda_http).

pub mod config;
pub mod handlers;
pub mod request;
pub mod store;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use platform::config::HttpConfig;
use platform::dynamo::Table;

pub use config::ManagerConfig;
pub use store::Store;

/// What the handlers share; each takes the part it needs.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The managed table; the manager's commands use [`Store::on_table`].
    store: Store,
    config: Arc<ManagerConfig>,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for Arc<ManagerConfig> {
    fn from_ref(state: &AppState) -> Self {
        state.config.clone()
    }
}

/// The manager routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &ManagerConfig, client: Client) -> Router {
    let state = AppState {
        store: Store(Table::new(client, config.table.as_str())),
        config: Arc::new(config.clone()),
    };
    Router::new()
        .route("/dynamodbmanager", post(handlers::manage))
        .route("/items", get(handlers::list_items))
        .route(
            "/items/{id}",
            get(handlers::get_item)
                .put(handlers::put_item)
                .delete(handlers::delete_item),
        )
        .with_state(state)
}

/// The complete manager service: what the Lambda runs.
pub fn router(config: &ManagerConfig, http: &HttpConfig, client: Client) -> Router {
    platform::http::finish(routes(config, client), &http.allowed_origins)
}
