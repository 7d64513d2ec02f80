//! Running a router on Lambda. The router is the same value the local server
//! serves; this only adapts API Gateway's path and hands it to `lambda_http`.
//!
//! Routes are declared as template.yaml declares them (`/resume`), but an
//! event's path can carry more in front:
//!
//! - the stage: lambda_http puts `/{stage}` in front of a REST API event's
//!   path (unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set, which this
//!   project does not use), and some events already carry it;
//! - a custom domain's base-path mapping (`api.me.example/v1` puts `/v1`
//!   in front), named by `API_BASE_PATH` ([`BasePath`]).
//!
//! [`service`] drops exactly those two prefixes, in that order, and nothing
//! it was not told about: an unknown path stays a 404.

use std::sync::Arc;

use axum::Router;
use http::Uri;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use tower::util::MapRequest;
use tower::ServiceExt;

use crate::config::{BasePath, HttpConfig};

/// The router as a Lambda service, with the stage and `base_path` dropped
/// from each event's path.
pub fn service(
    router: Router,
    base_path: &BasePath,
) -> MapRequest<Router, impl FnMut(Request) -> Request + Clone> {
    let base: Option<Arc<str>> = base_path.as_prefix().map(Arc::from);
    router.map_request(move |req: Request| {
        let req = strip_stage(req);
        match &base {
            Some(prefix) => strip_prefix(req, prefix),
            None => req,
        }
    })
}

/// Serves `router` for API Gateway events until the runtime stops.
pub async fn run(router: Router, http: &HttpConfig) -> Result<(), lambda_http::Error> {
    // Init is over: the state is built, the first event not yet read.
    crate::metrics::cold_start();
    lambda_http::run(service(router, &http.base_path)).await
}

/// Drops a leading `/{stage}` (the event's own stage, nothing else).
fn strip_stage(req: Request) -> Request {
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    match stage.filter(|s| !s.is_empty() && s != "$default") {
        Some(stage) => strip_prefix(req, &format!("/{stage}")),
        None => req,
    }
}

/// Drops `prefix` (`/seg[/seg...]`) when the path starts with it as whole
/// segments; the query string stays.
fn strip_prefix(mut req: Request, prefix: &str) -> Request {
    let path = req.uri().path();
    let rest = match path.strip_prefix(prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return req,
    };
    let mut target = rest.to_owned();
    if let Some(query) = req.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = target.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use http_body_util::BodyExt;

    /// A REST API proxy event as API Gateway sends it, with `path` as given.
    fn rest_event(path: &str) -> Request {
        let event = serde_json::json!({
            "resource": "/resume",
            "path": path,
            "httpMethod": "GET",
            "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
            "multiValueHeaders": {},
            "queryStringParameters": {"x": "1"},
            "multiValueQueryStringParameters": {"x": ["1"]},
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": {
                "accountId": "123456789012",
                "resourceId": "abc",
                "stage": "Prod",
                "requestId": "gw-req-1",
                "identity": {"sourceIp": "203.0.113.9"},
                "resourcePath": "/resume",
                "httpMethod": "GET",
                "apiId": "abc",
                "path": "/Prod/resume"
            },
            "body": null,
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn echo() -> Router {
        let router = Router::new().route(
            "/resume",
            get(|uri: Uri, headers: http::HeaderMap| async move {
                format!(
                    "{}|{}",
                    uri.path_and_query().map(|p| p.as_str()).unwrap_or_default(),
                    headers[crate::request_id::HEADER].to_str().unwrap()
                )
            }),
        );
        crate::http::finish(router, &crate::http::AllowedOrigins::default())
    }

    async fn status_at(req: Request, base: &BasePath) -> u16 {
        let response = service(echo(), base).oneshot(req).await.unwrap();
        response.status().as_u16()
    }

    async fn path_seen_at(req: Request, base: &BasePath) -> String {
        let response = service(echo(), base).oneshot(req).await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn path_seen(req: Request) -> String {
        path_seen_at(req, &BasePath::default()).await
    }

    #[tokio::test]
    async fn routes_match_with_and_without_the_stage_in_the_path() {
        for path in ["/resume", "/Prod/resume"] {
            let seen = path_seen(rest_event(path)).await;
            assert!(seen.starts_with("/resume?x=1|"), "{path}: {seen}");
            // The request id is API Gateway's.
            assert!(seen.ends_with("|gw-req-1"), "{path}: {seen}");
        }
    }

    #[tokio::test]
    async fn a_base_path_is_dropped_only_when_configured() {
        let v1: BasePath = "/v1".parse().unwrap();
        for path in ["/v1/resume", "/Prod/v1/resume"] {
            let seen = path_seen_at(rest_event(path), &v1).await;
            assert!(seen.starts_with("/resume?x=1|"), "{path}: {seen}");
        }
        // Not told about /v1: it stays, and the route is not found.
        let status = status_at(rest_event("/v1/resume"), &BasePath::default()).await;
        assert_eq!(status, 404);
        // Told about /v1, a path without it or with another prefix is a 404.
        assert_eq!(status_at(rest_event("/v2/resume"), &v1).await, 404);
        assert_eq!(status_at(rest_event("/v1resume"), &v1).await, 404);
    }

    #[test]
    fn only_a_leading_stage_segment_is_dropped() {
        let mut req = rest_event("/Production/resume");
        assert_eq!(strip_stage(req).uri().path(), "/Production/resume");
        req = rest_event("/Prod/");
        assert_eq!(strip_stage(req).uri().path(), "/");
    }
}
