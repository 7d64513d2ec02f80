//! The resume backend's model, shared by every Lambda: resume ids and the
//! one check of a JSON Resume document ([`resume`]), JSON pointers
//! ([`pointer`]), and the lossless conversion between plain JSON and
//! DynamoDB items ([`item`]).
//!
//! Plain data and pure functions: nothing here serves HTTP, runs on Lambda,
//! calls DynamoDB or maps errors to responses (that is `platform`). The SDK
//! is a dependency only for its `AttributeValue` data type.

pub mod item;
pub mod pointer;
pub mod resume;
