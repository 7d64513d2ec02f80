#![allow(clippy::expect_used, clippy::panic)] // a test harness: failing loudly is its job
//! The stack the tests speak HTTP to ([`Stack::base`]).
//!
//! - With `API_URL` set (a deployed stage), tests run against it. Tests that
//!   also read or write tables directly use the standard AWS credentials and
//!   the table names from the usual variables (`RESUME_TABLE`, ...).
//! - Without it, the stack is started once for the whole binary: the shared
//!   DynamoDB Local of `testkit` and the local API in-process (free port),
//!   seeded with `data/resume.json`.

use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use platform::config::from_pairs;

pub use testkit::{dynamodb_local, unique_id, workspace_root};

/// The resume id `data/resume.json` is seeded under.
pub const EXAMPLE_RESUME_ID: &str = "example";

pub struct Stack {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// `Some` when the tests started DynamoDB Local.
    local_endpoint: Option<String>,
    /// The table names this stack's functions use.
    pub tables: Tables,
    /// The id `GET /resume` serves: `example` locally, else `RESUME_ID`
    /// (the stack's `ResumeId` output, as scripts/stack-outputs.sh names it).
    resume_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Tables {
    pub resume: String,
    /// The dynamodbmanager Lambda's table (`MANAGER_TABLE`).
    pub manager: String,
}

static STACK: OnceLock<Stack> = OnceLock::new();

/// Held by the tests that load the machine on purpose (a thousand concurrent
/// requests, killing and restarting a DynamoDB Local), so that they never run
/// at the same time as each other: in one test binary they would otherwise
/// starve each other on a small machine, as they never did in binaries of
/// their own.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

/// The stack under test, started on first use.
/// The stack, for a test of the local server itself (raw TCP, HTTP/2, the
/// local key): such tests are named `local_only_*`, and a run against
/// `API_URL` skips them by name (`make integration` does), so that none
/// passes without checking. Run against a stage anyway, it fails.
pub fn local_stack() -> &'static Stack {
    let stack = stack();
    assert!(
        stack.is_local(),
        "a local_only_ test ran against API_URL: skip them with `-- --skip local_only_`"
    );
    stack
}

pub fn stack() -> &'static Stack {
    STACK.get_or_init(|| match std::env::var("API_URL") {
        Ok(url) if !url.trim().is_empty() => Stack {
            base: url.trim().trim_end_matches('/').to_owned(),
            local_endpoint: None,
            tables: Tables {
                resume: std::env::var("RESUME_TABLE").unwrap_or_default(),
                manager: std::env::var("MANAGER_TABLE").unwrap_or_default(),
            },
            resume_id: std::env::var("RESUME_ID").ok(),
        },
        _ => start_local(),
    })
}

impl Stack {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn is_local(&self) -> bool {
        self.local_endpoint.is_some()
    }

    /// The id `GET /resume` serves.
    pub fn resume_id(&self) -> &str {
        self.resume_id.as_deref().expect(
            "API_URL is set: set RESUME_ID, the stack's ResumeId output (scripts/stack-outputs.sh)",
        )
    }

    /// A DynamoDB client for the stack's tables. A new one each call: an SDK
    /// client keeps connections on the runtime that made them, and each
    /// `#[tokio::test]` has its own runtime.
    pub async fn dynamo(&self) -> Client {
        match &self.local_endpoint {
            Some(endpoint) => testkit::client(endpoint),
            None => {
                assert!(
                    !self.tables.resume.is_empty(),
                    "API_URL is set: set RESUME_TABLE (and AWS credentials) for tests that seed data"
                );
                platform::dynamo::client().await
            }
        }
    }
}

/// The tests' HTTP client: reqwest, except that requests to the manager's
/// routes are signed with AWS Signature Version 4, as their real callers
/// must sign them (IAM authorization): with the local key when the stack is
/// local, else with the SDK's default credential chain (the staging deploy
/// role in the pipeline). [`unsigned_http`] signs nothing.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
}

