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

use crate::util::{
    credentials, local_stack, sign, sign_at, stack, unique_id, unsigned_http, SigningKey,
};

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

    // Signed 20 minutes ago: outside the 5 minutes AWS allows.
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
async fn local_only_temporary_credentials_are_accepted_locally() {
    // AWS checks real session tokens; this is the local gate's rule.
    local_stack();
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

/// curl's own SigV4 (`--aws-sigv4`), as docs/security.md#access-control-sigv4-iam-only shows it.
#[tokio::test]
async fn local_only_curl_aws_sigv4_is_accepted_and_plain_curl_refused() {
    // needs the local key; against a stage, the tests above cover it.
    local_stack();
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

// ---------------------------------------------------------------------------
// The gate decides as API Gateway's AWS_IAM does (same skew, scope, hosts, presigned URLs), checked with
// signers that are not the gate's own: botocore, aws-sigv4's own API, curl.

/// Signs with botocore (`sigv4_botocore.py`, run by the `python3` on PATH:
/// `make` puts the project venv first). `mode` is "header" or "query".
fn botocore(spec: Value) -> (String, reqwest::header::HeaderMap) {
    let script = crate::util::workspace_root().join("tests/tests/it/sigv4_botocore.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is installed (make venv)");
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(spec.to_string().as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "botocore signer failed (is botocore installed? make venv): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let signed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in signed["headers"].as_object().unwrap() {
        headers.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.as_str().unwrap().parse().unwrap(),
        );
    }
    (signed["url"].as_str().unwrap().to_owned(), headers)
}

/// The botocore spec for `key`: sign `method url` with `body`.
fn botocore_spec(key: &SigningKey, method: &str, path: &str, body: &str) -> Value {
    let c = &key.credentials;
    json!({
        "method": method, "url": stack().url(path), "body": body,
        "headers": if body.is_empty() { json!({}) } else { json!({"content-type": "application/json"}) },
        "key": c.access_key_id(), "secret": c.secret_access_key(),
        "token": c.session_token(), "region": key.region, "mode": "header", "offset": 0,
    })
}

async fn send_botocore(spec: Value) -> (StatusCode, Value) {
    let body = spec["body"].as_str().unwrap_or_default().to_owned();
    let method: Method = spec["method"].as_str().unwrap().parse().unwrap();
    let (url, headers) = tokio::task::spawn_blocking(move || botocore(spec))
        .await
        .unwrap();
    let request = unsigned_http()
        .request(method, url)
        .headers(headers)
        .body(body)
        .build()
        .unwrap();
    send(request).await
}

const PING: &str = r#"{"operation":"ping"}"#;

#[tokio::test]
async fn botocore_signatures_are_accepted_and_checked() {
    let key = credentials().await;
    let ok = botocore_spec(&key, "POST", "/dynamodbmanager", PING);
    assert_eq!(send_botocore(ok).await, (StatusCode::OK, json!("pong")));
    // The body is covered: a body botocore did not sign is refused.
    let spec = botocore_spec(&key, "POST", "/dynamodbmanager", PING);
    let (url, headers) = tokio::task::spawn_blocking(move || botocore(spec))
        .await
        .unwrap();
    let changed = unsigned_http()
        .post(url)
        .headers(headers)
        .body(r#"{"operation":"list"}"#)
        .build()
        .unwrap();
    assert_refused(changed, "invalid_signature").await;
}

/// AWS allows five minutes of clock skew ("Signature expired: ... (... - 5
/// min.)"), either way.
#[tokio::test]
async fn a_signature_more_than_five_minutes_off_is_refused() {
    let key = credentials().await;
    for (offset, status) in [
        (-6 * 60_i64, StatusCode::FORBIDDEN),
        (6 * 60, StatusCode::FORBIDDEN),
        (-4 * 60, StatusCode::OK),
        (4 * 60, StatusCode::OK),
    ] {
        let mut spec = botocore_spec(&key, "POST", "/dynamodbmanager", PING);
        spec["offset"] = json!(offset);
        let (got, body) = send_botocore(spec).await;
        assert_eq!(got, status, "botocore, {offset} s: {body}");
        if status == StatusCode::FORBIDDEN {
            assert_eq!(body["error"], "invalid_signature", "{body}");
        }
        let mut req = request(
            Method::POST,
            "/dynamodbmanager",
            Some(&json!({"operation": "ping"})),
        );
        let skew = Duration::from_secs(offset.unsigned_abs());
        let at = if offset > 0 {
            SystemTime::now() + skew
        } else {
            SystemTime::now() - skew
        };
        sign_at(&mut req, &key, at);
        assert_eq!(send(req).await.0, status, "aws-sigv4, {offset} s");
    }
}

/// The credential scope's date is the date of `X-Amz-Date`, nothing else.
#[tokio::test]
async fn the_scope_date_must_be_the_date_of_x_amz_date() {
    let key = credentials().await;
    for other in ["", "2", "1999"] {
        // botocore's signature, its scope's date rewritten.
        let spec = botocore_spec(&key, "POST", "/dynamodbmanager", PING);
        let (url, mut headers) = tokio::task::spawn_blocking(move || botocore(spec))
            .await
            .unwrap();
        let date = headers["x-amz-date"].to_str().unwrap()[..8].to_owned();
        let auth = headers[header::AUTHORIZATION].to_str().unwrap();
        let moved = auth.replace(&format!("/{date}/"), &format!("/{other}/"));
        assert_ne!(moved, auth);
        headers.insert(header::AUTHORIZATION, moved.parse().unwrap());
        let req = unsigned_http().post(url).headers(headers).body(PING);
        assert_refused(req.build().unwrap(), "invalid_signature").await;
        // aws-sigv4's.
        let mut req = request(
            Method::POST,
            "/dynamodbmanager",
            Some(&json!({"operation": "ping"})),
        );
        sign(&mut req, &key);
        let date = req.headers()["x-amz-date"].to_str().unwrap()[..8].to_owned();
        let auth = req.headers()["authorization"]
            .to_str()
            .unwrap()
            .replace(&format!("/{date}/"), &format!("/{other}/"));
        req.headers_mut()
            .insert(header::AUTHORIZATION, auth.parse().unwrap());
        assert_refused(req, "invalid_signature").await;
    }
}

/// local-api serves h2c; over HTTP/2 the host is `:authority`.
#[tokio::test]
async fn local_only_curl_over_http2_is_accepted() {
    // a stage speaks TLS; this is the local server's transport.
    local_stack();
    let url = stack().url("/dynamodbmanager");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args([
                "-s",
                "--http2-prior-knowledge",
                "-o",
                "-",
                "-w",
                "\n%{http_version} %{http_code}",
            ])
            .args([
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
                "--user",
                "local:local",
            ])
            .args(["-H", "content-type: application/json", "-d", PING])
            .arg(url)
            .output()
            .expect("curl is installed")
    })
    .await
    .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text, "\"pong\"\n2 200", "{text}");
}

