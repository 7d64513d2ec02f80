//! Retries for writes that are not idempotent, such as `ADD`.
//!
//! The SDK's standard retry strategy also retries timeouts, I/O errors and
//! 5xx answers. For an `ADD` those are ambiguous: the attempt may have been
//! applied before the answer was lost, and a retry would count twice. This
//! classifier keeps only the retries where DynamoDB said it did nothing
//! (throttling, or a conflict with a transaction on the same item), and
//! forbids the rest.

use aws_sdk_dynamodb::config::interceptors::InterceptorContext;
use aws_sdk_dynamodb::config::retry::{ClassifyRetry, RetryAction};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_smithy_runtime_api::client::retries::classifiers::{RetryClassifierPriority, RetryReason};
use aws_smithy_types::retry::ErrorKind;

/// Runs after the SDK's classifiers and vetoes every retry but throttling
/// and transaction conflicts.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnlyThrottlingRetries;

impl OnlyThrottlingRetries {
    /// A per-operation config override that installs this classifier:
    /// `.customize().config_override(OnlyThrottlingRetries::config())`.
    pub fn config() -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::config::Builder::default().retry_classifier(Self)
    }

    /// The verdict, given what the SDK's own classifiers decided and
    /// whether DynamoDB refused the call for a transaction on its item
    /// (`TransactionConflictException`: not applied, so safe to retry).
    pub fn refine(previous: &RetryAction, transaction_conflict: bool) -> RetryAction {
        if transaction_conflict {
            return RetryAction::throttling_error();
        }
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

    fn classify_retry_v2(&self, ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        let conflict = ctx
            .output_or_error()
            .and_then(Result::err)
            .and_then(|e| e.as_operation_error())
            .and_then(|e| e.downcast_ref::<UpdateItemError>())
            .is_some_and(|e| e.code() == Some("TransactionConflictException"));
        Self::refine(previous, conflict)
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
            OnlyThrottlingRetries::refine(&RetryAction::throttling_error(), false),
            RetryAction::NoActionIndicated
        );
        // A transaction held the item: nothing was written, so retry.
        assert_eq!(
            OnlyThrottlingRetries::refine(&RetryAction::client_error(), true),
            RetryAction::throttling_error()
        );
        for ambiguous in [
            RetryAction::transient_error(),
            RetryAction::server_error(),
            RetryAction::client_error(),
        ] {
            assert_eq!(
                OnlyThrottlingRetries::refine(&ambiguous, false),
                RetryAction::RetryForbidden,
                "{ambiguous}"
            );
        }
        assert_eq!(
            OnlyThrottlingRetries::refine(&RetryAction::NoActionIndicated, false),
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
