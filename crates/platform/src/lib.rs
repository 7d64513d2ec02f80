//! What every Lambda of the resume backend runs on, and what the local
//! server runs the same routers with:
//!
//! - [`http`]: the shared layers (request ids, request logs, JSON errors,
//!   CORS, the body cap), applied by [`http::finish`];
//! - [`lambda`]: the adapter from API Gateway events to a router;
//! - [`telemetry`]: logging, as Lambda's `LoggingConfig` asks for it;
//! - [`metrics`]: CloudWatch Embedded Metric Format lines on stdout;
//! - [`dynamo`]: the DynamoDB client (timeouts, retries, TLS) and the key
//!   schemas of the project's tables;
//! - [`config`]: validated setting types that each Lambda's settings use;
//! - [`conditional`]: cacheable JSON answers (ETag, 304);
//! - [`error`]: [`ApiError`], the API's one error type: its status and
//!   code, its JSON body, and how DynamoDB SDK errors map into it.

pub mod conditional;
pub mod config;
pub mod dynamo;
pub mod environment;
pub mod error;
pub mod http;
pub mod lambda;
pub mod metrics;
pub mod request_id;
pub mod telemetry;
pub mod tls;

pub use error::{ApiError, ApiResult, ErrorBody};
