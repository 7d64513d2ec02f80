//! DynamoDB call metrics (crate::metrics), from an SDK interceptor that every
//! client [`super::client`] builds carries: per call, by `Operation`, the
//! latency of the whole call (its retries included), its retries, and the
//! attempts DynamoDB throttled.

use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use crate::metrics::{emit, millis_since, names, Metric, Unit};

/// The error codes DynamoDB throttles with (its JSON `__type`).
const THROTTLE_CODES: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

/// The interceptor: stateless, its per-call state is in the call's config bag.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallMetrics;

#[derive(Clone, Debug)]
struct CallState {
    start: Instant,
    attempts: u32,
    throttles: u32,
}

impl Storable for CallState {
    type Storer = StoreReplace<Self>;
}

fn state(cfg: &mut ConfigBag) -> Option<&mut CallState> {
    cfg.get_mut::<CallState>()
}

/// Whether a DynamoDB error body names a throttling error.
pub fn is_throttle(status: u16, body: &[u8]) -> bool {
    status == 400
        && std::str::from_utf8(body)
            .is_ok_and(|text| THROTTLE_CODES.iter().any(|code| text.contains(code)))
}

impl Intercept for CallMetrics {
    fn name(&self) -> &'static str {
        "CallMetrics"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(CallState {
            start: Instant::now(),
            attempts: 0,
            throttles: 0,
        });
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(s) = state(cfg) {
            s.attempts += 1;
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = ctx.response();
        let body = response.body().bytes().unwrap_or_default();
        if is_throttle(response.status().as_u16(), body) {
            if let Some(s) = state(cfg) {
                s.throttles += 1;
            }
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or_else(|| "unknown".to_owned(), |m| m.name().to_owned());
        if let Some(s) = state(cfg) {
            let retries = s.attempts.saturating_sub(1);
            record(&operation, millis_since(s.start), retries, s.throttles);
        }
        Ok(())
    }
}

/// Records one call: latency by `Operation`; retries and throttles without
/// a dimension (two metrics rather than one per operation: they are rare).
pub fn record(operation: &str, latency_ms: f64, retries: u32, throttles: u32) {
    let metric = |name, unit, value, dimensions| Metric {
        name,
        unit,
        value,
        dimensions,
    };
    emit(
        &[("Operation", operation)],
        &[
            metric(
                names::DYNAMODB_LATENCY,
                Unit::Milliseconds,
                latency_ms,
                &["Operation"],
            ),
            metric(
                names::DYNAMODB_RETRIES,
                Unit::Count,
                f64::from(retries),
                &[],
            ),
            metric(
                names::DYNAMODB_THROTTLES,
                Unit::Count,
                f64::from(throttles),
                &[],
            ),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_bodies_are_told_from_other_errors() {
        let throttled =
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"x"}"#;
        assert!(is_throttle(400, throttled));
        let pte = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}"#;
        assert!(is_throttle(400, pte));
        let cond =
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}"#;
        assert!(!is_throttle(400, cond));
        assert!(!is_throttle(500, throttled));
    }
}
