//! The signed writes, `PUT` and `DELETE /resume/{id}`: what the
//! `resume-write` Lambda serves (feature `write`). Documents are checked by
//! `model::resume`'s one validator.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use model::resume::{Invalid, MAX_DOCUMENT_BYTES};
use platform::error::Violation;
use platform::{ApiError, ApiResult};
use serde_json::Value;

use super::path_id;
use crate::precondition;
use crate::store::{Expected, Store};

/// `PUT /resume/{id}` (signed): stores a valid JSON Resume document; 201
/// when created, 200 when replaced, with the stored document and its ETag
/// (the one `GET` gives). `If-Match` / `If-None-Match: *` are honoured
/// (412), atomically: the write is conditional on what was read.
pub async fn put_resume(
    State(store): State<Store>,
    raw: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = path_id(raw)?;
    let doc = document(&body)?;
    let current = store.current(&id).await?;
    let current_etag = current.as_ref().map(|c| etag(&c.doc)).transpose()?;
    precondition::check(&headers, current_etag.as_deref())?;
    let expected = match &current {
        Some(stored) => Expected::Revision(stored.revision.clone()),
        None => Expected::Absent,
    };
    match store.put_if(&id, &doc, expected).await {
        Err(ApiError::Conflict(_)) if precondition::any(&headers) => {
            return Err(ApiError::PreconditionFailed(
                "the resume changed during this request".into(),
            ))
        }
        other => other?,
    }
    let stored = store.current(&id).await?.ok_or(ApiError::Internal)?;
    let body = serde_json::to_vec(&stored.doc).map_err(|_| ApiError::Internal)?;
    let etag = HeaderValue::from_str(&platform::conditional::etag_of(&body))
        .map_err(|_| ApiError::Internal)?;
    let status = match current {
        Some(_) => StatusCode::OK,
        None => StatusCode::CREATED,
    };
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((status, headers, body).into_response())
}

/// `DELETE /resume/{id}` (signed): 204, or 404 if there is no such resume.
pub async fn delete_resume(
    State(store): State<Store>,
    raw: Result<Path<String>, PathRejection>,
) -> ApiResult<StatusCode> {
    let id = path_id(raw)?;
    if store.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no resume with id '{id}'")))
    }
}

/// The ETag `GET` gives `doc`.
fn etag(doc: &Value) -> ApiResult<String> {
    let body = serde_json::to_vec(doc).map_err(|_| ApiError::Internal)?;
    Ok(platform::conditional::etag_of(&body))
}

/// The request body as a checked resume: 400 `invalid_json` if it is not
/// JSON, 413 over the size limit, 400 `invalid_resume` with every violation.
pub fn document(body: &[u8]) -> ApiResult<Value> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("invalid_json", "the body is not UTF-8 text"))?;
    model::resume::parse(text).map_err(|e| match e {
        Invalid::NotJson { .. } => ApiError::bad_request("invalid_json", e.to_string()),
        Invalid::TooLarge { .. } => ApiError::PayloadTooLarge {
            limit: MAX_DOCUMENT_BYTES,
        },
        Invalid::Violations(found) => ApiError::Invalid {
            code: "invalid_resume",
            message: format!(
                "the document is not a valid JSON Resume ({} violation(s))",
                found.len()
            ),
            violations: found
                .into_iter()
                .map(|v| Violation {
                    pointer: v.pointer,
                    message: v.message,
                })
                .collect(),
        },
        Invalid::Unavailable(reason) => {
            tracing::error!(%reason, "the resume validator is unavailable");
            ApiError::Internal
        }
    })
}
