//! The Java child process, and waiting until it is ready.
//!
//! Attached, Java runs under a small `sh` wrapper that kills it when our end
//! of the wrapper's stdin closes, so Java never outlives the test process,
//! even when that process dies without running destructors. Detached, Java
//! runs on in its own process group.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::error::{err, Error, Result};
use super::ports::{answers_http, pid_listens_on};
use super::process::{pid_alive, signal};
use super::storage::{open_log, read_log, tail, work_dir};

/// How long start-up may take before the launcher gives up on a port.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The `sh` wrapper of an attached Java: prints Java's pid, then kills Java
/// once its stdin closes.
const WRAPPER: &str = r#"log="$0"; java "$@" >>"$log" 2>&1 & pid=$!; echo "$pid"; read _ || true; kill "$pid" 2>/dev/null"#;

/// A started Java.
pub(crate) struct Java {
    pub(crate) pid: u32,
    pub(crate) log: PathBuf,
    /// Attached: the `sh` wrapper and our end of its stdin.
    wrapper: Option<Child>,
    stdin: Option<ChildStdin>,
    /// Detached: Java itself.
    java: Option<Child>,
}

/// How a start-up ended.
pub(crate) enum Readiness {
    Ready,
    /// Someone else took the port before Java bound it.
    PortTaken,
    /// Why it did not start, with the end of its log.
    Failed(String),
}

impl Java {
    /// Runs `java args`, its output appended to `log`.
    pub(crate) fn spawn(args: &[String], log: &Path, detached: bool) -> Result<Self> {
        if detached {
            Self::spawn_detached(args, log)
        } else {
            Self::spawn_attached(args, log)
        }
    }

    fn spawn_detached(args: &[String], log: &Path) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let java = Command::new("java")
            .args(args)
            .current_dir(work_dir(log))
            .stdin(Stdio::null())
            .stdout(open_log(log)?)
            .stderr(open_log(log)?)
            // Its own process group: Ctrl-C in the terminal that ran the
            // script does not reach it; the script's trap stops it.
            .process_group(0)
            .spawn()
            .map_err(|e| Error(format!("cannot run java: {e}")))?;
        Ok(Self {
            pid: java.id(),
            log: log.to_path_buf(),
            wrapper: None,
            stdin: None,
            java: Some(java),
        })
    }

    fn spawn_attached(args: &[String], log: &Path) -> Result<Self> {
        let mut wrapper = Command::new("sh")
            .arg("-c")
            .arg(WRAPPER)
            .arg(log)
            .args(args)
            .current_dir(work_dir(log))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| Error(format!("cannot run sh: {e}")))?;
        let mut pid_line = String::new();
        if let Some(out) = wrapper.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut pid_line);
        }
        let pid = pid_line
            .trim()
            .parse()
            .map_err(|_| Error(format!("the java wrapper printed no pid ({pid_line:?})")))?;
        Ok(Self {
            pid,
            log: log.to_path_buf(),
            stdin: wrapper.stdin.take(),
            wrapper: Some(wrapper),
            java: None,
        })
    }

    fn is_running(&mut self) -> bool {
        if let Some(java) = &mut self.java {
            return matches!(java.try_wait(), Ok(None));
        }
        pid_alive(self.pid)
    }

    /// Kills Java at once (SIGKILL), as a crash would, and reaps it.
    pub(crate) fn kill(&mut self) {
        signal("KILL", self.pid);
        self.stdin = None;
        if let Some(wrapper) = &mut self.wrapper {
            let _ = wrapper.wait();
        }
        if let Some(java) = &mut self.java {
            let _ = java.wait();
        }
    }

    /// Lets go of the child handles, leaving Java running.
    pub(crate) fn release(&mut self) {
        self.java = None;
        self.wrapper = None;
        self.stdin = None;
    }

    /// Waits until Java answers HTTP on `port` with a socket of its own
    /// (where `/proc` tells), exits, or [`READY_TIMEOUT`] passes.
    pub(crate) fn wait_ready(&mut self, port: u16) -> Readiness {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if !self.is_running() {
                return self.exited();
            }
            if answers_http(port) {
                return match pid_listens_on(self.pid, port) {
                    Some(false) => Readiness::PortTaken,
                    Some(true) | None => Readiness::Ready,
                };
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Readiness::Failed(format!(
            "DynamoDB Local did not answer on 127.0.0.1:{port} within {} s; last lines of {}:\n{}",
            READY_TIMEOUT.as_secs(),
            self.log.display(),
            tail(&read_log(&self.log), 30)
        ))
    }

    /// Why Java exited during start-up: the port was taken, or its log says.
    fn exited(&self) -> Readiness {
        let log = read_log(&self.log);
        if bind_failed(&log) {
            return Readiness::PortTaken;
        }
        Readiness::Failed(format!(
            "DynamoDB Local exited during start-up; last lines of {}:\n{}",
            self.log.display(),
            tail(&log, 30)
        ))
    }
}

fn bind_failed(log: &str) -> bool {
    ["Failed to bind", "Address already in use", "BindException"]
        .iter()
        .any(|m| log.contains(m))
}

/// Writes `pid` to `pid_file`.
pub(crate) fn write_pid(pid_file: &Path, pid: u32) -> Result<()> {
    match std::fs::write(pid_file, format!("{pid}\n")) {
        Ok(()) => Ok(()),
        Err(e) => err(format!("cannot write {}: {e}", pid_file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bind_failure_in_the_log_means_the_port_was_taken() {
        assert!(bind_failed(
            "java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:8000"
        ));
        assert!(!bind_failed(
            "Initializing DynamoDB Local with the following configuration"
        ));
    }
}
