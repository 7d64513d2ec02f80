#![allow(clippy::expect_used, clippy::panic)] // a test harness: failing loudly is its job
//! The integration-test harness. Tests speak HTTP to [`Stack::base`].
//!
//! - With `API_URL` set (a deployed stage), tests run against it. Tests that
//!   also read or write tables directly use the standard AWS credentials and
//!   the table names from the usual variables (`RESUME_TABLE`, ...).
//! - Without it, the harness starts the local stack itself, once per test
//!   binary: DynamoDB Local (`-inMemory`, free port) and the local API
//!   in-process (free port), seeded with `data/resume.json`.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::Client;

/// The resume id `data/resume.json` is seeded under.
pub const EXAMPLE_RESUME_ID: &str = "example";

pub struct Stack {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// `Some` when the harness started DynamoDB Local.
    local_endpoint: Option<String>,
    /// The table names this stack's functions use.
    pub tables: Tables,
}

#[derive(Clone, Debug)]
pub struct Tables {
    pub resume: String,
    /// The dynamodbmanager Lambda's table (`MANAGER_TABLE`).
    pub manager: String,
    /// The visitor counter's tables (`COUNTER_TABLE`, `VISITS_TABLE`).
    pub counter: String,
    pub visits: String,
}

/// Keeps the shared DynamoDB Local alive for the life of the test process.
static GUARD: Mutex<Option<DynamoDbLocal>> = Mutex::new(None);
static STACK: OnceLock<Stack> = OnceLock::new();

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The stack under test, started on first use.
pub fn stack() -> &'static Stack {
    STACK.get_or_init(|| match std::env::var("API_URL") {
        Ok(url) if !url.trim().is_empty() => Stack {
            base: url.trim().trim_end_matches('/').to_owned(),
            local_endpoint: None,
            tables: Tables {
                resume: std::env::var("RESUME_TABLE").unwrap_or_default(),
                manager: std::env::var("MANAGER_TABLE").unwrap_or_default(),
                counter: std::env::var("COUNTER_TABLE").unwrap_or_default(),
                visits: std::env::var("VISITS_TABLE").unwrap_or_default(),
            },
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

    /// A DynamoDB client for the stack's tables. A new one each call: an SDK
    /// client keeps connections on the runtime that made them, and each
    /// `#[tokio::test]` has its own runtime.
    pub async fn dynamo(&self) -> Client {
        match &self.local_endpoint {
            Some(endpoint) => local_client(endpoint),
            None => {
                assert!(
                    !self.tables.resume.is_empty(),
                    "API_URL is set: set RESUME_TABLE (and AWS credentials) for tests that seed data"
                );
                domain::dynamo::client().await
            }
        }
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// A unique id for data a test creates, so runs never collide on a shared stage.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A client for DynamoDB Local at `endpoint`.
pub fn local_client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .build();
    Client::from_conf(config)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A DynamoDB Local process from the npm package. The shell wrapper kills
/// Java when our end of its stdin closes, so it never outlives the test
/// process, even when the process exits without dropping it.
pub struct DynamoDbLocal {
    port: u16,
    /// `Some`: data kept in this folder (`-sharedDb -dbPath`), surviving a restart.
    db_dir: Option<PathBuf>,
    java_pid: u32,
    wrapper: Child,
    stdin: Option<ChildStdin>,
}

impl DynamoDbLocal {
    /// Starts one on a free port: in memory, or with its data in `db_dir`.
    pub fn start(db_dir: Option<&Path>) -> Self {
        // The free port can be taken by someone else before Java binds it (the
        // machine is busy with ephemeral ports): then try another one.
        for _attempt in 0..3 {
            if let Some(ddb) = Self::start_on(free_port(), db_dir.map(Path::to_path_buf)) {
                return ddb;
            }
        }
        panic!(
            "DynamoDB Local did not start in 3 attempts (see ddb-local-*/ddb.log in the temp dir)"
        );
    }

    fn start_on(port: u16, db_dir: Option<PathBuf>) -> Option<Self> {
        let work_dir = std::env::temp_dir().join(format!("ddb-local-{port}"));
        std::fs::create_dir_all(&work_dir).expect("temp dir");
        let storage = match &db_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).expect("db dir");
                format!("-sharedDb -dbPath '{}'", dir.display())
            }
            None => "-inMemory".to_owned(),
        };
        let mut wrapper = Command::new("sh")
            .arg("-c")
            .arg(format!(
                r#"java -Djava.library.path="$1/DynamoDBLocal_lib" -jar "$1/DynamoDBLocal.jar" {storage} -port "$2" >"$3/ddb.log" 2>&1 &
               pid=$!; echo "$pid"; read _ || true; kill "$pid" 2>/dev/null"#
            ))
            .arg("sh")
            .arg(jar_dir())
            .arg(port.to_string())
            .arg(&work_dir)
            .current_dir(&work_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start DynamoDB Local (needs Java 17+)");
        let mut pid_line = String::new();
        if let Some(out) = wrapper.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut pid_line);
        }
        let java_pid = pid_line.trim().parse().expect("java pid");
        let stdin = wrapper.stdin.take();
        let ddb = Self {
            port,
            db_dir,
            java_pid,
            wrapper,
            stdin,
        };
        wait_for_dynamodb_local(port, &work_dir.join("ddb.log")).then_some(ddb)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills Java at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.java_pid.to_string()])
            .status();
        self.stdin = None;
        let _ = self.wrapper.wait();
    }

    /// Starts it again on the same port, with the same data folder.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(next) = Self::start_on(self.port, self.db_dir.clone()) {
                let old = std::mem::replace(self, next);
                std::mem::forget(old); // already stopped
                return;
            }
            assert!(
                Instant::now() < deadline,
                "DynamoDB Local did not restart on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        self.kill();
    }
}

