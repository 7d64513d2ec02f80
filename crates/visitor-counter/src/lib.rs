//! The visitor counter: `GET /visitorcount` counts a page view and answers
//! `{"count": n, "unique_today": m}` with `Cache-Control: no-store`.
//!
//! # Design
//!
//! Every request runs three independent pieces of work at once
//! (`tokio::join!`), so the response waits for the slowest, not the sum:
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
//!    becomes a 503 instead ([`retry::OnlyThrottlingRetries`]). A count is
//!    never doubled; at worst a visitor whose request timed out sees an error
//!    while the view was still counted once. Only this step can fail the
//!    request.
//! 2. **The visit log.** One `PutItem` into `VISITS_TABLE`: a random visit id
//!    (UUID v4), the time (RFC 3339, UTC), the client IP hashed with
//!    HMAC-SHA256 under the secret salt, the user agent (at most
//!    [`visitor::MAX_USER_AGENT_CHARS`] characters), the request path, and
//!    `expiresAt` (epoch seconds, `VISIT_TTL_DAYS` ahead, 90 by default) for
//!    DynamoDB TTL. If it fails, the failure is logged and the request still
//!    succeeds with its count: the view is counted, only its log line is
//!    missing.
//! 3. **Unique visitors today**, in O(1) whatever the traffic: a conditional
//!    `PutItem` of the marker `{id: "seen#<day>#<hash>"}` with
//!    `attribute_not_exists(id)`. If it succeeds this is the visitor's first
//!    request of the (UTC) day, and one `UpdateItem ADD` on
//!    `{id: "day#<day>"}` returns the new number of distinct visitors. If the
//!    condition fails the visitor was already counted, and a strongly
//!    consistent `GetItem` of the day's counter reads the number (while
//!    other visitors' first requests are still in flight it may lag them by
//!    those few; it is never below 1, since this visitor was counted). Markers
//!    carry `expiresAt` (the end of the next day), so TTL deletes them; the
//!    small per-day counters are kept as history. Should the day's `ADD` fail
//!    after the marker was written, the marker is deleted again so that the
//!    visitor's next request counts them. If this step fails the response
//!    leaves `unique_today` out rather than fail a view that was counted.
//!
//! The three kinds of counter item share one table (`COUNTER_TABLE`, string
//! key `id`); the visit log has its own (`VISITS_TABLE`, string key `id`).
//! Both specs live in `platform::dynamo`.
//!
//! # The client IP and the salt
//!
//! In Lambda the IP is API Gateway's `requestContext.identity.sourceIp` (the
//! TCP peer API Gateway saw; `X-Forwarded-For` is never read, since any
//! client can write it). Locally it is the socket's peer address, which
//! `local_api::serve` provides. Only its HMAC is stored.
//!
//! The salt is configuration, never code: deployed, `VISITOR_SALT_SECRET_ARN`
//! names a Secrets Manager secret generated at deploy time, read once at
//! start-up ([`resolve_salt`]); locally, `VISITOR_SALT` holds it (the local
//! server makes a random one per run when unset). It is never logged: its
//! `Debug` is redacted.
//!
//! # CORS
//!
//! `platform::http::finish` handles it as for every route: allow-listed
//! origins get `Access-Control-Allow-Origin` and `Vary: Origin`, others get
//! the body without them (the browser blocks it), and a preflight from an
//! origin not on the list gets no allow headers.

pub mod config;
pub mod retry;
pub mod salt;
pub mod store;
pub mod visitor;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::{Json, Router};
use http::{header, HeaderValue};
use model::{ApiError, ApiResult};
use platform::config::HttpConfig;
use serde::Serialize;
use time::OffsetDateTime;

pub use config::{CounterConfig, Salt, SaltSource};
pub use salt::StartupError;
pub use store::{Counts, Store};

/// The route, as template.yaml declares it.
pub const ROUTE: &str = "/visitorcount";

/// Every response is a fresh count: no browser or CDN may reuse one.
pub const CACHE_CONTROL: &str = "no-store";

/// The current time. Tests pin it; the Lambda uses the system clock.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

#[derive(Clone)]
struct AppState {
    store: Store,
    salt: Salt,
    clock: Clock,
}

/// The response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CountBody {
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_today: Option<u64>,
}

/// The counter's routes, without the shared layers: the local server merges
/// these with the other Lambdas' routes before adding them.
pub fn routes(config: &CounterConfig, salt: Salt, client: Client) -> Router {
    routes_with_clock(config, salt, client, system_clock())
}

/// [`routes`] with a given clock (tests pin the day with it).
pub fn routes_with_clock(
    config: &CounterConfig,
    salt: Salt,
    client: Client,
    clock: Clock,
) -> Router {
    let state = AppState {
        store: Store::new(client, config),
        salt,
        clock,
    };
    // axum serves HEAD with the GET handler; a HEAD (link checkers,
    // crawlers) must not count as a visit.
    Router::new()
        .route(
            ROUTE,
            on(MethodFilter::GET, visitor_count).head(head_not_allowed),
        )
        .with_state(state)
}

async fn head_not_allowed() -> Response {
    let mut response = ApiError::MethodNotAllowed.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    response
}

/// The complete counter service: what the Lambda runs.
pub fn router(config: &CounterConfig, salt: Salt, http: &HttpConfig, client: Client) -> Router {
    router_with_clock(config, salt, http, client, system_clock())
}

/// [`router`] with a given clock.
pub fn router_with_clock(
    config: &CounterConfig,
    salt: Salt,
    http: &HttpConfig,
    client: Client,
    clock: Clock,
) -> Router {
    platform::http::finish(
        routes_with_clock(config, salt, client, clock),
        &http.allowed_origins,
    )
}

/// The salt the settings name. With `VISITOR_SALT_SECRET_ARN` set, it is
/// read from Secrets Manager here, once per cold start.
pub async fn resolve_salt(config: &CounterConfig) -> Result<Salt, StartupError> {
    match config.salt_source()? {
        SaltSource::Secret(arn) => salt::fetch(&arn).await,
        SaltSource::Value(salt) => {
            if platform::telemetry::in_lambda() {
                tracing::warn!(
                    "VISITOR_SALT is set in plain text; deploy with VISITOR_SALT_SECRET_ARN instead"
                );
            }
            Ok(salt)
        }
    }
}

async fn visitor_count(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<impl IntoResponse> {
    let now = (state.clock)();
    let visitor = visitor::Visitor::from_request(&req, &state.salt);
    let counts = state.store.record(&visitor, now).await?;
    let body = CountBody {
        count: counts.count,
        unique_today: counts.unique_today,
    };
    let no_store = [(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    )];
    Ok((no_store, Json(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_integers_and_omits_an_unknown_unique_count() {
        let body = serde_json::to_string(&CountBody {
            count: 42,
            unique_today: Some(7),
        })
        .unwrap();
        assert_eq!(body, r#"{"count":42,"unique_today":7}"#);
        let body = serde_json::to_string(&CountBody {
            count: 18_446_744_073_709_551_615,
            unique_today: None,
        })
        .unwrap();
        assert_eq!(body, r#"{"count":18446744073709551615}"#);
    }
}
