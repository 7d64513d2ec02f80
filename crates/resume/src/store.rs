//! Every DynamoDB call of the resume API: resume documents by id in
//! `RESUME_TABLE`, the document in attribute [`DOCUMENT_ATTR`] as a map.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use model::item;
use model::resume::ResumeId;
use platform::dynamo::{Table, RESUME_TABLE};
use platform::{ApiError, ApiResult};
use serde_json::Value;

/// The attribute that holds the document in a resume item.
pub const DOCUMENT_ATTR: &str = "resume";

/// The attribute that changes on every write of a resume.
pub const REVISION_ATTR: &str = "revision";

/// The key attribute of the resume table.
const KEY: &str = RESUME_TABLE.partition_key.name;

/// Reads and writes resume documents in `RESUME_TABLE`.
#[derive(Clone, Debug)]
pub struct Store(pub Table);

impl Store {
    /// The document stored under `id`, if any. A strongly consistent read:
    /// a read after a write sees the write.
    pub async fn get(&self, id: &ResumeId) -> ApiResult<Option<Value>> {
        Ok(self.current(id).await?.map(|stored| stored.doc))
    }

    /// The document stored under `id` and its revision, if any.
    pub async fn current(&self, id: &ResumeId) -> ApiResult<Option<Stored>> {
        let output = self
            .0
            .get_item()
            .key(KEY, AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let revision = match item.get(REVISION_ATTR) {
            Some(AttributeValue::S(rev)) => Some(rev.clone()),
            _ => None,
        };
        match item.get(DOCUMENT_ATTR) {
            Some(doc @ AttributeValue::M(_)) => Ok(Some(Stored {
                doc: item::from_attribute(doc),
                revision,
            })),
            _ => {
                tracing::error!(%id, "resume item has no document map");
                Err(ApiError::Internal)
            }
        }
    }

    /// Stores `doc` under `id` if the item is still as `expected` says,
    /// with a new revision. The caller checks `doc` (`model::resume`).
    /// A failed condition is `ApiError::Conflict`.
    pub async fn put_if(&self, id: &ResumeId, doc: &Value, expected: Expected) -> ApiResult<()> {
        let document = item::to_attribute(doc, "").map_err(|e| {
            ApiError::bad_request("invalid_resume", format!("cannot store the document: {e}"))
        })?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut put = self
            .0
            .put_item()
            .item(KEY, AttributeValue::S(id.to_string()))
            .item(DOCUMENT_ATTR, document)
            .item(
                REVISION_ATTR,
                AttributeValue::S(uuid::Uuid::new_v4().to_string()),
            )
            .item("updatedAt", AttributeValue::N(now.to_string()));
        let condition = match &expected {
            Expected::Anything => None,
            Expected::Absent => Some("attribute_not_exists(#k)"),
            Expected::Revision(None) => Some("attribute_exists(#k) AND attribute_not_exists(#r)"),
            Expected::Revision(Some(rev)) => {
                put = put.expression_attribute_values(":r", AttributeValue::S(rev.clone()));
                Some("attribute_exists(#k) AND #r = :r")
            }
        };
        if let Some(condition) = condition {
            put = put
                .condition_expression(condition)
                .expression_attribute_names("#k", KEY);
            if condition.contains("#r") {
                put = put.expression_attribute_names("#r", REVISION_ATTR);
            }
        }
        put.send().await?;
        Ok(())
    }

    /// Deletes the resume `id`; false if there was none.
    pub async fn delete(&self, id: &ResumeId) -> ApiResult<bool> {
        let output = self
            .0
            .delete_item()
            .key(KEY, AttributeValue::S(id.to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Stores `doc` under `id`, replacing what was there (the owner's
    /// command). The caller checks `doc` (`model::resume`).
    pub async fn put(&self, id: &ResumeId, doc: &Value) -> Result<(), PutError> {
        item::to_attribute(doc, "")?;
        self.put_if(id, doc, Expected::Anything)
            .await
            .map_err(|e| PutError::Dynamo(e.to_string()))
    }
}

/// A stored resume: the document and its revision (none if it was written
/// before revisions were).
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// The document, as `GET` serves it.
    pub doc: Value,
    /// Changes on every write; conditions a write on the read it follows.
    pub revision: Option<String>,
}

/// What a conditional write expects to find.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Whatever is there, or nothing.
    Anything,
    /// No resume with this id.
    Absent,
    /// The resume as read, with this revision.
    Revision(Option<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("cannot store the document: {0}")]
    Item(#[from] item::ItemError),
    #[error("DynamoDB refused the write: {0}")]
    Dynamo(String),
}
