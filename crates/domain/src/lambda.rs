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
