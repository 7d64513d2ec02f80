//! The resume backend's model, shared by every Lambda: the JSON Resume
//! document and resume ids ([`resume`]), the lossless conversion between
//! plain JSON and DynamoDB items ([`item`]), and the one error type of the
//! API with its status map ([`error`]).
//!
//! Nothing here serves HTTP, runs on Lambda or builds an SDK client; that is
//! the `platform` crate's job.

pub mod error;
pub mod item;
pub mod resume;

pub use error::{ApiError, ApiResult, ErrorBody};
