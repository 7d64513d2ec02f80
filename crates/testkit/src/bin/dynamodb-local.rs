//! `dynamodb-local`: starts and stops DynamoDB Local for the scripts
//! (`make dev`, newman, the local stacks), with the launcher the tests use.
//!
//!   dynamodb-local start (--port N | --free-port) (--in-memory | --db-path DIR)
//!                        --pid-file F [--log F]     prints the port on stdout
//!   dynamodb-local stop --pid-file F
//!   dynamodb-local status --pid-file F             exit 1 when not running
//!   dynamodb-local jar-dir

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand};
use testkit::ddb::{self, DynamoDbLocal, Launch, Storage};

#[derive(Parser)]
#[command(
    name = "dynamodb-local",
    about = "Start and stop DynamoDB Local (from node_modules)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start it in the background, write its pid, wait until it answers HTTP,
    /// and print its port.
    Start(StartArgs),
    /// Stop the instance in the pid file (TERM, then KILL) and remove the file.
    Stop(PidFile),
    /// Say whether the instance in the pid file runs (exit 1 if not).
    Status(PidFile),
    /// Print the folder holding DynamoDBLocal.jar.
    JarDir,
}

#[derive(Args)]
struct PidFile {
    #[arg(long)]
    pid_file: PathBuf,
}

#[derive(Args)]
#[command(group(ArgGroup::new("where").required(true).multiple(false)))]
struct StartArgs {
    /// Listen on 127.0.0.1:N.
    #[arg(long, group = "where")]
    port: Option<u16>,
    /// Listen on a free port (another one if it is taken before Java binds it).
    #[arg(long, group = "where")]
    free_port: bool,
    /// Keep the data in memory (the default).
    #[arg(long, conflicts_with = "db_path")]
    in_memory: bool,
    /// Keep the data in DIR (-sharedDb), created if missing.
    #[arg(long, value_name = "DIR")]
    db_path: Option<PathBuf>,
    #[arg(long)]
    pid_file: PathBuf,
    /// Java's output; default: the pid file with .log for .pid.
    #[arg(long)]
    log: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dynamodb-local: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cmd: Cmd) -> ddb::Result<ExitCode> {
    match cmd {
        Cmd::Start(args) => start(args),
        Cmd::Stop(PidFile { pid_file }) => {
            eprintln!("{}", ddb::stop(&pid_file)?);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Status(PidFile { pid_file }) => match ddb::status(&pid_file) {
            Some((pid, port)) => {
                let port = port
                    .map(|p| format!(" on http://127.0.0.1:{p}"))
                    .unwrap_or_default();
                println!("running (pid {pid}){port}");
                Ok(ExitCode::SUCCESS)
            }
            None => {
                println!("not running");
                Ok(ExitCode::FAILURE)
            }
        },
        Cmd::JarDir => {
            println!("{}", ddb::jar_dir()?.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn start(args: StartArgs) -> ddb::Result<ExitCode> {
    let storage = match args.db_path {
        Some(dir) => Storage::Dir(dir),
        None => Storage::InMemory,
    };
    if let Some((pid, port)) = ddb::status(&args.pid_file) {
        if port.is_some() && port == args.port {
            eprintln!(
                "DynamoDB Local is already running (pid {pid}) on http://127.0.0.1:{}",
                port.unwrap_or_default()
            );
            println!("{}", port.unwrap_or_default());
            return Ok(ExitCode::SUCCESS);
        }
        return Err(ddb::Error(format!(
            "pid file {} belongs to a running DynamoDB Local (pid {pid}, port {}); stop it first with: dynamodb-local stop --pid-file {}",
            args.pid_file.display(),
            port.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into()),
            args.pid_file.display()
        )));
    }
    let _ = std::fs::remove_file(&args.pid_file);
    if let Some(parent) = args.pid_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| ddb::Error(format!("cannot create {}: {e}", parent.display())))?;
    }
    let log = args
        .log
        .unwrap_or_else(|| args.pid_file.with_extension("log"));
    let mut launch = Launch::detached(storage.clone(), args.pid_file);
    launch.port = args.port;
    launch.log = Some(log.clone());
    let ddb = DynamoDbLocal::launch(launch)?;
    let place = match &storage {
        Storage::InMemory => "in memory".to_owned(),
        Storage::Dir(dir) => format!("data in {}", dir.display()),
    };
    eprintln!(
        "DynamoDB Local started (pid {}) on {} ({place}); log: {}",
        ddb.pid(),
        ddb.endpoint(),
        log.display()
    );
    println!("{}", ddb.port());
    ddb.leave_running();
    Ok(ExitCode::SUCCESS)
}
