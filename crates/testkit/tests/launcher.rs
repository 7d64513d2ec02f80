#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The `dynamodb-local` command as the scripts use it, and the launcher's
//! refusals.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

use testkit::ddb::{DynamoDbLocal, Launch, Storage};

fn ddb_local(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dynamodb-local"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// DynamoDB's answer to an unsigned ListTables: a DynamoDB error, not
/// whatever else might listen on the port.
fn dynamodb_answers(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = "{}";
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn start_status_stop_with_a_pid_file() {
    let dir = std::env::temp_dir().join(format!("testkit-launcher-{}", std::process::id()));
    let pid_file = dir.join("ddb.pid");
    let pid_arg = pid_file.to_str().unwrap();

    let started = ddb_local(&["start", "--free-port", "--in-memory", "--pid-file", pid_arg]);
    assert!(started.status.success(), "{}", text(&started.stderr));
    let port: u16 = text(&started.stdout).trim().parse().unwrap();
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        dir.join("ddb.log").is_file(),
        "the log defaults to the pid file's name"
    );
    let answer = dynamodb_answers(port);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(
        answer.contains("dynamodb") || answer.contains("TableNames"),
        "{answer}"
    );

    let status = ddb_local(&["status", "--pid-file", pid_arg]);
    assert!(status.status.success());
    assert!(
        text(&status.stdout).contains(&format!("127.0.0.1:{port}")),
        "{}",
        text(&status.stdout)
    );

    // Starting again on the same port from the same pid file is a no-op.
    let again = ddb_local(&[
        "start",
        "--port",
        &port.to_string(),
        "--in-memory",
        "--pid-file",
        pid_arg,
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout).trim(), port.to_string());

    let stopped = ddb_local(&["stop", "--pid-file", pid_arg]);
    assert!(stopped.status.success(), "{}", text(&stopped.stderr));
    assert!(!pid_file.exists());
    // Java is gone (the port itself may be anyone's again at once).
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z"),
        "java (pid {pid}) still runs after: {}",
        text(&stopped.stderr)
    );
    let status = ddb_local(&["status", "--pid-file", pid_arg]);
    assert!(!status.status.success());
    // Stopping what is not running is fine.
    assert!(ddb_local(&["stop", "--pid-file", pid_arg]).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_port_in_use_is_refused_naming_the_port() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut launch = Launch::attached(Storage::InMemory);
    launch.port = Some(port);
    let err = DynamoDbLocal::launch(launch).err().expect("refused");
    assert!(
        err.to_string()
            .contains(&format!("port {port} is already in use")),
        "{err}"
    );
}

#[test]
fn start_needs_a_port_choice() {
    let out = ddb_local(&["start", "--in-memory", "--pid-file", "/tmp/unused.pid"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--free-port"),
        "{}",
        text(&out.stderr)
    );
}
