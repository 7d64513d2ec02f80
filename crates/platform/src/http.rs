//! The HTTP layers every Lambda's router shares, applied by [`finish`]:
//! request ids and request logs, JSON errors for everything (including
//! framework-made 404/405/413), CORS, and the body size cap.
//!
//! Lambdas and the local server both call `finish`, so they behave the same.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{ApiError, ErrorBody};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::request_id;

/// The largest request body any route accepts (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub const X_REQUEST_ID: HeaderName = request_id::HEADER;

/// The CORS allow-list (`ALLOWED_ORIGINS`). An origin is matched exactly
/// (scheme, host, port).
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins {
    origins: Arc<[HeaderValue]>,
}

/// A comma-separated list of exact origins such as
/// `https://me.example.com,http://localhost:8080`; an empty value allows no
/// cross-origin caller. Paths and wildcards are refused.
impl std::str::FromStr for AllowedOrigins {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|origin| {
                let (scheme, rest) = origin.split_once("://").ok_or_else(|| {
                    format!("{origin:?} has no scheme (want e.g. https://example.com)")
                })?;
                if !matches!(scheme, "http" | "https") {
                    return Err(format!("{origin:?}: scheme must be http or https"));
                }
                if rest.is_empty() || rest.contains('/') || rest.contains('*') {
                    return Err(format!(
                        "{origin:?} must be scheme://host[:port], with no path and no wildcard"
                    ));
                }
                HeaderValue::from_str(origin)
                    .map_err(|_| format!("{origin:?} is not a valid header value"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }
}

impl AllowedOrigins {
    pub fn new(origins: Vec<HeaderValue>) -> Self {
        Self {
            origins: origins.into(),
        }
    }

    pub fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    fn layer(&self) -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(self.origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH, X_REQUEST_ID])
            .expose_headers([header::ETAG, X_REQUEST_ID])
            .max_age(Duration::from_secs(600))
    }
}

/// Adds the fallback and the shared layers to an app's routes. Call it once,
/// on the finished set of routes (the local server merges first).
///
/// From the outside in: the request id (tower-http's request-id layers, with
/// [`request_id::PreferAws`]), the request's span and its outcome log line
/// (tower-http's `TraceLayer`), JSON error bodies, refusing preflights from
/// foreign origins, CORS (tower-http), and the body cap.
pub fn finish(routes: Router, cors: &AllowedOrigins) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            tracing::info_span!(
                "request",
                request_id = %request_id::of(req),
                method = %req.method(),
                path = %req.uri().path(),
            )
        })
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        )
        .on_failure(());
    routes.fallback(no_such_route).layer(
        ServiceBuilder::new()
            .map_request(request_id::drop_untrusted::<Body>)
            .layer(SetRequestIdLayer::x_request_id(request_id::PreferAws))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(trace)
            .layer(from_fn(request_metrics))
            .layer(from_fn(json_errors))
            .layer(from_fn_with_state(cors.clone(), refuse_foreign_preflight))
            .layer(cors.layer())
            .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT)),
    )
}

/// Records each answered request as metrics (crate::metrics): by route
/// (method and path template) and status class. Routes are a fixed set, so
/// an unknown method or path does not make a new metric.
async fn request_metrics(req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let route = route_of(&req);
    let response = next.run(req).await;
    crate::metrics::request(
        &route,
        response.status(),
        crate::metrics::millis_since(start),
    );
    response
}

/// `GET /resume/{id}`: the matched route's template, or `unmatched`.
fn route_of(req: &Request) -> String {
    let method = match *req.method() {
        // Preflights are one route: CORS answers them all alike.
        Method::OPTIONS => return "OPTIONS *".to_owned(),
        Method::GET | Method::POST | Method::PUT | Method::DELETE => req.method().as_str(),
        _ => "OTHER",
    };
    match req.extensions().get::<axum::extract::MatchedPath>() {
        Some(path) => format!("{method} {}", path.as_str()),
        None => "unmatched".to_owned(),
    }
}

async fn no_such_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// tower-http answers every preflight with the allowed methods and headers;
/// one from an origin that is not allowed gets none of them.
async fn refuse_foreign_preflight(
    State(cors): State<AllowedOrigins>,
    req: Request,
    next: Next,
) -> Response {
    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    match req.headers().get(header::ORIGIN) {
        Some(origin) if is_preflight && !cors.allows(origin) => {
            let mut response = ApiError::Forbidden("origin not allowed".into()).into_response();
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("origin"));
            response
        }
        _ => next.run(req).await,
    }
}

