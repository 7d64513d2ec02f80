//! The integration tests: one binary, so the local stack (DynamoDB Local and
//! the local API) starts once for all of them. Run a part with a filter,
//! e.g. `cargo test -p integration-tests --test it -- smoke::`.

mod util;

mod counter;
mod counter_fixture;
mod counter_views;
mod events;
mod faults;
mod gate;
mod hostile;
mod manager;
mod metrics;
mod resume;
mod resume_write;
mod routes;
mod sigv4;
mod smoke;
mod tables;
mod view_cost;
mod view_faults;
