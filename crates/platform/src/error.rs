//! The one error type of the API, and the one place that maps it to a status
//! and a stable code.
//!
//! Every error body is `{"error": code, "message": text, "requestId": id}`
//! ([`ErrorBody`]). A handler's `ApiError` becomes a response with the status
//! and headers and an [`ErrorBody`] extension; [`crate::http`]'s layer
//! writes the body, with the request id it gave the request. Internal
//! details (SDK errors, causes) are logged, never sent.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; `code` is a stable machine-readable reason.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    /// Refused before the handler, as API Gateway's authorizer does: a
    /// 403 with the gateway response's own code.
    #[error("{message}")]
    Denied {
        code: &'static str,
        message: &'static str,
    },
    /// A document refused by a check: 400 with each reason in the body's
    /// `violations`.
    #[error("{message}")]
    Invalid {
        code: &'static str,
        message: String,
        violations: Vec<Violation>,
    },
    #[error("{0}")]
    NotFound(String),
    /// An `If-Match` or `If-None-Match` precondition of a write failed.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests, retry later")]
    Throttled,
    #[error("the database is unavailable, retry later")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// Status and stable error code, in one place.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Denied { code, .. } => (StatusCode::FORBIDDEN, code),
            Self::Invalid { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conditional_check_failed"),
            Self::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Throttled => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            Self::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    /// The error for a bare status that a framework or gateway produced
    /// (404, 405, 413...), with its own text where it gave one.
    pub fn from_status(status: StatusCode, message: Option<String>, body_limit: usize) -> Self {
        let msg = |default: &str| message.clone().unwrap_or_else(|| default.to_string());
        match status {
            StatusCode::NOT_FOUND => Self::NotFound(msg("no such route")),
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::FORBIDDEN => Self::Forbidden(msg("forbidden")),
            StatusCode::CONFLICT => Self::Conflict(msg("conflict")),
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge { limit: body_limit },
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::UnsupportedMediaType(msg("unsupported media type"))
            }
            StatusCode::TOO_MANY_REQUESTS => Self::Throttled,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            s if s.is_client_error() => Self::bad_request("bad_request", msg("bad request")),
            _ => Self::Internal,
        }
    }
}

/// Maps a DynamoDB SDK error, so that `?` carries it. The full error is
/// logged here; the client only sees what is safe: DynamoDB's own
/// validation text, or a generic one.
impl<E, R> From<SdkError<E, R>> for ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn from(err: SdkError<E, R>) -> Self {
        let mapped = match &err {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                match inner.code() {
                    Some("ConditionalCheckFailedException") => {
                        ApiError::Conflict("the condition on this request was not met".into())
                    }
                    Some("TransactionConflictException") => {
                        Self::Conflict("the item is being changed by another request".into())
                    }
                    Some(
                        "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded",
                    ) => Self::Throttled,
                    Some("ValidationException" | "SerializationException") => Self::bad_request(
                        "validation_error",
                        inner.message().unwrap_or("invalid request"),
                    ),
                    Some("ItemCollectionSizeLimitExceededException") => Self::bad_request(
                        "validation_error",
                        inner.message().unwrap_or("item collection too large"),
                    ),
                    Some("InternalServerError" | "ServiceUnavailable") => Self::Unavailable,
                    _ => Self::Internal,
                }
            }
            // No usable answer from DynamoDB: timeouts, refused connections, I/O.
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Self::Unavailable,
            SdkError::ResponseError(_) => Self::Unavailable,
            _ => Self::Internal,
        };
        let error = aws_sdk_dynamodb::error::DisplayErrorContext(&err);
        if mapped.status().is_server_error() {
            tracing::error!(%error, code = mapped.code(), "dynamodb call failed");
        } else {
            tracing::info!(%error, code = mapped.code(), "dynamodb rejected the request");
        }
        mapped
    }
}