/// Checks a JSON error answer (docs/dynamodbmanager.md#errors) and returns its body:
/// `status`, `Content-Type: application/json`, and exactly `error` (= `code`),
/// `message` and `requestId`, both non-empty; plus `violations` for
/// `invalid_resume`, the one error that lists them.
pub async fn json_error(
    response: reqwest::Response,
    status: reqwest::StatusCode,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "application/json"
    );
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["error"], code, "{body}");
    for key in ["message", "requestId"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} missing in {body}"
        );
    }
    let members = if code == "invalid_resume" { 4 } else { 3 };
    let object = body.as_object().expect("a JSON object");
    assert_eq!(object.len(), members, "{body}");
    body
}

/// A client for the binary's DynamoDB Local that waits for it however busy
/// it is (a thousand concurrent requests make the emulator answer in
/// seconds on a small machine).
pub fn patient_client() -> Client {
    let config = testkit::client(dynamodb_local())
        .config()
        .to_builder()
        .stalled_stream_protection(
            aws_sdk_dynamodb::config::StalledStreamProtectionConfig::disabled(),
        )
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

pub fn http() -> Http {
    Http {
        client: unsigned_http(),
    }
}

/// A plain reqwest client: nothing is signed.
pub fn unsigned_http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

impl Http {
    pub fn get(&self, url: impl reqwest::IntoUrl) -> Req {
        self.request(reqwest::Method::GET, url)
    }

    pub fn post(&self, url: impl reqwest::IntoUrl) -> Req {
        self.request(reqwest::Method::POST, url)
    }

    pub fn put(&self, url: impl reqwest::IntoUrl) -> Req {
        self.request(reqwest::Method::PUT, url)
    }

    pub fn delete(&self, url: impl reqwest::IntoUrl) -> Req {
        self.request(reqwest::Method::DELETE, url)
    }

    pub fn request(&self, method: reqwest::Method, url: impl reqwest::IntoUrl) -> Req {
        Req {
            builder: self.client.request(method, url),
            client: self.client.clone(),
        }
    }
}

/// A request being built; [`Req::send`] signs it when it goes to a manager
/// route.
pub struct Req {
    builder: reqwest::RequestBuilder,
    client: reqwest::Client,
}

impl Req {
    pub fn header<K, V>(mut self, key: K, value: V) -> Self
    where
        reqwest::header::HeaderName: TryFrom<K>,
        <reqwest::header::HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        reqwest::header::HeaderValue: TryFrom<V>,
        <reqwest::header::HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.builder = self.builder.header(key, value);
        self
    }

    pub fn body(mut self, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.body(body);
        self
    }

    pub fn json<T: serde::Serialize + ?Sized>(mut self, json: &T) -> Self {
        self.builder = self.builder.json(json);
        self
    }

    pub async fn send(self) -> reqwest::Result<reqwest::Response> {
        let mut request = self.builder.build()?;
        if is_signed_route(request.method(), request.url().path()) {
            // The stack under test: its callers' credentials. A server a
            // test started itself (faults): the local key its gate expects.
            let key = if request.url().as_str().starts_with(&stack().base) {
                credentials().await
            } else {
                local_key()
            };
            sign(&mut request, &key);
        }
        self.client.execute(request).await
    }
}

/// Whether `method` on `path` (with the stack's base path, e.g.
/// `/staging`) needs a signature: the manager's routes and the resume writes.
fn is_signed_route(method: &reqwest::Method, path: &str) -> bool {
    let base = reqwest::Url::parse(&stack().base)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let route = path.strip_prefix(base.as_str()).unwrap_or(path);
    let resume_write = matches!(*method, reqwest::Method::PUT | reqwest::Method::DELETE)
        && route.starts_with("/resume/");
    resume_write || is_manager_route(path)
}

/// Whether `path` (with the stack's base path, e.g. `/staging`) is one of
/// the manager's routes, which need a signature.
fn is_manager_route(path: &str) -> bool {
    let base = reqwest::Url::parse(&stack().base)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let route = path.strip_prefix(base.as_str()).unwrap_or(path);
    route == "/dynamodbmanager" || route == "/items" || route.starts_with("/items/")
}