/// aws-sigv4's presigning: `GET url` signed in its query string at `time`.
fn presign(key: &SigningKey, path: &str, time: SystemTime, expires: Duration) -> String {
    use aws_sigv4::http_request::SigningSettings;
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation};
    use aws_sigv4::sign::v4::SigningParams;
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires);
    let identity = key.credentials.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&key.region)
        .name("execute-api")
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let url = stack().url(path);
    let signable =
        SignableRequest::new("GET", &url, std::iter::empty(), SignableBody::Bytes(b"")).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut url = reqwest::Url::parse(&url).unwrap();
    for (name, value) in instructions.params() {
        url.query_pairs_mut().append_pair(name, value);
    }
    url.to_string()
}

#[tokio::test]
async fn presigned_urls_work_until_they_expire() {
    let key = credentials().await;
    let id = unique_id("sigv4-presigned");
    let mut put = request(Method::PUT, &format!("/items/{id}"), Some(&json!({"n": 7})));
    sign(&mut put, &key);
    assert_eq!(send(put).await.0, StatusCode::CREATED);
    let path = format!("/items/{id}");
    let get = |url: String| unsigned_http().get(url).build().unwrap();

    // aws-sigv4: valid for a minute, now; and one that expired a minute ago.
    let fresh = presign(&key, &path, SystemTime::now(), Duration::from_secs(60));
    let (status, item) = send(get(fresh.clone())).await;
    assert_eq!((status, &item["n"]), (StatusCode::OK, &json!(7)), "{item}");
    let old = SystemTime::now() - Duration::from_secs(120);
    let expired = presign(&key, &path, old, Duration::from_secs(60));
    assert_refused(get(expired), "invalid_signature").await;
    // Signed for one item, sent for another.
    let moved = fresh.replace(&format!("/items/{id}"), "/items/other");
    assert_refused(get(moved), "invalid_signature").await;

    // botocore: valid for an hour; and one valid for a second, used after two.
    let mut spec = botocore_spec(&key, "GET", &path, "");
    spec["mode"] = json!("query");
    spec["expires"] = json!(3600);
    let (url, headers) = {
        let spec = spec.clone();
        tokio::task::spawn_blocking(move || botocore(spec))
            .await
            .unwrap()
    };
    assert!(headers.get(header::AUTHORIZATION).is_none());
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (status, item) = send(get(url)).await;
    assert_eq!((status, &item["n"]), (StatusCode::OK, &json!(7)), "{item}");
    spec["expires"] = json!(1);
    let (short, _) = tokio::task::spawn_blocking(move || botocore(spec))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_refused(get(short), "invalid_signature").await;

    let mut delete = request(Method::DELETE, &path, None);
    sign(&mut delete, &key);
    assert_eq!(send(delete).await.0, StatusCode::NO_CONTENT);
}

