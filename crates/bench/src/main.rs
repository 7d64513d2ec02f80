//! `lambda-bench`: the measuring half of `make bench` (bench/bench.py drives
//! it and writes the report).
//!
//! - `invoke`: starts a Lambda bootstrap (or `python -m awslambdaric ...`)
//!   under the Runtime API emulator and prints, as JSON, its init duration
//!   (spawn to first `/next` poll), first-invoke latency, warm latencies,
//!   and peak RSS (`VmHWM`).
//! - `raw`: the same DynamoDB operations a handler performs, straight through
//!   the SDK with the Lambdas' client configuration, timed the same way.
//! - `delay-proxy`: a TCP relay that adds a region's latency to every
//!   DynamoDB call (`make bench`'s region mode).

mod delay;
mod emulator;
mod raw;
mod stats;

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use clap::{Parser, Subcommand};
use serde::Serialize;
use serde_json::Value;

use crate::emulator::{Emulator, Outcome};
use crate::stats::{ms, summarize, Summary};

#[derive(Parser)]
#[command(about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one cold start plus warm invokes of a runtime under the emulator.
    Invoke(InvokeArgs),
    /// Time raw SDK calls of the operation a handler performs.
    Raw(raw::RawArgs),
    /// Relay TCP with a fixed delay each way (a region's latency).
    DelayProxy(delay::DelayArgs),
    /// A Lambda function that answers every event with a fixed 200, on the
    /// same runtime stack as the real ones (tokio, lambda_http): run under
    /// `invoke`, it shows what the Runtime API round trip alone costs.
    FloorFunction {
        /// Run on tokio's current-thread runtime instead of the
        /// multi-threaded one the functions' `#[tokio::main]` starts.
        #[arg(long)]
        current_thread: bool,
    },
}

