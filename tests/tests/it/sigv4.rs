#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The manager's routes accept only SigV4-signed requests (API Gateway's
//! `AWS_IAM` in AWS; local-api's gate locally, with the same answers). Each
//! refusal is a 403 JSON error, and nothing is read or written.
//!
//! `make sam-local-test` leaves this group out on purpose: `sam local` does
//! not enforce IAM authorization.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{credentials, sign, sign_at, stack, unique_id, unsigned_http, SigningKey};

/// A manager request, built but not sent.
fn request(method: Method, path: &str, body: Option<&Value>) -> reqwest::Request {
    let mut builder = unsigned_http().request(method, stack().url(path));
    if let Some(body) = body {
        builder = builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    builder.build().unwrap()
}

async fn send(request: reqwest::Request) -> (StatusCode, Value) {
    let response = unsigned_http().execute(request).await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn assert_refused(request: reqwest::Request, code: &str) {
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
}

fn create(id: &str) -> Value {
    json!({"operation": "create", "payload": {"Item": {"id": id, "secret": "s3cr3t-value"}}})
}

/// Whether the managed table holds `id`, read straight from DynamoDB.
async fn stored(id: &str) -> bool {
    let item = stack()
        .dynamo()
        .await
        .get_item()
        .table_name(&stack().tables.manager)
        .key("id", AttributeValue::S(id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item;
    item.is_some()
}

fn wrong_secret(key: &SigningKey) -> SigningKey {
    let c = &key.credentials;
    SigningKey {
        credentials: aws_credential_types::Credentials::new(
            c.access_key_id(),
            "not-the-secret",
            c.session_token().map(str::to_owned),
            None,
            "tests",
        ),
        region: key.region.clone(),
    }
}

fn unknown_key(key: &SigningKey) -> SigningKey {
    SigningKey {
        credentials: aws_credential_types::Credentials::new(
            "unknown-access-key-id",
            "some-secret",
            None,
            None,
            "tests",
        ),
        region: key.region.clone(),
    }
}

#[tokio::test]
async fn a_signed_request_is_served() {
    let id = unique_id("sigv4-ok");
    let mut req = request(Method::POST, "/dynamodbmanager", Some(&create(&id)));
    sign(&mut req, &credentials().await);
    let (status, body) = send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(stored(&id).await);
    let mut delete = request(Method::DELETE, &format!("/items/{id}"), None);
    sign(&mut delete, &credentials().await);
    assert_eq!(send(delete).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn unsigned_and_wrongly_signed_writes_are_refused_and_write_nothing() {
    let key = credentials().await;
    let id = unique_id("sigv4-refused");
    let body = create(&id);

    let unsigned = request(Method::POST, "/dynamodbmanager", Some(&body));
    assert_refused(unsigned, "missing_authentication_token").await;

    for (name, signer) in [
        ("wrong secret", wrong_secret(&key)),
        ("unknown key id", unknown_key(&key)),
    ] {
        let mut req = request(Method::POST, "/dynamodbmanager", Some(&body));
        sign(&mut req, &signer);
        let (status, answer) = send(req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {answer}");
    }

    // Signed 20 minutes ago: outside the 15 minutes AWS allows.
    let mut stale = request(Method::POST, "/dynamodbmanager", Some(&body));
    sign_at(
        &mut stale,
        &key,
        SystemTime::now() - Duration::from_secs(20 * 60),
    );
    let (status, answer) = send(stale).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "stale: {answer}");

    // A body changed after signing.
    let mut tampered = request(Method::POST, "/dynamodbmanager", Some(&create("other")));
    sign(&mut tampered, &key);
    *tampered.body_mut() = Some(body.to_string().into());
    let (status, answer) = send(tampered).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tampered body: {answer}");

    // A path changed after signing: signed for one item, sent to another.
    let mut moved = request(
        Method::PUT,
        &format!("/items/{id}-signed"),
        Some(&json!({"n": 1})),
    );
    sign(&mut moved, &key);
    *moved.url_mut() = stack().url(&format!("/items/{id}")).parse().unwrap();
    let (status, answer) = send(moved).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tampered path: {answer}");

    if stack().is_local() {
        assert!(!stored(&id).await, "a refused request wrote {id}");
        assert!(!stored(&format!("{id}-signed")).await);
        assert!(!stored("other").await);
    }
}

#[tokio::test]
async fn unsigned_reads_are_refused_and_read_nothing() {
    let key = credentials().await;
    let id = unique_id("sigv4-read");
    let mut put = request(
        Method::PUT,
        &format!("/items/{id}"),
        Some(&json!({"secret": "s3cr3t-value"})),
    );
    sign(&mut put, &key);
    assert_eq!(send(put).await.0, StatusCode::CREATED);

    for (method, path) in [
        (Method::GET, format!("/items/{id}")),
        (Method::GET, "/items".to_owned()),
        (Method::DELETE, format!("/items/{id}")),
    ] {
        let response = unsigned_http()
            .request(method.clone(), stack().url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("s3cr3t-value"), "{method} {path}: {text}");
    }
    // The unsigned DELETE did not delete it.
    let mut get = request(Method::GET, &format!("/items/{id}"), None);
    sign(&mut get, &key);
    let (status, item) = send(get).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["secret"], "s3cr3t-value");
    let mut delete = request(Method::DELETE, &format!("/items/{id}"), None);
    sign(&mut delete, &key);
    assert_eq!(send(delete).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn temporary_credentials_are_accepted_locally() {
    if !stack().is_local() {
        return; // AWS checks real session tokens; this is the local gate's rule.
    }
    let key = SigningKey {
        credentials: aws_credential_types::Credentials::new(
            "local",
            "local",
            Some("a-session-token".into()),
            None,
            "tests",
        ),
        region: "us-east-1".into(),
    };
    let mut req = request(
        Method::POST,
        "/dynamodbmanager",
        Some(&json!({"operation": "ping"})),
    );
    sign(&mut req, &key);
    assert!(req.headers().contains_key("x-amz-security-token"));
    let (status, body) = send(req).await;
    assert_eq!((status, body), (StatusCode::OK, json!("pong")));
}

/// curl's own SigV4 (`--aws-sigv4`), as the README shows it.
#[tokio::test]
async fn curl_aws_sigv4_is_accepted_and_plain_curl_refused() {
    if !stack().is_local() {
        return; // needs the local key; against a stage, the tests above cover it.
    }
    let curl = |signed: bool| {
        let mut command = std::process::Command::new("curl");
        command.args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST"]);
        if signed {
            command.args([
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
                "--user",
                "local:local",
            ]);
        }
        command
            .args([
                "-H",
                "content-type: application/json",
                "-d",
                r#"{"operation":"ping"}"#,
            ])
            .arg(stack().url("/dynamodbmanager"));
        let output = command.output().expect("curl is installed");
        String::from_utf8(output.stdout).unwrap()
    };
    let signed = tokio::task::spawn_blocking(move || curl(true))
        .await
        .unwrap();
    assert!(signed.ends_with("\n200"), "{signed}");
    assert!(signed.starts_with("\"pong\""), "{signed}");
    let unsigned = tokio::task::spawn_blocking(move || curl(false))
        .await
        .unwrap();
    assert!(unsigned.ends_with("\n403"), "{unsigned}");
    assert!(
        unsigned.contains("missing_authentication_token"),
        "{unsigned}"
    );
}
