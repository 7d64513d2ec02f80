#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! What local-api answers before any route: requests hyper cannot parse (a
//! garbage request line, a URI over 64 KiB, headers over its limits) get a
//! JSON error `{"error","message","requestId"}`, like every other answer.

use std::time::Duration;

use serde_json::Value;

use crate::sigv4::raw_exchange;
use crate::util::{local_stack, stack};

/// The status and JSON body of a raw answer.
fn parse(answer: &str) -> (u16, Value) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn local_only_unparsable_requests_get_json_errors() {
    // raw TCP to the local server; API Gateway has its own front door.
    local_stack();
    let host = stack().base.trim_start_matches("http://").to_owned();
    let many: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let cases = [
        (400, "GARBAGE\r\n\r\n".to_owned()),
        (
            400,
            format!("GET /resume HTTP/1.1\r\nhost: {host}\r\nbad header\r\n\r\n"),
        ),
        (
            414,
            format!(
                "GET /{} HTTP/1.1\r\nhost: {host}\r\n\r\n",
                "a".repeat(70_000)
            ),
        ),
        (
            431,
            format!("GET /resume HTTP/1.1\r\nhost: {host}\r\n{many}\r\n"),
        ),
        (
            431,
            format!(
                "GET /resume HTTP/1.1\r\nhost: {host}\r\nx-big: {}\r\n\r\n",
                "v".repeat(500_000)
            ),
        ),
    ];
    for (expected, request) in cases {
        let answer = tokio::task::spawn_blocking(move || {
            raw_exchange(&request, b"", Duration::from_secs(5))
        })
        .await
        .unwrap();
        let (status, body) = parse(&answer);
        assert_eq!(status, expected, "{answer}");
        assert_eq!(body["error"], "bad_request", "{answer}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
        assert!(
            body["requestId"].as_str().is_some_and(|id| !id.is_empty()),
            "{answer}"
        );
        assert_eq!(body.as_object().map(|o| o.len()), Some(3), "{answer}");
    }
}