/// Gives every error response the JSON error shape, with the request's id.
async fn json_errors(req: Request, next: Next) -> Response {
    let id = request_id::of(&req);
    json_error(next.run(req).await, id).await
}

/// Writes every error response as the JSON error shape: a handler's
/// [`ApiError`] (its [`ErrorBody`] extension), or a framework's bare 4xx/5xx.
async fn json_error(response: Response, request_id: String) -> Response {
    if let Some(body) = response.extensions().get::<ErrorBody>().cloned() {
        return with_error_body(response, body, request_id);
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Framework rejections (bad path encoding, body too large) explain a
    // client's mistake in plain text; keep that text for 4xx only.
    let message = if status.is_client_error() {
        axum::body::to_bytes(body, 4096)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    } else {
        None
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("internal error without a typed cause");
    }
    let error = ApiError::from_status(status, message, BODY_LIMIT);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    with_error_body(
        Response::from_parts(parts, Body::empty()),
        error.body(),
        request_id,
    )
}

/// `response` with `body`, given the request's id, as its content.
fn with_error_body(response: Response, mut body: ErrorBody, request_id: String) -> Response {
    // In the request's span (its id): the saved query "errors by code"
    // (template.yaml) groups these.
    tracing::info!(error_code = body.error, "answered with an error");
    body.request_id = request_id;
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn app() -> Router {
        let routes = Router::new().route("/ok", get(|| async { "fine" })).route(
            "/echo",
            axum::routing::post(|b: axum::body::Bytes| async move { b.len().to_string() }),
        );
        finish(
            routes,
            &AllowedOrigins::new(vec![HeaderValue::from_static("http://localhost:8080")]),
        )
    }

    async fn call(req: http::Request<Body>) -> (StatusCode, http::HeaderMap, serde_json::Value) {
        let response = app().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }

    #[tokio::test]
    async fn unknown_route_is_a_json_404_with_request_id() {
        let (status, headers, body) = call(
            http::Request::get("/nope")
                .header("x-request-id", "t-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "not_found");
        assert_eq!(body["requestId"], "t-1");
        assert_eq!(headers[X_REQUEST_ID], "t-1");
    }

    #[tokio::test]
    async fn wrong_method_is_a_json_405_that_keeps_allow() {
        let (status, headers, body) =
            call(http::Request::delete("/ok").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"], "method_not_allowed");
        assert!(headers.contains_key(header::ALLOW));
        assert!(!body["requestId"].as_str().unwrap().is_empty());
    }

    #[tokio::test]
    async fn oversized_body_is_a_json_413() {
        let big = vec![b'x'; BODY_LIMIT + 1];
        let (status, _, body) = call(
            http::Request::post("/echo")
                .header(header::CONTENT_LENGTH, big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"], "payload_too_large");
    }

    #[tokio::test]
    async fn allowed_origin_gets_allow_origin_and_vary() {
        let response = app()
            .oneshot(
                http::Request::get("/ok")
                    .header(header::ORIGIN, "http://localhost:8080")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:8080"
        );
        let vary = response.headers()[header::VARY]
            .to_str()
            .unwrap()
            .to_lowercase();
        assert!(vary.contains("origin"), "{vary}");
    }

    #[tokio::test]
    async fn foreign_origin_gets_body_but_no_allow_origin() {
        let response = app()
            .oneshot(
                http::Request::get("/ok")
                    .header(header::ORIGIN, "https://evil.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[tokio::test]
    async fn preflight_is_answered_only_for_allowed_origins() {
        let preflight = |origin: &'static str| {
            http::Request::options("/ok")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .body(Body::empty())
                .unwrap()
        };
        let ok = app()
            .oneshot(preflight("http://localhost:8080"))
            .await
            .unwrap();
        assert!(ok.status().is_success());
        assert!(ok
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS));
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:8080"
        );

        let refused = app()
            .oneshot(preflight("https://evil.example"))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        for h in [
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
        ] {
            assert!(!refused.headers().contains_key(&h), "{h}");
        }
    }
}
