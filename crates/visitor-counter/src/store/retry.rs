//! Retries for writes that are not idempotent, such as `ADD`.
//!
//! The SDK's standard retry strategy also retries timeouts, I/O errors and
//! 5xx answers. For an `ADD` those are ambiguous: the attempt may have been
//! applied before the answer was lost, and a retry would count twice. This
//! classifier keeps only the retries where DynamoDB said it did nothing
//! (throttling), and forbids the rest.

use aws_sdk_dynamodb::config::interceptors::InterceptorContext;
use aws_sdk_dynamodb::config::retry::{ClassifyRetry, RetryAction};
use aws_smithy_runtime_api::client::retries::classifiers::{RetryClassifierPriority, RetryReason};
use aws_smithy_types::retry::ErrorKind;

/// Runs after the SDK's classifiers and vetoes every retry but throttling.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnlyThrottlingRetries;

impl OnlyThrottlingRetries {
    /// A per-operation config override that installs this classifier:
    /// `.customize().config_override(OnlyThrottlingRetries::config())`.
    pub fn config() -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::config::Builder::default().retry_classifier(Self)
    }

    /// The verdict, given what the SDK's own classifiers decided.
    pub fn refine(previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::NoActionIndicated,
            RetryAction::RetryIndicated(_) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }
}

impl ClassifyRetry for OnlyThrottlingRetries {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        Self::refine(previous)
    }

    fn name(&self) -> &'static str {
        "OnlyThrottlingRetries"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_is_retried() {
        assert_eq!(
            OnlyThrottlingRetries::refine(&RetryAction::throttling_error()),
            RetryAction::NoActionIndicated
        );
        for ambiguous in [
            RetryAction::transient_error(),
            RetryAction::server_error(),
            RetryAction::client_error(),
        ] {
            assert_eq!(
                OnlyThrottlingRetries::refine(&ambiguous),
                RetryAction::RetryForbidden,
                "{ambiguous}"
            );
        }
        assert_eq!(
            OnlyThrottlingRetries::refine(&RetryAction::NoActionIndicated),
            RetryAction::NoActionIndicated
        );
    }

    #[test]
    fn it_runs_after_the_sdk_classifiers() {
        assert!(
            OnlyThrottlingRetries.priority()
                > RetryClassifierPriority::transient_error_classifier()
        );
        assert!(
            OnlyThrottlingRetries.priority()
                > RetryClassifierPriority::modeled_as_retryable_classifier()
        );
    }
}
