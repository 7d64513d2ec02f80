//! The HTTP integration tests live in `tests/it` (one test binary, `it`);
//! their helpers in `tests/it/util.rs`, and DynamoDB Local and the test SDK
//! client in the `testkit` crate. This library is empty.
