//! The current request's id, available anywhere inside the request's task,
//! so that error bodies and log lines carry it without threading it through.

use std::future::Future;

use http::Request;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The current request id, if called inside a request.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Picks the id for a request: API Gateway's request id in Lambda (the one
/// in its access logs and `x-amzn-RequestId`), then the Lambda invocation id,
/// then a caller's `x-request-id`, else a fresh UUID.
pub fn for_request<B>(req: &Request<B>) -> String {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;

    let from_gateway = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    };
    from_gateway
        .or_else(|| req.lambda_context_ref().map(|c| c.request_id.clone()))
        .filter(|id| !id.is_empty())
        .or_else(|| {
            req.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| is_safe_id(v))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
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

    #[test]
    fn a_safe_caller_id_is_kept_and_a_hostile_one_replaced() {
        let req = Request::builder()
            .header("x-request-id", "abc-123")
            .body(())
            .unwrap();
        assert_eq!(for_request(&req), "abc-123");

        let req = Request::builder()
            .header("x-request-id", "<script>")
            .body(())
            .unwrap();
        let id = for_request(&req);
        assert_ne!(id, "<script>");
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }

    #[tokio::test]
    async fn current_is_only_set_inside_the_scope() {
        assert_eq!(current(), None);
        let seen = scope("r1".into(), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("r1"));
    }
}
