//! The resume API's handlers: the document as stored, with its ETag; and
//! (feature `write`) the signed writes, checked by `model::resume`'s one
//! validator.

#[cfg(feature = "write")]
pub mod write;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use http::HeaderMap;
use model::resume::ResumeId;
use platform::{ApiError, ApiResult};

use crate::store::Store;

/// Browsers and CDNs may reuse a resume for a minute, then revalidate.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// The resume `GET /resume` serves (`RESUME_ID`).
#[derive(Clone, Debug)]
pub struct DefaultId(pub ResumeId);

/// `GET /resume`.
pub async fn default_resume(
    State(store): State<Store>,
    State(DefaultId(id)): State<DefaultId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    serve(&store, &id, &headers).await
}

/// `GET /resume/{id}`: 400 `invalid_id` for an id that cannot be one,
/// including one whose percent-encoding is not UTF-8.
pub async fn resume_by_id(
    State(store): State<Store>,
    raw: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    serve(&store, &path_id(raw)?, &headers).await
}

/// The `{id}` of the path: 400 `invalid_id` for one that cannot be an id.
pub(crate) fn path_id(raw: Result<Path<String>, PathRejection>) -> ApiResult<ResumeId> {
    let invalid = |message: String| ApiError::bad_request("invalid_id", message);
    let Path(raw) = raw.map_err(|_| invalid("the id is not valid UTF-8 text".into()))?;
    ResumeId::parse(&raw).map_err(|e| invalid(e.to_string()))
}

async fn serve(store: &Store, id: &ResumeId, headers: &HeaderMap) -> ApiResult<Response> {
    let doc = store
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
