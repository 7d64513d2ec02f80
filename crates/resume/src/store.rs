//! Every DynamoDB call of the resume API: resume documents by id in
//! `RESUME_TABLE`, the document in attribute [`DOCUMENT_ATTR`] as a map.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use model::item;
use model::resume::ResumeId;
use platform::dynamo::{Table, RESUME_TABLE};
use platform::{ApiError, ApiResult};
use serde_json::Value;

/// The attribute that holds the document in a resume item.
pub const DOCUMENT_ATTR: &str = "resume";

/// The key attribute of the resume table.
const KEY: &str = RESUME_TABLE.partition_key.name;

/// Reads and writes resume documents in `RESUME_TABLE`.
#[derive(Clone, Debug)]
pub struct Store(pub Table);

impl Store {
    /// The document stored under `id`, if any.
    pub async fn get(&self, id: &ResumeId) -> ApiResult<Option<Value>> {
        let output = self
            .0
            .get_item()
            .key(KEY, AttributeValue::S(id.to_string()))
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
        self.0
            .put_item()
            .item(KEY, AttributeValue::S(id.to_string()))
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
