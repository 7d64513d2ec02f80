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
//! A view is recorded whole or not at all: under any single failed DynamoDB
//! call the history never holds more views than the total, a 503 leaves
//! nothing that counts, and every number in a 200 is stored. So the writes
//! run in order ([`store::Store::record`]):
//!
//! 1. **The total**, first: one `UpdateItem` on item `{id: "total"}` of
//!    `COUNTER_TABLE` with `ADD #count :one` and `ReturnValues UPDATED_NEW`.
//!    `ADD` is atomic and creates the item (and the attribute, from 0) on
//!    first use, so N concurrent requests raise the count by exactly N and
//!    each sees the value its own increment produced. A retried `ADD` whose
//!    first attempt did land would count twice, so the SDK may retry it
//!    only when DynamoDB said it did nothing (throttling, a conflicting
//!    transaction); a timeout or 5xx, whose outcome is unknown, becomes a
//!    503 instead. Only this step can fail the request, and only it is
//!    written before the answer is known: a 503 whose `ADD` was lost on the
//!    way back leaves the total one higher than the history, never lower.
//!    Beside it runs the read that finds the visitor (unless the browser
//!    sent `Sec-GPC: 1` or `DNT: 1`): one strongly consistent
//!    `BatchGetItem` of their seen-today marker `{id: "seen#<day>#<hash>"}`
//!    and of the day's item, after the day's salt ([`salt`]; from memory,
//!    read in init if it was made by then, else one call, or two, per
//!    instance and day).
//! 2. **The day**, once the total is stored, beside the visit log:
//!    - a visitor without a marker: one `TransactWriteItems` puts the
//!      marker (`attribute_not_exists(id)`, `expiresAt` at the end of the
//!      next day, for TTL) and does `ADD views :1, count :1` on
//!      `{id: "day#<day>"}`, atomically. Whoever finds the marker therefore
//!      finds the visitor counted. `unique_today` is the day's `count` as
//!      read in step 1, plus one: the count only grows one at a time, so it
//!      held that number (below the count now only if other new visitors
//!      were counted in between). If another request wrote the marker
//!      first, this one goes on as a repeat visitor;
//!    - a repeat visitor, or a private view: `ADD views :1` on the day's
//!      item, whose new state gives `unique_today`;
//!    - **the visit log**, for a visitor that is not private: one `PutItem`
//!      into `VISITS_TABLE`: a random visit id (UUID v4), the time (RFC
//!      3339, UTC), the HMAC-SHA256 of client IP and user agent under the
//!      day's salt, the user agent (at most [`visitor::MAX_USER_AGENT_CHARS`]
//!      characters), the request path, and `expiresAt` (epoch seconds,
//!      `VISIT_TTL_DAYS` ahead, 90 by default) for DynamoDB TTL.
//!
//!    A failure here is logged and leaves the view in the total only (the
//!    history one short), and `unique_today` out of the answer: it is
//!    answered only when this visitor is known to be among the day's.
//!
//! So every counted view waits for two DynamoDB round trips (three on an
//! instance's first view of a day whose salt was not made when it started,
//! for the salt: init reads it if it is, [`Store::prewarm`]). What each kind of view
//! costs, measured: docs/visitor-counter.md. The per-day items are kept as
//! history.
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
//! `local_api::serve` provides. Behind the site's CloudFront distribution it
//! is `CloudFront-Viewer-Address`, on requests proven to come through it
//! (`ORIGIN_VERIFY_SECRET`, [`visitor`]). Only its HMAC, under the day's
//! salt, is stored; once the salt has expired the hash can neither be
//! reversed nor linked to another day's.
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
pub use config::{CounterConfig, OriginVerify};
pub use store::Store;

/// The route, as template.yaml declares it.
pub const ROUTE: &str = "/visitorcount";
/// The history route.
pub const STATS_ROUTE: &str = "/visitorcount/stats";

/// What the handlers share. Each takes only the parts it needs
/// (`State<Store>`, `State<AllowedOrigins>`, `State<Clock>`,
/// `State<OriginVerify>`).
#[derive(Clone)]
pub struct AppState {
    store: Store,
    origins: AllowedOrigins,
    clock: Clock,
    origin_verify: OriginVerify,
}

impl FromRef<AppState> for OriginVerify {
    fn from_ref(state: &AppState) -> Self {
        state.origin_verify.clone()
    }
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
    routes_with_store(Store::new(client, config), config, origins, clock)
}

fn routes_with_store(
    store: Store,
    config: &CounterConfig,
    origins: &AllowedOrigins,
    clock: Clock,
) -> Router {
    views::warm_up();
    let state = AppState {
        store,
        origins: origins.clone(),
        clock,
        origin_verify: config.origin_verify_secret.clone(),
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

/// [`router_with_clock`] around a `store` built beforehand, and warmed in
/// init with [`Store::prewarm`]: what the Lambda's `main` serves.
pub fn router_with_store(
    store: Store,
    config: &CounterConfig,
    http: &HttpConfig,
    clock: Clock,
) -> Router {
    platform::http::finish(
        routes_with_store(store, config, &http.allowed_origins, clock),
        &http.allowed_origins,
    )
}

/// [`router`] with a given clock.
pub fn router_with_clock(
    config: &CounterConfig,
    http: &HttpConfig,
    client: Client,
    clock: Clock,
) -> Router {
    router_with_store(Store::new(client, config), config, http, clock)
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
        let chrome = testkit::BROWSER_USER_AGENT;
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