/// Who signs: the local key, or the SDK's default chain against `API_URL`.
pub struct SigningKey {
    pub credentials: aws_credential_types::Credentials,
    pub region: String,
}

/// The local SigV4 gate's key (`local-api`'s defaults).
pub fn local_key() -> SigningKey {
    SigningKey {
        credentials: aws_credential_types::Credentials::new("local", "local", None, None, "tests"),
        region: "us-east-1".into(),
    }
}

pub async fn credentials() -> SigningKey {
    if stack().is_local() {
        return local_key();
    }
    use aws_credential_types::provider::ProvideCredentials;
    let config = platform::dynamo::sdk_config().await;
    let provider = config
        .credentials_provider()
        .expect("API_URL is set: AWS credentials are needed to sign the manager's routes");
    SigningKey {
        credentials: provider
            .provide_credentials()
            .await
            .expect("AWS credentials"),
        region: config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into()),
    }
}

/// Signs `request` in place (headers `authorization`, `x-amz-date`, and
/// `x-amz-security-token` for temporary credentials) over its method, URL,
/// `content-type`, host and body, with aws-sigv4.
pub fn sign(request: &mut reqwest::Request, key: &SigningKey) {
    sign_at(request, key, std::time::SystemTime::now());
}

/// [`sign`] as of `time` (a stale signature for the refusal tests).
pub fn sign_at(request: &mut reqwest::Request, key: &SigningKey, time: std::time::SystemTime) {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4::SigningParams;

    let identity = key.credentials.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&key.region)
        .name("execute-api")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .unwrap_or_default()
        .to_vec();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter(|(name, _)| *name == reqwest::header::CONTENT_TYPE)
        .map(|(n, v)| (n.to_string(), v.to_str().expect("header").to_owned()))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.url().as_str(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    for (name, value) in instructions.headers() {
        request.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            reqwest::header::HeaderValue::from_str(value).expect("value"),
        );
    }
}

/// Local settings for a stack whose tables are named `<prefix>-resume`, ...
/// and whose allowed origins are `origins`.
pub fn local_settings(prefix: &str, origins: &str) -> local_api::Settings {
    let mut settings = local_api::Settings::from_args([
        "local-api".to_owned(),
        "--addr=127.0.0.1:0".to_owned(),
        format!("--resume-table={prefix}-resume"),
        format!("--resume-id={EXAMPLE_RESUME_ID}"),
        format!("--manager-table={prefix}-manager"),
        "--manager-allowed-tables=".to_owned(),
        format!("--counter-table={prefix}-counter"),
        format!("--visits-table={prefix}-visits"),
        "--visit-ttl-days=90".to_owned(),
    ])
    .expect("local settings");
    // ALLOWED_ORIGINS as the Lambdas read it (not a flag: its flag is
    // spelled `--allowed_origins` today).
    settings.http = from_pairs(&[("ALLOWED_ORIGINS", origins)]).expect("ALLOWED_ORIGINS");
    settings
}

fn start_local() -> Stack {
    let endpoint = dynamodb_local().to_owned();
    let settings = local_settings("test", "http://localhost:8080,http://127.0.0.1:8080");
    let tables = Tables {
        resume: settings.resume.table.to_string(),
        manager: settings.manager.table.to_string(),
    };
    let example = std::fs::read_to_string(workspace_root().join("data/resume.json"))
        .expect("data/resume.json");

    let (tx, rx) = std::sync::mpsc::channel();
    let server_endpoint = endpoint.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let client = testkit::client(&server_endpoint);
            local_api::ensure_tables(&settings, &client)
                .await
                .expect("create tables");
            local_api::publish(
                client.clone(),
                settings.resume.table.as_str(),
                EXAMPLE_RESUME_ID,
                &example,
            )
            .await
            .expect("publish data/resume.json");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let app = local_api::app(&settings, client);
            let _ = tx.send(addr);
            let _ = local_api::serve(listener, app, std::future::pending()).await;
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("local API started");
    Stack {
        base: format!("http://{addr}"),
        local_endpoint: Some(endpoint),
        tables,
        resume_id: Some(EXAMPLE_RESUME_ID.to_owned()),
    }
}
