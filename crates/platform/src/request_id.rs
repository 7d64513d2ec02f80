//! Request ids, through tower-http's request-id layers: this module only
//! says which id a request gets. In Lambda it is API Gateway's request id
//! (the one in its access logs and `x-amzn-RequestId`), then the Lambda
//! invocation id; locally, a caller's safe `x-request-id`, else a UUID.

use http::{HeaderValue, Request};
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use tower_http::request_id::{MakeRequestId, RequestId};

/// The header that carries the id, both ways.
pub const HEADER: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The id API Gateway (or the Lambda runtime) gave this request, if any.
fn from_aws<B>(req: &Request<B>) -> Option<String> {
    let from_gateway = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    };
    from_gateway
        .or_else(|| req.lambda_context_ref().map(|c| c.request_id.clone()))
        .filter(|id| !id.is_empty())
}

/// Runs before `SetRequestIdLayer`, which keeps any `x-request-id` it
/// finds: a caller's id is dropped when AWS has one for the request, or
/// when it is not short and printable (it is echoed back).
pub fn drop_untrusted<B>(mut req: Request<B>) -> Request<B> {
    let keep = from_aws(&req).is_none()
        && req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_safe_id);
    if !keep {
        req.headers_mut().remove(HEADER);
    }
    req
}

/// The [`MakeRequestId`] for requests without a kept caller id: AWS's id,
/// else a fresh UUID v4.
#[derive(Clone, Copy, Debug, Default)]
pub struct PreferAws;

impl MakeRequestId for PreferAws {
    fn make_request_id<B>(&mut self, req: &Request<B>) -> Option<RequestId> {
        let id = from_aws(req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The id the layers gave `req`, as text ("" outside them).
pub fn of<B>(req: &Request<B>) -> String {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A caller-supplied id is echoed back, so keep it short and printable.
fn is_safe_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_for(req: Request<()>) -> String {
        let req = drop_untrusted(req);
        match req.headers().get(HEADER) {
            Some(kept) => kept.to_str().unwrap().to_owned(),
            None => PreferAws
                .make_request_id(&req)
                .unwrap()
                .header_value()
                .to_str()
                .unwrap()
                .to_owned(),
        }
    }

    #[test]
    fn a_safe_caller_id_is_kept_and_a_hostile_one_replaced() {
        let req = Request::builder()
            .header("x-request-id", "abc-123")
            .body(())
            .unwrap();
        assert_eq!(id_for(req), "abc-123");

        let req = Request::builder()
            .header("x-request-id", "<script>")
            .body(())
            .unwrap();
        let id = id_for(req);
        assert_ne!(id, "<script>");
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }
}
