#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The hostile-input battery: every malformed request gets a 4xx JSON error
//! (or the correct result), never a 5xx. Runs against the local stack or a
//! deployed stage (`API_URL`); data it creates has unique ids and is deleted.

use crate::util::{http, stack, unique_id};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

#[derive(Debug)]
enum Expect {
    /// A client error with this status and error code.
    Error(u16, &'static str),
    /// Some 4xx JSON error (the exact code is DynamoDB's or the parser's call).
    AnyClientError,
    /// The correct result: this success status.
    Ok(u16),
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    expect: Expect,
}

fn case(
    name: &'static str,
    method: Method,
    path: impl Into<String>,
    body: impl Into<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        content_type: Some("application/json"),
        body: body.into(),
        expect,
    }
}

fn manager(name: &'static str, body: impl Into<Vec<u8>>, expect: Expect) -> Case {
    case(name, Method::POST, "/dynamodbmanager", body, expect)
}

fn nested(depth: usize, open: &str, close: &str) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

fn cases(id: &str) -> Vec<Case> {
    use Expect::*;
    let long_id = "a".repeat(10_000);
    let big_body = format!(
        r#"{{"operation":"echo","payload":{{"x":"{}"}}}}"#,
        "y".repeat(1024 * 1024)
    );
    let mut cases = vec![
        // Malformed, truncated or empty JSON, wrong types, invalid UTF-8.
        manager("empty body", "", Error(400, "invalid_json")),
        manager("whitespace body", "  \n ", Error(400, "invalid_json")),
        manager(
            "truncated JSON",
            r#"{"operation":"read","payload":{"Key":"#,
            Error(400, "invalid_json"),
        ),
        manager("JSON null", "null", AnyClientError),
        manager("JSON array", "[]", AnyClientError),
        manager("JSON string", r#""ping""#, AnyClientError),
        manager(
            "operation is a number",
            r#"{"operation":5}"#,
            AnyClientError,
        ),
        manager(
            "payload is a string",
            r#"{"operation":"read","payload":"x"}"#,
            AnyClientError,
        ),
        manager(
            "Key is a string",
            r#"{"operation":"read","payload":{"Key":"x"}}"#,
            Error(400, "invalid_request"),
        ),
        manager(
            "Item is an array",
            r#"{"operation":"create","payload":{"Item":[1]}}"#,
            AnyClientError,
        ),
        manager(
            "invalid UTF-8",
            b"{\"operation\":\"\xff\xfe\"}".to_vec(),
            AnyClientError,
        ),
        manager(
            "lone surrogate escape",
            r#"{"operation":"echo","payload":{"x":"\ud800"}}"#,
            AnyClientError,
        ),
        manager(
            "unknown operation",
            r#"{"operation":"drop_table"}"#,
            Error(400, "unknown_operation"),
        ),
        // Size and depth.
        manager(
            "body over 1 MiB",
            big_body.clone(),
            Error(413, "payload_too_large"),
        ),
        manager(
            "arrays nested 5000 deep",
            format!(
                r#"{{"operation":"echo","payload":{{"x":{}}}}}"#,
                nested(5000, "[", "]")
            ),
            AnyClientError,
        ),
        manager(
            "objects nested 5000 deep",
            format!(
                r#"{{"operation":"create","payload":{{"Item":{{"id":"{id}-deep","x":{}}}}}}}"#,
                nested(5000, r#"{"a":"#, "}").replacen("}", "1}", 1)
            ),
            AnyClientError,
        ),
        // Numbers.
        manager(
            "38-digit number is stored",
            format!(
                r#"{{"operation":"create","payload":{{"Item":{{"id":"{id}-n38","n":12345678901234567890123456789012345678}}}}}}"#
            ),
            Ok(200),
        ),
        manager(
            "39 significant digits",
            format!(
                r#"{{"operation":"create","payload":{{"Item":{{"id":"{id}-n39","n":123456789012345678901234567890123456789}}}}}}"#
            ),
            Error(400, "validation_error"),
        ),
        manager(
            "number out of range",
            format!(
                r#"{{"operation":"create","payload":{{"Item":{{"id":"{id}-big","n":1e200}}}}}}"#
            ),
            Error(400, "validation_error"),
        ),
        manager(
            "Limit out of range",
            r#"{"operation":"list","payload":{"Limit":-1}}"#,
            Error(400, "invalid_request"),
        ),
        // Keys and expressions.
        manager(
            "empty key value",
            r#"{"operation":"read","payload":{"Key":{"id":""}}}"#,
            AnyClientError,
        ),
        manager(
            "empty attribute name",
            format!(r#"{{"operation":"create","payload":{{"Item":{{"id":"{id}-e","":1}}}}}}"#),
            AnyClientError,
        ),
        manager(
            "missing key attribute",
            r#"{"operation":"read","payload":{"Key":{"nope":"x"}}}"#,
            Error(400, "validation_error"),
        ),
        manager(
            "reserved word without names",
            format!(
                r#"{{"operation":"update","payload":{{"Key":{{"id":"{id}-r"}},"UpdateExpression":"SET name = :v","ExpressionAttributeValues":{{":v":1}}}}}}"#
            ),
            Error(400, "validation_error"),
        ),
        manager(
            "garbage update expression",
            format!(
                r#"{{"operation":"update","payload":{{"Key":{{"id":"{id}-g"}},"UpdateExpression":"DROP TABLE"}}}}"#
            ),
            Error(400, "validation_error"),
        ),
        manager(
            "unused expression value",
            r#"{"operation":"list","payload":{"ExpressionAttributeValues":{":v":1}}}"#,
            AnyClientError,
        ),
        // Tables.
        manager(
            "path traversal table name",
            r#"{"operation":"list","tableName":"../../etc/passwd"}"#,
            Error(403, "forbidden"),
        ),
        manager(
            "unicode table name",
            r#"{"operation":"list","tableName":"tāble✓"}"#,
            Error(403, "forbidden"),
        ),
        // Unknown fields and duplicate keys.
        manager(
            "unknown top-level fields",
            r#"{"operation":"ping","extra":{"a":1},"x":[1]}"#,
            Ok(200),
        ),
        manager(
            "unknown payload key",
            r#"{"operation":"read","payload":{"Key":{"id":"x"},"Expected":{}}}"#,
            Error(400, "invalid_request"),
        ),
        manager(
            "duplicate keys",
            r#"{"operation":"ping","operation":"ping"}"#,
            AnyClientError,
        ),
        // Content types.
        Case {
            content_type: Some("application/x-www-form-urlencoded"),
            ..manager(
                "form-encoded content type",
                r#"{"operation":"ping"}"#,
                Ok(200),
            )
        },
        Case {
            content_type: None,
            ..manager("no content type", r#"{"operation":"ping"}"#, Ok(200))
        },
        // Ids in paths.
        case(
            "path traversal resume id",
            Method::GET,
            "/resume/..%2F..%2Fetc%2Fpasswd",
            "",
            Error(400, "invalid_id"),
        ),
        case(
            "very long resume id",
            Method::GET,
            format!("/resume/{long_id}"),
            "",
            Error(400, "invalid_id"),
        ),
        case(
            "unicode resume id",
            Method::GET,
            "/resume/%E2%9C%93-r%C3%A9sum%C3%A9",
            "",
            Error(400, "invalid_id"),
        ),
        case(
            "NUL in resume id",
            Method::GET,
            "/resume/a%00b",
            "",
            Error(400, "invalid_id"),
        ),
        case(
            "invalid percent-encoding",
            Method::GET,
            "/resume/%FF%FE",
            "",
            AnyClientError,
        ),
        case(
            "very long item id",
            Method::GET,
            format!("/items/{long_id}"),
            "",
            AnyClientError,
        ),
        case(
            "unicode item id that is absent",
            Method::DELETE,
            format!("/items/{id}-%E2%9C%93"),
            "",
            Error(404, "not_found"),
        ),
        case(
            "item body id differs from path",
            Method::PUT,
            format!("/items/{id}-p"),
            r#"{"id":"other"}"#,
            Error(400, "id_mismatch"),
        ),
        case(
            "item body is an array",
            Method::PUT,
            format!("/items/{id}-a"),
            "[1]",
            AnyClientError,
        ),
        case(
            "resume body is not JSON",
            Method::PUT,
            format!("/resume/{id}-rj"),
            "{",
            Error(400, "invalid_json"),
        ),
        case(
            "resume body is not UTF-8",
            Method::PUT,
            format!("/resume/{id}-ru"),
            b"{\"basics\": \"\xff\"}".to_vec(),
            Error(400, "invalid_json"),
        ),
        case(
            "resume body is an array",
            Method::PUT,
            format!("/resume/{id}-ra"),
            "[1]",
            Error(400, "invalid_resume"),
        ),
        case(
            "resume body breaks the schema everywhere",
            Method::PUT,
            format!("/resume/{id}-rs"),
            format!(
                r#"{{"work": [{}]}}"#,
                vec![r#"{"startDate": 1}"#; 500].join(",")
            ),
            Error(400, "invalid_resume"),
        ),
        case(
            "resume body nested past any depth",
            Method::PUT,
            format!("/resume/{id}-rd"),
            format!(r#"{{"x": {}}}"#, nested(5000, "[", "]")),
            Error(400, "invalid_json"),
        ),
        case(
            "resume body over the item limit",
            Method::PUT,
            format!("/resume/{id}-rl"),
            format!(r#"{{"basics": {{"summary": "{}"}}}}"#, "y".repeat(360_000)),
            Error(413, "payload_too_large"),
        ),
        case(
            "resume body over the request limit",
            Method::PUT,
            format!("/resume/{id}-rb"),
            big_body,
            Error(413, "payload_too_large"),
        ),
        case(
            "resume write with an invalid id",
            Method::PUT,
            "/resume/..%2Fetc",
            "{}",
            Error(400, "invalid_id"),
        ),
        case(
            "delete of an absent resume",
            Method::DELETE,
            format!("/resume/{id}-absent"),
            "",
            Error(404, "not_found"),
        ),
        case(
            "item body is not JSON",
            Method::PUT,
            format!("/items/{id}-j"),
            "{",
            Error(400, "invalid_json"),
        ),
        case(
            "non-numeric list limit",
            Method::GET,
            "/items?limit=abc",
            "",
            AnyClientError,
        ),
        case(
            "wrong method on counter",
            Method::POST,
            "/visitorcount",
            "{}",
            Error(405, "method_not_allowed"),
        ),
        case(
            "wrong method on stats",
            Method::POST,
            "/visitorcount/stats",
            "{}",
            Error(405, "method_not_allowed"),
        ),
    ];
    // GET /visitorcount/stats?days=...: every bad `days` is a 400.
    let nines = "9".repeat(10_000);
    let bad_days = [
        "", "0", "367", "-1", "+5", "%205", "1e2", "0x10", "%D9%A3", "5.0", &nines,
    ];
    for days in bad_days {
        let mut c = case(
            "bad stats days",
            Method::GET,
            format!("/visitorcount/stats?days={days}"),
            "",
            Error(400, "invalid_days"),
        );
        c.content_type = None;
        cases.push(c);
    }
    let mut junk = case(
        "stats query not percent-encoded",
        Method::GET,
        "/visitorcount/stats?days=%ZZ",
        "",
        AnyClientError,
    );
    junk.content_type = None;
    cases.push(junk);
    let mut repeated = case(
        "repeated stats days",
        Method::GET,
        "/visitorcount/stats?days=3&days=4",
        "",
        AnyClientError,
    );
    repeated.content_type = None;
    cases.push(repeated);
    for (name, days, want) in [
        ("stats days 1", "1", Ok(200)),
        ("stats days 366", "366", Ok(200)),
    ] {
        let mut c = case(
            name,
            Method::GET,
            format!("/visitorcount/stats?days={days}"),
            "",
            want,
        );
        c.content_type = None;
        cases.push(c);
    }
    cases
}

async fn send(c: &Case) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let mut request = http().request(c.method.clone(), stack().url(&c.path));
    if let Some(ct) = c.content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let response = request.body(c.body.clone()).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_hostile_input_gets_a_4xx_json_error_or_the_right_result() {
    let id = unique_id("hostile");
    let cases = cases(&id);
    assert!(cases.len() >= 30, "the battery has {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let (status, headers, body) = send(c).await;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        let problem = match (&c.expect, status.as_u16()) {
            (_, s) if s >= 500 => Some(format!("server error {s}")),
            (Expect::Ok(want), s) if s != *want => Some(format!("want {want}, got {s}")),
            (Expect::Ok(_), _) => None,
            (Expect::Error(want, _), s) if s != *want => Some(format!("want {want}, got {s}")),
            (Expect::AnyClientError, s) if !(400..500).contains(&s) => {
                Some(format!("want a 4xx, got {s}"))
            }
            (Expect::Error(..) | Expect::AnyClientError, _) => match &json {
                Some(v) if v["requestId"].is_string() && v["message"].is_string() => {
                    match code_of(&c.expect) {
                        Some(code) if v["error"] != code => {
                            Some(format!("want error {code}, got {v}"))
                        }
                        _ if !v["error"].is_string() => Some(format!("no error code: {v}")),
                        _ => None,
                    }
                }
                _ => Some(format!(
                    "not a JSON error: {}",
                    String::from_utf8_lossy(&body)
                )),
            },
        };
        if status.is_client_error() {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !ct.starts_with("application/json") {
                failures.push(format!("{}: error content type {ct:?}", c.name));
            }
        }
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", c.name));
        }
    }

    // The one case that stores data stored it exactly; then clean up.
    let read = http()
        .post(stack().url("/dynamodbmanager"))
        .json(&json!({"operation": "read", "payload": {"Key": {"id": format!("{id}-n38")}}}))
        .send()
        .await
        .unwrap();
    let text = read.text().await.unwrap();
    assert!(
        text.contains("12345678901234567890123456789012345678"),
        "{text}"
    );
    for suffix in ["n38", "deep", "e", "r", "g", "p", "a", "j"] {
        let _ = http()
            .post(stack().url("/dynamodbmanager"))
            .json(&json!({"operation": "delete", "payload": {"Key": {"id": format!("{id}-{suffix}")}}}))
            .send()
            .await;
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn code_of(expect: &Expect) -> Option<&'static str> {
    match expect {
        Expect::Error(_, code) => Some(code),
        _ => None,
    }
}
