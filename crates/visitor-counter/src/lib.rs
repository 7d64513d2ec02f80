//! The visitor counter.
//!
//! - `GET /visitorcount` counts a page view, if it is one ([`views`]), and
//!   answers `{"count": n, "unique_today": m, "counted": true|false}` with
//!   `Cache-Control: no-store`. A request that is not a view gets the
//!   current numbers and `"counted": false`, and writes nothing; one from a
//!   foreign `Origin` gets a 403.
//! - `GET /visitorcount/stats?days=N` (1-366, 30 by default) answers the
//!   views and unique visitors of each of the last N UTC days, oldest
//!   first, with `Cache-Control: public, max-age=60` and an ETag.
//!
//! # What a counted view writes
//!
//! All at once (`tokio::join!`), so the response waits for the slowest, not
//! the sum:
//!
//! 1. **The total.** Exactly one `UpdateItem` on item `{id: "total"}` of
//!    `COUNTER_TABLE` with `ADD #count :one` and `ReturnValues UPDATED_NEW`.
//!    DynamoDB applies `ADD` atomically on the item and creates the item (and
//!    the attribute, from 0) on first use, so no initialisation step exists,
//!    N concurrent requests raise the count by exactly N, and each sees the
//!    value its own increment produced: every count is distinct.
//!    A retried `ADD` whose first attempt did land would count twice, so the
//!    SDK may retry this call only after a throttling error (DynamoDB refused
//!    it, nothing was written); a timeout or 5xx, whose outcome is unknown,
//!    becomes a 503 instead (`store`'s retry classifier). A count is
//!    never doubled; at worst a visitor whose request timed out sees an error
//!    while the view was still counted once. Only this step can fail the
//!    request.
//! 2. **The day's views**, for the history: `ADD #views :one` on
//!    `{id: "day#<day>"}` (the same retry rule), `ReturnValues ALL_NEW`. A
//!    failure is logged; the view still counts.
//! 3. **The visitor**, unless the browser sent `Sec-GPC: 1` or `DNT: 1`:
//!    the day's salt ([`salt`]; from memory, or one call per instance per
//!    day), then at once:
//!    - **the visit log**: one `PutItem` into `VISITS_TABLE`: a random visit
//!      id (UUID v4), the time (RFC 3339, UTC), the HMAC-SHA256 of client IP
//!      and user agent under the day's salt, the user agent (at most
//!      [`visitor::MAX_USER_AGENT_CHARS`] characters), the request path, and
//!      `expiresAt` (epoch seconds, `VISIT_TTL_DAYS` ahead, 90 by default)
//!      for DynamoDB TTL. A failure is logged.
//!    - **unique visitors today**, in O(1) whatever the traffic: a
//!      conditional `PutItem` of the marker `{id: "seen#<day>#<hash>"}` with
//!      `attribute_not_exists(id)`. If it succeeds this is the visitor's
//!      first request of the (UTC) day, and one `UpdateItem ADD` of `count`
//!      on `{id: "day#<day>"}` returns the new number of distinct visitors.
//!      If the condition fails the visitor was already counted, and the
//!      number is the one in the day's item as step 2's `ADD` returned it:
//!      a repeat visit reads nothing more (one call fewer, bench/NOTES.md).
//!      Markers carry `expiresAt` (the end of the next day), so TTL deletes
//!      them; the small per-day items are kept as history. Should the day's
//!      `ADD` fail after the marker was written, the marker is deleted again.
//!      If this step fails the response leaves `unique_today` out.
//!
//!    A private view writes neither, and takes `unique_today` from the day's
//!    item that step 2 returned.
//!
//! The counter items share one table (`COUNTER_TABLE`, string key `id`):
//! `total`, `day#<day>`, `seen#<day>#<hash>`; the visit log has its own
//! (`VISITS_TABLE`), and so do the day salts (`SALTS_TABLE`, key `<day>`,
//! no backups), all with string key `id`. Their specs live in
//! `platform::dynamo`; [`CounterConfig::tables`] names them.
//!
//! # The client IP
//!
//! In Lambda the IP is API Gateway's `requestContext.identity.sourceIp` (the
//! TCP peer API Gateway saw; `X-Forwarded-For` is never read, since any
//! client can write it). Locally it is the socket's peer address, which
//! `local_api::serve` provides. Only its HMAC, under the day's salt, is
//! stored; once the salt has expired the hash can neither be reversed nor
//! linked to another day's.
//!
//! # CORS
//!
//! `platform::http::finish` handles it as for every route. The counter also
//! reads the same allow-list ([`AllowedOrigins`]) to decide what counts.