fn jar_dir() -> String {
    static DIR: OnceLock<String> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = workspace_root().join("scripts/dynamodb-local.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("jar-dir")
            .output()
            .expect("run scripts/dynamodb-local.sh");
        assert!(
            out.status.success(),
            "DynamoDB Local is not installed (run `npm ci`): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    })
    .clone()
}

/// True once DynamoDB Local listens on `port`; false if it failed to bind.
fn wait_for_dynamodb_local(port: u16, log: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let failed = std::fs::read_to_string(log)
            .is_ok_and(|l| l.contains("Failed to bind") || l.contains("Exception in thread"));
        if failed {
            return false;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("DynamoDB Local did not open port {port} within 60 s");
}

fn start_dynamodb_local() -> String {
    let ddb = DynamoDbLocal::start(None);
    let endpoint = ddb.endpoint();
    if let Ok(mut guard) = GUARD.lock() {
        *guard = Some(ddb);
    }
    endpoint
}

/// The endpoint of this test process's DynamoDB Local, started on first use
/// (also with `API_URL` set, for tests that build a router in-process).
pub fn dynamodb_local() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(start_dynamodb_local)
}

fn start_local() -> Stack {
    let endpoint = dynamodb_local().to_owned();
    let settings = local_api::Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        resume_table: "resume-test".into(),
        resume_id: EXAMPLE_RESUME_ID.into(),
        manager_table: "manager-test".into(),
        manager_allowed_tables: String::new(),
        counter_table: "visitor-counter-test".into(),
        visits_table: "visitor-visits-test".into(),
        visit_ttl_days: 90,
        visitor_salt: None,
        allowed_origins: "http://localhost:8080,http://127.0.0.1:8080".into(),
    };
    let configs = settings.configs().expect("local configs");
    let tables = Tables {
        resume: configs.resume.table.clone(),
        manager: configs.manager.table.clone(),
        counter: configs.counter.counter_table.clone(),
        visits: configs.counter.visits_table.clone(),
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
            let client = local_client(&server_endpoint);
            local_api::ensure_tables(&configs, &client)
                .await
                .expect("create tables");
            local_api::seed(
                client.clone(),
                &configs.resume.table,
                EXAMPLE_RESUME_ID,
                &example,
            )
            .await
            .expect("seed data/resume.json");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            let app = local_api::app(&configs, client);
            let _ = tx.send(addr);
            let _ = local_api::serve(listener, app, std::future::pending()).await;
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("local API started");
    let _ = std::io::stderr().flush();
    Stack {
        base: format!("http://{addr}"),
        local_endpoint: Some(endpoint),
        tables,
    }
}