/// Sends `head` (and `body`, written while the answer is read) over a raw
/// TCP connection to the local server; returns what came back first and
/// everything read within `wait`.
pub(crate) fn raw_exchange(head: &str, body: &[u8], wait: Duration) -> String {
    use std::io::{Read as _, Write as _};
    let addr = stack().base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let body = body.to_vec();
    // The server may answer and close before the body is all sent.
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sender.join();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The head of a raw `POST /dynamodbmanager` with `extra` header lines.
fn raw_head(length: usize, extra: &str) -> String {
    let host = stack().base.trim_start_matches("http://").to_owned();
    format!(
        "POST /dynamodbmanager HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\n{extra}connection: close\r\n\r\n"
    )
}

/// The gate decides on the signature before it reads a byte of the body:
/// over 1 MiB unsigned is 403, not 413 (which would mean it was read).
#[tokio::test]
async fn local_only_an_unsigned_request_is_refused_before_its_body_is_read() {
    // raw TCP to the local server.
    local_stack();
    let big = vec![b' '; 2 * 1024 * 1024];
    let answer = tokio::task::spawn_blocking(move || {
        raw_exchange(&raw_head(big.len(), ""), &big, Duration::from_secs(10))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(answer.contains("missing_authentication_token"), "{answer}");
}

/// `Expect: 100-continue` unsigned: refused, never invited to send.
#[tokio::test]
async fn local_only_an_unsigned_expect_continue_is_refused_not_invited() {
    // raw TCP to the local server.
    local_stack();
    let answer = tokio::task::spawn_blocking(|| {
        let head = raw_head(PING.len(), "expect: 100-continue\r\n");
        raw_exchange(&head, b"", Duration::from_secs(3))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
}

/// A signed `Expect: 100-continue` is invited to send, and its body is then
/// checked against the signature.
#[tokio::test]
async fn local_only_a_signed_expect_continue_is_invited_and_its_body_checked() {
    // raw TCP to the local server.
    local_stack();
    let key = credentials().await;
    for (sent, status) in [(PING, "200"), (r#"{"operation":"list"}"#, "403")] {
        let mut req = request(Method::POST, "/dynamodbmanager", None);
        *req.body_mut() = Some(PING.into());
        req.headers_mut()
            .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        sign(&mut req, &key);
        let mut extra = "expect: 100-continue\r\n".to_owned();
        for name in ["authorization", "x-amz-date"] {
            let value = req.headers()[name].to_str().unwrap();
            extra.push_str(&format!("{name}: {value}\r\n"));
        }
        let head = raw_head(sent.len(), &extra);
        let answer = tokio::task::spawn_blocking(move || {
            raw_exchange(&head, sent.as_bytes(), Duration::from_secs(10))
        })
        .await
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1 100 Continue\r\n"), "{answer}");
        assert!(answer.contains(&format!("HTTP/1.1 {status} ")), "{answer}");
    }
}

/// curl with `Expect: 100-continue`: signed, it is invited and served;
/// unsigned, a 2 MiB upload is refused unread (403, not 413).
#[tokio::test]
async fn local_only_curl_uploads_are_decided_on_the_signature_first() {
    // needs the local key.
    local_stack();
    let curl = |signed: bool, body: String| {
        let url = stack().url("/dynamodbmanager");
        let mut command = std::process::Command::new("curl");
        command.args([
            "-s",
            "-v",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "--data-binary",
            "@-",
        ]);
        command.args([
            "-H",
            "content-type: application/json",
            "-H",
            "expect: 100-continue",
        ]);
        if signed {
            command.args([
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
                "--user",
                "local:local",
            ]);
        }
        let mut child = command
            .arg(url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("curl is installed");
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            use std::io::Write as _;
            let _ = stdin.write_all(body.as_bytes());
        });
        let output = child.wait_with_output().unwrap();
        let _ = writer.join();
        let out = String::from_utf8_lossy(&output.stdout).into_owned();
        (out, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let padded = format!("{PING}{}", " ".repeat(4096));
    let (out, trace) = tokio::task::spawn_blocking(move || curl(true, padded))
        .await
        .unwrap();
    assert!(trace.contains("HTTP/1.1 100 Continue"), "{trace}");
    assert_eq!(out, "\"pong\"\n200", "{trace}");
    let big = format!("{PING}{}", " ".repeat(2 * 1024 * 1024));
    let (out, trace) = tokio::task::spawn_blocking(move || curl(false, big))
        .await
        .unwrap();
    assert!(out.ends_with("\n403"), "{out}\n{trace}");
    assert!(out.contains("missing_authentication_token"), "{out}");
    assert!(!trace.contains("100 Continue"), "{trace}");
}