pub mod calendar;
pub mod config;
pub mod handlers;
pub mod salt;
pub mod store;
pub mod views;
pub mod visitor;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use axum::routing::{get, on, MethodFilter};
use axum::Router;
use platform::config::HttpConfig;
use platform::http::AllowedOrigins;

pub use calendar::{system_clock, Clock};
pub use config::CounterConfig;
pub use store::Store;

/// The route, as template.yaml declares it.
pub const ROUTE: &str = "/visitorcount";
/// The history route.
pub const STATS_ROUTE: &str = "/visitorcount/stats";

/// What the handlers share. Each takes only the parts it needs
/// (`State<Store>`, `State<AllowedOrigins>`, `State<Clock>`).
#[derive(Clone)]
pub struct AppState {
    store: Store,
    origins: AllowedOrigins,
    clock: Clock,
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for AllowedOrigins {
    fn from_ref(state: &AppState) -> Self {
        state.origins.clone()
    }
}

impl FromRef<AppState> for Clock {
    fn from_ref(state: &AppState) -> Self {
        state.clock.clone()
    }
}

/// The counter's routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them. `origins` is
/// the CORS allow-list: a view must come from one of them.
pub fn routes(config: &CounterConfig, origins: &AllowedOrigins, client: Client) -> Router {
    routes_with_clock(config, origins, client, system_clock())
}

/// [`routes`] with a given clock (tests pin the day with it).
pub fn routes_with_clock(
    config: &CounterConfig,
    origins: &AllowedOrigins,
    client: Client,
    clock: Clock,
) -> Router {
    views::warm_up();
    let state = AppState {
        store: Store::new(client, config),
        origins: origins.clone(),
        clock,
    };
    // axum serves HEAD with the GET handler; a HEAD (link checkers,
    // crawlers) must not count as a visit.
    Router::new()
        .route(
            ROUTE,
            on(MethodFilter::GET, handlers::visitor_count).head(handlers::head_not_allowed),
        )
        .route(STATS_ROUTE, get(handlers::stats))
        .with_state(state)
}

/// The complete counter service: what the Lambda runs.
pub fn router(config: &CounterConfig, http: &HttpConfig, client: Client) -> Router {
    router_with_clock(config, http, client, system_clock())
}

/// [`router`] with a given clock.
pub fn router_with_clock(
    config: &CounterConfig,
    http: &HttpConfig,
    client: Client,
    clock: Clock,
) -> Router {
    platform::http::finish(
        routes_with_clock(config, &http.allowed_origins, client, clock),
        &http.allowed_origins,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    /// A router whose DynamoDB is unreachable: what these requests get must
    /// not depend on it.
    fn offline_router() -> Router {
        let client = testkit::ClientBuilder::new(testkit::unreachable_endpoint())
            .no_retries()
            .build();
        let config = platform::config::from_pairs(&[
            ("COUNTER_TABLE", "counter"),
            ("VISITS_TABLE", "visits"),
            ("SALTS_TABLE", "salts"),
        ])
        .unwrap();
        let http =
            platform::config::from_pairs(&[("ALLOWED_ORIGINS", "https://me.example")]).unwrap();
        router(&config, &http, client)
    }

    async fn call(req: http::Request<axum::body::Body>) -> (StatusCode, serde_json::Value) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let response = offline_router().oneshot(req).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    fn get(uri: &str, headers: &[(&str, &str)]) -> http::Request<axum::body::Body> {
        let mut req = http::Request::get(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(axum::body::Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn refusals_and_bad_input_are_answered_without_the_database() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0 Safari/537.36";
        let (status, body) = call(get(
            ROUTE,
            &[("origin", "https://evil.example"), ("user-agent", chrome)],
        ))
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "forbidden");
        for bad in ["days=0", "days=367", "days=abc", "days=%ZZ&days=1"] {
            let (status, body) = call(get(&format!("{STATS_ROUTE}?{bad}"), &[])).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(body["error"], "invalid_days", "{bad}: {body}");
        }
        let head = http::Request::head(ROUTE)
            .header("origin", "https://me.example")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(call(head).await.0, StatusCode::METHOD_NOT_ALLOWED);
    }
}
