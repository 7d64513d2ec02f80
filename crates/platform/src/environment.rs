//! Where the process runs: what telemetry and metrics both decide by.

/// True inside the Lambda execution environment (the runtime sets
/// `AWS_LAMBDA_FUNCTION_NAME` for every function).
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()
}