#[derive(clap::Args)]
struct InvokeArgs {
    /// API Gateway event files, used in turn (the first one is the cold invoke).
    #[arg(long = "event", required = true)]
    events: Vec<PathBuf>,
    /// Warm invokes after the first one.
    #[arg(long, default_value_t = 500)]
    invokes: usize,
    /// Cold starts (each a new process serving one event); init and first
    /// invoke are their medians, and the last one serves the warm invokes.
    #[arg(long, default_value_t = 1)]
    cold_starts: usize,
    /// Give every invoke's event (cold ones included) its own
    /// `requestContext.identity.sourceIp`, so the visitor counter sees a new
    /// visitor each time.
    #[arg(long)]
    vary_source_ip: bool,
    /// Acceptable `statusCode`s of the function's answers.
    #[arg(long = "expect-status", default_values_t = [200])]
    expect_status: Vec<u16>,
    /// Environment of the function (`NAME=value`); nothing else is inherited
    /// but PATH.
    #[arg(long = "env")]
    env: Vec<String>,
    /// Where the function's stdout and stderr go.
    #[arg(long)]
    log: PathBuf,
    /// Working directory of the function.
    #[arg(long)]
    cwd: Option<PathBuf>,
    /// A cgroup v1 `cpu` directory (e.g. with a `cpu.cfs_quota_us` share)
    /// the function's process runs in, from spawn unless `--init-cgroup`.
    #[arg(long)]
    cgroup: Option<PathBuf>,
    /// A cgroup the process runs in until its first `/next` poll (the init
    /// phase), before it moves into `--cgroup`.
    #[arg(long, requires = "cgroup")]
    init_cgroup: Option<PathBuf>,
    /// The runtime command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(Serialize)]
struct InvokeReport {
    /// Median over the cold starts.
    init_ms: f64,
    first_ms: f64,
    init_all_ms: Vec<f64>,
    first_all_ms: Vec<f64>,
    /// CPU time (its live threads, user + system) the process spent in
    /// init, and in its first invoke; medians over the cold starts. `None`
    /// where `/proc` does not say.
    init_cpu_ms: Option<f64>,
    first_cpu_ms: Option<f64>,
    warm: Summary,
    /// `VmRSS` right after init, kB.
    rss_after_init_kb: Option<u64>,
    /// `VmHWM` after the last invoke, kB.
    peak_rss_kb: Option<u64>,
    statuses: Vec<(u16, usize)>,
    /// The first answer's body, for eyeballing.
    first_body_prefix: String,
    loadavg_before: String,
    loadavg_after: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The emulator needs little; the raw loop runs on the runtime the
    // Lambdas use (`#[tokio::main]`: multi-threaded).
    let result = match cli.command {
        Command::Invoke(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(invoke(args)))
            .and_then(print_json),
        Command::Raw(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(raw::run(args)))
            .and_then(print_json),
        Command::DelayProxy(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(delay::run(args))),
        Command::FloorFunction { current_thread } => if current_thread {
            tokio::runtime::Builder::new_current_thread()
        } else {
            tokio::runtime::Builder::new_multi_thread()
        }
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(floor_function())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambda-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_json(value: impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(&value)?);
    Ok(())
}

async fn floor_function() -> anyhow::Result<()> {
    let service = lambda_http::service_fn(|_req: lambda_http::Request| async {
        let mut response = lambda_http::Response::new(lambda_http::Body::from(r#"{"ok":true}"#));
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        Ok::<_, lambda_http::Error>(response)
    });
    lambda_http::run(service)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A `kB` field of `/proc/PID/status`.
fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The CPU time process `pid` has run: the sum of its live threads'
/// `/proc/PID/task/TID/schedstat` (ns on the CPU); threads that have
/// exited are not counted (the Rust functions run on one).
fn cpu_time(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let ns: u64 = tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Some(Duration::from_nanos(ns))
}

/// `event` with `requestContext.identity.sourceIp` set to a 10.0.0.0/8
/// address of its own for each `n`, offset by this process's start (in
/// µs, modulo 2^24): another run meets the same addresses only if its
/// offset lands within a few hundred of this one's.
fn with_source_ip(event: &Bytes, n: u64) -> anyhow::Result<Bytes> {
    static BASE: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.map(|d| d.as_nanos() as u64 / 1_000).unwrap_or_default()
    });
    let mut v: Value = serde_json::from_slice(event).context("the event is not JSON")?;
    let x = (*BASE).wrapping_add(n) & 0x00ff_ffff;
    let ip = format!("10.{}.{}.{}", x >> 16, (x >> 8) & 255, x & 255);
    let identity = v
        .pointer_mut("/requestContext/identity")
        .and_then(Value::as_object_mut)
        .context("the event has no requestContext.identity")?;
    identity.insert("sourceIp".into(), Value::String(ip));
    Ok(Bytes::from(serde_json::to_vec(&v)?))
}

/// Moves process `pid`, all its threads, into the cgroup v1 directory `dir`.
fn join_cgroup(dir: &std::path::Path, pid: u32) -> anyhow::Result<()> {
    std::fs::write(dir.join("cgroup.procs"), pid.to_string())
        .with_context(|| format!("cannot move process {pid} into {}", dir.display()))
}

/// The `statusCode` of an API Gateway proxy response.
fn status_of(outcome: &Outcome) -> anyhow::Result<(u16, &Bytes)> {
    match outcome {
        Outcome::Response(body) => {
            let v: Value = serde_json::from_slice(body).with_context(|| {
                format!(
                    "the answer is not JSON: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                )
            })?;
            let code = v["statusCode"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .context("the answer has no statusCode")?;
            Ok((code, body))
        }
        Outcome::Error(body) => anyhow::bail!(
            "the function reported an error: {}",
            String::from_utf8_lossy(body)
        ),
    }
}

/// A started function: its emulator, process, and cold-start figures.
struct Started {
    emulator: Emulator,
    child: tokio::process::Child,
    pid: u32,
    init: Duration,
}

/// The runtime's command: only PATH inherited, the emulator's address, the
/// function's environment, output appended to the log.
fn runtime_command(
    args: &InvokeArgs,
    emulator: &Emulator,
) -> anyhow::Result<tokio::process::Command> {
    let (program, program_args) = args
        .command
        .split_first()
        .context("no runtime command given")?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.log)
        .with_context(|| format!("cannot open {}", args.log.display()))?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(program_args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    for pair in &args.env {
        let (k, v) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair}: want NAME=value"))?;
        command.env(k, v);
    }
    if let Some(dir) = &args.cwd {
        command.current_dir(dir);
    }
    Ok(command)
}

async fn start(args: &InvokeArgs) -> anyhow::Result<Started> {
    let emulator = Emulator::start().await?;
    let mut command = runtime_command(args, &emulator)?;
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {:?}", args.command.first()))?;
    let pid = child.id().context("the runtime exited at once")?;
    // Right after exec: the process has run for microseconds outside its
    // cgroup at most (a pre-exec hook would need `unsafe`).
    if let Some(dir) = args.init_cgroup.as_ref().or(args.cgroup.as_ref()) {
        join_cgroup(dir, pid)?;
    }
    let first_poll = {
        let exited = async {
            tokio::select! {
                status = child.wait() => format!("it exited ({status:?})"),
                () = tokio::time::sleep(Duration::from_secs(60)) => "timed out after 60 s".into(),
            }
        };
        emulator
            .wait_for_first_poll(exited)
            .await
            .with_context(|| format!("see {}", args.log.display()))?
    };
    // Init is over (the runtime now waits in `/next`): its share from here on.
    if let (Some(_), Some(dir)) = (&args.init_cgroup, &args.cgroup) {
        join_cgroup(dir, pid)?;
    }
    Ok(Started {
        emulator,
        child,
        pid,
        init: first_poll.saturating_duration_since(spawned),
    })
}

fn median_ms(v: &[Duration]) -> f64 {
    summarize(v).p50
}

/// The statuses the invokes answered, each checked against the expected ones.
struct Tally<'a> {
    expect: &'a [u16],
    statuses: Vec<(u16, usize)>,
}

impl Tally<'_> {
    fn record(&mut self, i: usize, outcome: &Outcome) -> anyhow::Result<()> {
        let (code, body) = status_of(outcome).with_context(|| format!("invoke {i}"))?;
        if !self.expect.contains(&code) {
            anyhow::bail!(
                "invoke {i}: statusCode {code}, expected one of {:?}: {}",
                self.expect,
                String::from_utf8_lossy(&body[..body.len().min(500)])
            );
        }
        match self.statuses.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => self.statuses.push((code, 1)),
        }
        Ok(())
    }
}

/// What the cold starts measured, and the last process, still running.
struct ColdStarts {
    inits: Vec<Duration>,
    firsts: Vec<Duration>,
    init_cpus: Vec<Duration>,
    first_cpus: Vec<Duration>,
    first_body_prefix: String,
    rss_after_init_kb: Option<u64>,
    last: Started,
}

/// Each cold start a fresh process that starts and serves `event`; the last
/// one stays for the warm invokes.
async fn cold_starts(
    args: &InvokeArgs,
    event: &Bytes,
    tally: &mut Tally<'_>,
) -> anyhow::Result<ColdStarts> {
    let (mut inits, mut firsts) = (Vec::new(), Vec::new());
    let (mut init_cpus, mut first_cpus) = (Vec::new(), Vec::new());
    for n in 1..=args.cold_starts.max(1) {
        let mut s = start(args).await?;
        let rss_after_init_kb = proc_status_kb(s.pid, "VmRSS");
        let init_cpu = cpu_time(s.pid);
        let event = if args.vary_source_ip {
            with_source_ip(event, n as u64)?
        } else {
            event.clone()
        };
        let first = s.emulator.invoke(event, INVOKE_TIMEOUT).await?;
        tally.record(0, &first.outcome)?;
        inits.push(s.init);
        firsts.push(first.latency);
        if let (Some(before), Some(after)) = (init_cpu, cpu_time(s.pid)) {
            init_cpus.push(before);
            first_cpus.push(after.saturating_sub(before));
        }
        if n == args.cold_starts.max(1) {
            let (Outcome::Response(b) | Outcome::Error(b)) = &first.outcome;
            let first_body_prefix = String::from_utf8_lossy(&b[..b.len().min(240)]).into_owned();
            return Ok(ColdStarts {
                inits,
                firsts,
                init_cpus,
                first_cpus,
                first_body_prefix,
                rss_after_init_kb,
                last: s,
            });
        }
        let _ = s.child.start_kill();
        let _ = s.child.wait().await;
    }
    anyhow::bail!("no cold start")
}

const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

async fn invoke(args: InvokeArgs) -> anyhow::Result<InvokeReport> {
    let events: Vec<Bytes> = args
        .events
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(Bytes::from)
                .with_context(|| format!("cannot read {}", p.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    std::fs::File::create(&args.log)
        .with_context(|| format!("cannot create {}", args.log.display()))?;
    let first_event = events.first().context("no event given")?;
    let mut tally = Tally {
        expect: &args.expect_status,
        statuses: Vec::new(),
    };
    let loadavg_before = loadavg();
    let cold = cold_starts(&args, first_event, &mut tally).await?;
    let mut s = cold.last;
    let mut warm = Vec::with_capacity(args.invokes);
    for i in 1..=args.invokes {
        let event = &events[i % events.len()];
        let event = if args.vary_source_ip {
            with_source_ip(event, (args.cold_starts.max(1) + i) as u64)?
        } else {
            event.clone()
        };
        let done = s.emulator.invoke(event, INVOKE_TIMEOUT).await?;
        tally.record(i, &done.outcome)?;
        warm.push(done.latency);
    }
    let peak_rss_kb = proc_status_kb(s.pid, "VmHWM");
    let loadavg_after = loadavg();
    let _ = s.child.start_kill();
    let _ = s.child.wait().await;
    Ok(InvokeReport {
        init_ms: median_ms(&cold.inits),
        first_ms: median_ms(&cold.firsts),
        init_all_ms: cold.inits.iter().copied().map(ms).collect(),
        first_all_ms: cold.firsts.iter().copied().map(ms).collect(),
        init_cpu_ms: (!cold.init_cpus.is_empty()).then(|| median_ms(&cold.init_cpus)),
        first_cpu_ms: (!cold.first_cpus.is_empty()).then(|| median_ms(&cold.first_cpus)),
        warm: summarize(&warm),
        rss_after_init_kb: cold.rss_after_init_kb,
        peak_rss_kb,
        statuses: tally.statuses,
        first_body_prefix: cold.first_body_prefix,
        loadavg_before,
        loadavg_after,
    })
}
