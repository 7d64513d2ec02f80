//! Ports: picking a free one, and telling who answers on one.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use super::error::{Error, Result};

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error(format!("no free port: {e}")))
}

/// Neither bound by anyone on 127.0.0.1 nor accepting connections.
pub(crate) fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
        && TcpStream::connect_timeout(&loopback(port), Duration::from_millis(300)).is_err()
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// True when something on `port` answers an HTTP request (DynamoDB Local
/// answers a bare `GET /` with a 400).
pub(crate) fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&loopback(port), Duration::from_millis(500))
    else {
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

/// Whether `pid` holds the socket listening on `port`; `None` when `/proc`
/// cannot tell (not Linux).
pub(crate) fn pid_listens_on(pid: u32, port: u16) -> Option<bool> {
    let inodes = listening_inodes(port)?;
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

/// The inodes of the sockets listening on `port`, from `/proc/net/tcp{,6}`;
/// `None` when neither table can be read.
fn listening_inodes(port: u16) -> Option<Vec<u64>> {
    let mut inodes = Vec::new();
    let mut readable = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        inodes.extend(
            text.lines()
                .skip(1)
                .filter_map(|line| listener_on(line, port)),
        );
    }
    readable.then_some(inodes)
}

/// The inode of a `/proc/net/tcp` line when it is a socket listening on `port`.
fn listener_on(line: &str, port: u16) -> Option<u64> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    // sl local_address rem_address st ... inode (column 9); 0A = LISTEN
    if cols.len() <= 9 || cols[3] != "0A" {
        return None;
    }
    let local_port = cols[1]
        .rsplit_once(':')
        .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())?;
    if local_port != port {
        return None;
    }
    cols[9].parse().ok()
}