/// The JSON body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `not_found`.
    pub error: &'static str,
    /// A sentence for people; never internal details.
    pub message: String,
    /// The request's id (API Gateway's in AWS), as in the logs and the
    /// `x-request-id` response header. Filled in by the platform's layer.
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// What a check refused ([`ApiError::Invalid`]); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// One reason a document was refused: a JSON pointer and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// RFC 6901 pointer into the request's document (`""`: all of it).
    pub pointer: String,
    /// Why the value there is refused.
    pub message: String,
}

impl ApiError {
    /// The body for this error, without the request id.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code(),
            message: self.to_string(),
            request_id: String::new(),
            violations: match self {
                Self::Invalid { violations, .. } => violations.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// The status, `Content-Type: application/json`, `Retry-After` where a retry
/// may succeed, and the [`ErrorBody`] as a response extension: the layer
/// that knows the request id writes it out (`platform::http`).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if matches!(self, Self::Throttled | Self::Unavailable) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(self.body());
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status_and_code() {
        let cases = [
            (ApiError::bad_request("invalid_id", "x"), 400, "invalid_id"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (
                ApiError::Denied {
                    code: "invalid_signature",
                    message: "x",
                },
                403,
                "invalid_signature",
            ),
            (ApiError::NotFound("x".into()), 404, "not_found"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (
                ApiError::Conflict("x".into()),
                409,
                "conditional_check_failed",
            ),
            (
                ApiError::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported_media_type",
            ),
            (ApiError::Throttled, 429, "throttled"),
            (ApiError::Unavailable, 503, "service_unavailable"),
            (ApiError::Internal, 500, "internal"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
            assert_eq!(err.code(), code, "{err:?}");
        }
    }

    #[test]
    fn a_response_carries_status_headers_and_the_body_to_write() {
        let response = ApiError::NotFound("no resume with id \"x\"".into()).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            HeaderValue::from_static("application/json")
        );
        assert!(!response.headers().contains_key(header::RETRY_AFTER));
        let body = response.extensions().get::<ErrorBody>().unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({
                "error": "not_found",
                "message": "no resume with id \"x\"",
                "requestId": ""
            })
        );
        let response = ApiError::Unavailable.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    /// DynamoDB's error codes, as the SDK reports them, map to our statuses.
    /// (Throttling and server faults cannot be provoked in DynamoDB Local.)
    #[test]
    fn dynamodb_errors_map_by_code() {
        use aws_sdk_dynamodb::error::ErrorMetadata;
        use aws_sdk_dynamodb::operation::get_item::GetItemError;

        let service = |code: &str| {
            let meta = ErrorMetadata::builder()
                .code(code)
                .message("internal detail from DynamoDB")
                .build();
            SdkError::<GetItemError, ()>::service_error(GetItemError::generic(meta), ())
        };
        for (code, status) in [
            ("ProvisionedThroughputExceededException", 429),
            ("ThrottlingException", 429),
            ("RequestLimitExceeded", 429),
            ("ConditionalCheckFailedException", 409),
            ("TransactionConflictException", 409),
            ("ValidationException", 400),
            ("InternalServerError", 503),
            ("ServiceUnavailable", 503),
            ("ResourceNotFoundException", 500),
            ("SomethingNew", 500),
        ] {
            let mapped = ApiError::from(service(code));
            assert_eq!(mapped.status().as_u16(), status, "{code}");
            // Only a validation error passes DynamoDB's text on to the client.
            assert_eq!(
                mapped.to_string().contains("internal detail"),
                code == "ValidationException",
                "{code}: {mapped}"
            );
        }
        let timeout = SdkError::<GetItemError, ()>::timeout_error("slow");
        assert_eq!(
            ApiError::from(timeout).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn bare_statuses_become_typed_errors() {
        assert_eq!(
            ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE, None, 1).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ApiError::from_status(StatusCode::IM_A_TEAPOT, None, 1).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::from_status(StatusCode::BAD_GATEWAY, Some("secret detail".into()), 1)
                .to_string(),
            "internal error"
        );
    }
}
