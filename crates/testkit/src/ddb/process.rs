//! A DynamoDB Local known by its pid (in a pid file): whether it runs, on
//! which port, and stopping it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::{err, Result};

/// How long [`stop`] waits after SIGTERM before SIGKILL.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Stops the instance whose pid is in `pid_file` (SIGTERM, then SIGKILL after
/// [`STOP_TIMEOUT`]) and removes the file. Returns what it did, for a human.
/// Not running is not an error; a pid that is not DynamoDB Local is left alone.
pub fn stop(pid_file: &Path) -> Result<String> {
    let Some(pid) = read_pid(pid_file) else {
        let _ = std::fs::remove_file(pid_file);
        return Ok(format!(
            "DynamoDB Local is not running (no pid in {})",
            pid_file.display()
        ));
    };
    if !pid_alive(pid) {
        let _ = std::fs::remove_file(pid_file);
        return Ok(format!(
            "DynamoDB Local is not running (stale pid {pid} removed)"
        ));
    }
    if !is_dynamodb_local(pid) {
        let _ = std::fs::remove_file(pid_file);
        return Ok(format!(
            "pid {pid} is not DynamoDB Local (pid reused?); not killing it, removed {}",
            pid_file.display()
        ));
    }
    signal("TERM", pid);
    if !wait_gone(pid, STOP_TIMEOUT) {
        signal("KILL", pid);
        if !wait_gone(pid, Duration::from_secs(5)) {
            return err(format!("pid {pid} is still alive after SIGKILL"));
        }
    }
    let _ = std::fs::remove_file(pid_file);
    Ok(format!("DynamoDB Local stopped (pid {pid})"))
}

/// The pid in `pid_file` when it is a live DynamoDB Local, with its port.
pub fn status(pid_file: &Path) -> Option<(u32, Option<u16>)> {
    let pid = read_pid(pid_file)?;
    is_dynamodb_local(pid).then(|| (pid, port_of(pid)))
}

fn read_pid(pid_file: &Path) -> Option<u32> {
    std::fs::read_to_string(pid_file)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|pid| *pid > 0)
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .ok()
        .or_else(|| {
            Command::new("ps")
                .args(["-p", &pid.to_string(), "-o", "args="])
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .unwrap_or_default()
}

fn is_dynamodb_local(pid: u32) -> bool {
    pid_alive(pid) && cmdline(pid).contains("DynamoDBLocal.jar")
}

fn port_of(pid: u32) -> Option<u16> {
    let line = cmdline(pid);
    let mut words = line.split_whitespace();
    words.find(|w| *w == "-port")?;
    words.next()?.parse().ok()
}

fn wait_gone(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if !pid_alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    !pid_alive(pid)
}

/// Sends SIG`name` to `pid`, quietly: it may be gone already.
pub(crate) fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Alive and not a zombie (an attached Java that died stays a zombie until
/// its wrapper reaps it).
pub(crate) fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) if Path::new("/proc/self/stat").exists() => false,
        Err(_) => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
    }
}
