//! Running a router on Lambda. The router is the same value the local server
//! serves; this only adapts API Gateway's path and hands it to `lambda_http`.

use axum::Router;
use http::Uri;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use tower::util::MapRequest;
use tower::ServiceExt;

/// The router as a Lambda service.
pub fn service(router: Router) -> MapRequest<Router, fn(Request) -> Request> {
    router.map_request(strip_stage as fn(Request) -> Request)
}

/// Serves `router` for API Gateway events until the runtime stops.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(service(router)).await
}

/// A REST API event's path may carry the stage (`/Prod/resume`), depending on
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` and on how the API is reached.
/// Routes are declared without it, so drop a leading `/{stage}` here.
fn strip_stage(mut req: Request) -> Request {
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else {
        return req;
    };
    let prefix = format!("/{stage}");
    let path = req.uri().path();
    let rest = match path.strip_prefix(&prefix) {
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

    async fn path_seen(req: Request) -> String {
        let router = Router::new().route(
            "/resume",
            get(|uri: Uri| async move {
                format!(
                    "{}|{}",
                    uri.path_and_query().map(|p| p.as_str()).unwrap_or_default(),
                    crate::request_id::current().unwrap_or_default()
                )
            }),
        );
        let router = crate::http::finish(router, &crate::http::AllowedOrigins::default());
        let response = service(router).oneshot(req).await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
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

    #[test]
    fn only_a_leading_stage_segment_is_dropped() {
        let mut req = rest_event("/Production/resume");
        assert_eq!(strip_stage(req).uri().path(), "/Production/resume");
        req = rest_event("/Prod/");
        assert_eq!(strip_stage(req).uri().path(), "/");
    }
}
