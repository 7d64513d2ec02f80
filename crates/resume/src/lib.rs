//! The resume API: `GET /resume` serves the resume named by `RESUME_ID`,
//! `GET /resume/{id}` serves that one. Both answer with the stored JSON
//! Resume document, a strong ETag (304 on a matching `If-None-Match`) and a
//! short `Cache-Control`.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use model::item;
use model::resume::ResumeId;
use platform::config::HttpConfig;
use platform::dynamo::RESUME_TABLE;
use platform::{ApiError, ApiResult};

pub mod config;

pub use config::ResumeConfig;
use http::HeaderMap;
use serde_json::Value;

/// Browsers and CDNs may reuse a resume for a minute, then revalidate.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// The attribute that holds the document in a resume item.
pub const DOCUMENT_ATTR: &str = "resume";

/// Reads and writes resume documents.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// The document stored under `id`, if any.
    pub async fn get(&self, id: &ResumeId) -> ApiResult<Option<Value>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(
                RESUME_TABLE.partition_key.name,
                AttributeValue::S(id.to_string()),
            )
            .send()
            .await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        match item.get(DOCUMENT_ATTR) {
            Some(doc @ AttributeValue::M(_)) => Ok(Some(item::from_attribute(doc))),
            _ => {
                tracing::error!(%id, "resume item has no document map");
                Err(ApiError::Internal)
            }
        }
    }

    /// Stores `doc` under `id`, replacing what was there. The caller checks
    /// that `doc` is a JSON Resume document (`model::resume::validate`).
    pub async fn put(&self, id: &ResumeId, doc: &Value) -> Result<(), PutError> {
        let document = item::to_attribute(doc, "")?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.client
            .put_item()
            .table_name(&self.table)
            .item(
                RESUME_TABLE.partition_key.name,
                AttributeValue::S(id.to_string()),
            )
            .item(DOCUMENT_ATTR, document)
            .item("updatedAt", AttributeValue::N(now.to_string()))
            .send()
            .await
            .map_err(|e| {
                PutError::Dynamo(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
            })?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("cannot store the document: {0}")]
    Item(#[from] item::ItemError),
    #[error("DynamoDB refused the write: {0}")]
    Dynamo(String),
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub default_id: ResumeId,
}

/// The resume routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &ResumeConfig, client: Client) -> Router {
    let state = AppState {
        store: Store::new(client, config.table.as_str()),
        default_id: config.default_id.clone(),
    };
    Router::new()
        .route("/resume", get(default_resume))
        .route("/resume/{id}", get(resume_by_id))
        .with_state(state)
}

/// The complete resume service: what the Lambda runs.
pub fn router(config: &ResumeConfig, http: &HttpConfig, client: Client) -> Router {
    platform::http::finish(routes(config, client), &http.allowed_origins)
}

async fn default_resume(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    serve(&state, &state.default_id, &headers).await
}

async fn resume_by_id(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id =
        ResumeId::parse(&raw).map_err(|e| ApiError::bad_request("invalid_id", e.to_string()))?;
    serve(&state, &id, &headers).await
}

async fn serve(state: &AppState, id: &ResumeId, headers: &HeaderMap) -> ApiResult<Response> {
    let doc = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no resume with id '{id}'")))?;
    // Serialised here, not by `Json`: the ETag is the hash of these bytes.
    let body = serde_json::to_vec(&doc).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise resume");
        ApiError::Internal
    })?;
    platform::conditional::json(body, CACHE_CONTROL, headers)
}
