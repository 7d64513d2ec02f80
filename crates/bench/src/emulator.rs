//! A Lambda Runtime API emulator: the HTTP interface a bootstrap (or
//! `awslambdaric`) polls for events and posts results to.
//!
//! - `GET  /2018-06-01/runtime/invocation/next` blocks until the driver
//!   queues an event, then hands it over with the `Lambda-Runtime-*` headers.
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `.../error`
//!   complete that invocation.
//! - `POST /2018-06-01/runtime/init/error` reports a failed start.
//!
//! Timestamps are taken inside the handlers: the first `/next` poll ends the
//! init phase; an invocation lasts from the moment `/next` hands the event
//! over to the moment its result has arrived in full (what Lambda reports as
//! `Duration`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{mpsc, oneshot, watch};

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:bench";

/// How an invocation ended, as the runtime reported it.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

/// A finished invocation.
#[derive(Debug)]
pub struct Completed {
    pub outcome: Outcome,
    /// From the event leaving `/next` to the result arriving.
    pub latency: Duration,
}

struct Queued {
    id: String,
    event: Bytes,
    done: oneshot::Sender<Completed>,
}

struct InFlight {
    delivered: Instant,
    done: oneshot::Sender<Completed>,
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<Queued>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
    /// Set once, at the first `/next` poll.
    first_poll: watch::Sender<Option<Instant>>,
    init_error: watch::Sender<Option<String>>,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    queue: mpsc::Sender<Queued>,
    next_id: u64,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Emulator {
    pub async fn start() -> anyhow::Result<Self> {
        let (queue, rx) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(rx),
            in_flight: Mutex::new(HashMap::new()),
            first_poll: watch::channel(None).0,
            init_error: watch::channel(None).0,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            shared,
            queue,
            next_id: 0,
            server,
        })
    }

    /// Waits for the first `/next` poll and returns when it came. Fails if
    /// the runtime reports an init error or `gave_up` resolves first.
    pub async fn wait_for_first_poll(
        &self,
        gave_up: impl std::future::Future<Output = String>,
    ) -> anyhow::Result<Instant> {
        let mut polled = self.shared.first_poll.subscribe();
        let mut failed = self.shared.init_error.subscribe();
        tokio::select! {
            r = polled.wait_for(Option::is_some) => {
                let at = (*r?).ok_or_else(|| anyhow::anyhow!("no poll time"))?;
                Ok(at)
            }
            r = failed.wait_for(Option::is_some) => {
                let e = r?.clone().unwrap_or_default();
                anyhow::bail!("the runtime reported an init error: {e}")
            }
            why = gave_up => anyhow::bail!("the runtime did not poll for an event: {why}"),
        }
    }

    /// Hands `event` to the runtime and waits for its result.
    pub async fn invoke(&mut self, event: Bytes, timeout: Duration) -> anyhow::Result<Completed> {
        self.next_id += 1;
        let id = format!("bench-{:08}-0000-4000-8000-000000000000", self.next_id);
        let (done, result) = oneshot::channel();
        self.queue
            .send(Queued {
                id: id.clone(),
                event,
                done,
            })
            .await
            .map_err(|_| anyhow::anyhow!("the emulator stopped"))?;
        match tokio::time::timeout(timeout, result).await {
            Ok(Ok(completed)) => Ok(completed),
            Ok(Err(_)) => anyhow::bail!("invocation {id} was dropped"),
            Err(_) => anyhow::bail!("invocation {id} got no result within {timeout:?}"),
        }
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let now = Instant::now();
    shared.first_poll.send_if_modified(|first| {
        if first.is_none() {
            *first = Some(now);
            true
        } else {
            false
        }
    });
    let queued = shared.queue.lock().await.recv().await;
    let Some(queued) = queued else {
        return StatusCode::GONE.into_response();
    };
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("lambda-runtime-aws-request-id", queued.id.clone());
    put("lambda-runtime-deadline-ms", deadline.to_string());
    put("lambda-runtime-invoked-function-arn", FUNCTION_ARN.into());
    put(
        "lambda-runtime-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0".into(),
    );
    put("content-type", "application/json".into());
    if let Ok(mut map) = shared.in_flight.lock() {
        map.insert(
            queued.id,
            InFlight {
                delivered: Instant::now(),
                done: queued.done,
            },
        );
    }
    (headers, queued.event).into_response()
}

fn complete(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    let arrived = Instant::now();
    let entry = shared.in_flight.lock().ok().and_then(|mut m| m.remove(id));
    match entry {
        Some(f) => {
            let _ = f.done.send(Completed {
                outcome,
                latency: arrived.saturating_duration_since(f.delivered),
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let status = complete(&shared, &id, Outcome::Response(body));
    (status, r#"{"status":"OK"}"#).into_response()
}

async fn error(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let status = complete(&shared, &id, Outcome::Error(body));
    (status, r#"{"status":"OK"}"#).into_response()
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    shared.init_error.send_replace(Some(text));
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}
