//! Shared model and plumbing of the resume backend: JSON Resume types, the
//! API error type, configuration, the DynamoDB client and table specs, the
//! shared HTTP layers, logging, and the Lambda adapter.

pub mod config;
pub mod dynamo;
pub mod error;
pub mod http;
pub mod item;
pub mod lambda;
pub mod request_id;
pub mod resume;
pub mod telemetry;
pub mod tls;

pub use error::{ApiError, ApiResult};
