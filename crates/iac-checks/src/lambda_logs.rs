//! Lambda's application log-level filter, as the Lambda developer guide
//! documents it ("Log-level filtering",
//! <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html>)
//! for runtimes without a built-in logger, such as `provided.al2023`: with
//! the JSON log format, each line is a JSON object whose `"level"` value is
//! its level; "If the `level` value field is invalid or missing, Lambda will
//! assign the log output the level INFO". Lambda then sends a line only if
//! its level is the function's `ApplicationLogLevel` or less detailed ("if
//! you set your function's application log level to WARN, Lambda doesn't
//! send INFO and DEBUG log output"); with no `ApplicationLogLevel` the
//! filter is INFO.

/// The application log levels, most detail first (the guide's table).
pub const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// `ApplicationLogLevel` when the function sets none.
pub const DEFAULT_FILTER: &str = "INFO";

/// Rank of `level` in [`LEVELS`] (any case), or `None` if it is no level.
fn rank(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| l.eq_ignore_ascii_case(level))
}

/// The level Lambda gives one log line: its `level` value if that is a
/// level, else INFO (a line that is not a JSON object has no `level`).
pub fn line_level(line: &str) -> &'static str {
    let value: Option<serde_json::Value> = serde_json::from_str(line.trim()).ok();
    value
        .as_ref()
        .and_then(|v| v.get("level"))
        .and_then(serde_json::Value::as_str)
        .and_then(rank)
        .map_or("INFO", |r| LEVELS[r])
}

/// Whether Lambda sends `line` to CloudWatch Logs when the function's
/// `ApplicationLogLevel` is `filter`. Errors if `filter` is not a level.
pub fn keeps(filter: &str, line: &str) -> Result<bool, String> {
    let floor = rank(filter).ok_or_else(|| format!("{filter:?} is not an ApplicationLogLevel"))?;
    // line_level gives one of LEVELS, whose rank is always found.
    Ok(rank(line_level(line)).is_some_and(|r| r >= floor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_without_a_valid_level_is_info() {
        // The guide's own example.
        let debug = r#"{"level": "debug", "msg": "my debug log", "timestamp": "2024-11-02T16:51:31.587199Z"}"#;
        assert_eq!(line_level(debug), "DEBUG");
        assert_eq!(line_level(r#"{"level":"WARN","fields":{}}"#), "WARN");
        assert_eq!(line_level(r#"{"_aws":{"Timestamp":1}}"#), "INFO");
        assert_eq!(line_level(r#"{"level":"verbose"}"#), "INFO");
        assert_eq!(line_level(r#"{"level":3}"#), "INFO");
        assert_eq!(line_level("plain text"), "INFO");
    }

    #[test]
    fn a_filter_sends_its_level_and_less_detail() {
        let info = r#"{"_aws":{}}"#;
        let warn = r#"{"level":"WARN"}"#;
        let fatal = r#"{"level":"fatal"}"#;
        assert_eq!(keeps("WARN", info), Ok(false));
        assert_eq!(keeps("ERROR", info), Ok(false));
        assert_eq!(keeps("INFO", info), Ok(true));
        assert_eq!(keeps("TRACE", info), Ok(true));
        assert_eq!(keeps("WARN", warn), Ok(true));
        assert_eq!(keeps("ERROR", warn), Ok(false));
        assert_eq!(keeps("ERROR", fatal), Ok(true));
        assert!(keeps("LOUD", info).is_err());
        assert_eq!(keeps(DEFAULT_FILTER, r#"{"level":"DEBUG"}"#), Ok(false));
    }
}
