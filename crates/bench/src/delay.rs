//! `lambda-bench delay-proxy`: a TCP relay that holds every byte for a fixed
//! one-way delay in each direction, so that a DynamoDB call on loopback
//! costs what it costs from a Lambda function to DynamoDB in a region.
//!
//! Each direction of a connection is a queue: bytes read at `t` are written
//! on at `t + delay`, in order, so the delay adds latency without limiting
//! throughput. A new connection waits one round trip (`2 × delay`, the TCP
//! handshake) before its first bytes go on. It sits in front of the TLS
//! proxy, so a TLS handshake pays its round trips as well. tokio's timer
//! rounds each wait up to the next millisecond: `make bench` measures the
//! round trip it actually adds (a `GetItem` through it and without it).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(clap::Args)]
pub struct DelayArgs {
    /// Where to listen (`127.0.0.1:0`: a free port, printed as
    /// `{"port": N}` on the first line of stdout).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where to relay to (the TLS proxy in front of DynamoDB Local).
    #[arg(long)]
    upstream: SocketAddr,
    /// The delay each way, in milliseconds (a round trip costs twice it).
    #[arg(long, default_value_t = 4.0)]
    one_way_ms: f64,
}

/// Serves until killed.
pub async fn run(args: DelayArgs) -> anyhow::Result<()> {
    let delay = Duration::from_secs_f64(args.one_way_ms / 1000.0);
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let port = listener.local_addr()?.port();
    crate::print_json(serde_json::json!({ "port": port }))?;
    serve(listener, args.upstream, delay).await
}

async fn serve(listener: TcpListener, upstream: SocketAddr, delay: Duration) -> anyhow::Result<()> {
    loop {
        let (inbound, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = relay(inbound, upstream, delay).await {
                eprintln!("delay-proxy: {e}");
            }
        });
    }
}

async fn relay(inbound: TcpStream, upstream: SocketAddr, delay: Duration) -> anyhow::Result<()> {
    // The TCP handshake: SYN there, SYN-ACK back.
    tokio::time::sleep(delay * 2).await;
    let outbound = TcpStream::connect(upstream)
        .await
        .with_context(|| format!("cannot connect to {upstream}"))?;
    inbound.set_nodelay(true)?;
    outbound.set_nodelay(true)?;
    let (in_read, in_write) = inbound.into_split();
    let (out_read, out_write) = outbound.into_split();
    tokio::try_join!(
        pump(in_read, out_write, delay),
        pump(out_read, in_write, delay)
    )?;
    Ok(())
}

/// Copies `from` to `to`, each chunk `delay` after it was read; shuts `to`
/// down for writing once `from` ends and every chunk is written.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    delay: Duration,
) -> anyhow::Result<()> {
    let (queue, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let read = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return anyhow::Ok(());
            }
            // The writer is gone only after a failed write, reported there.
            if queue
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
            {
                return Ok(());
            }
        }
    };
    let write = async move {
        while let Some((at, bytes)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            to.write_all(&bytes).await?;
        }
        to.shutdown().await?;
        anyhow::Ok(())
    };
    tokio::try_join!(read, write)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server; its address.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn every_exchange_waits_the_delay_both_ways_and_bytes_arrive_in_order() {
        let delay = Duration::from_millis(25);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, echo().await, delay));

        let started = std::time::Instant::now();
        let mut conn = TcpStream::connect(proxy).await.unwrap();
        let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut back = vec![0u8; message.len()];
        let (mut r, mut w) = conn.split();
        let (wrote, read) = tokio::join!(w.write_all(&message), r.read_exact(&mut back));
        wrote.unwrap();
        read.unwrap();
        assert_eq!(back, message);
        // The TCP handshake's round trip, then there and back.
        assert!(started.elapsed() >= delay * 4, "{:?}", started.elapsed());

        let again = std::time::Instant::now();
        conn.write_all(b"ping").await.unwrap();
        let mut pong = [0u8; 4];
        conn.read_exact(&mut pong).await.unwrap();
        assert_eq!(&pong, b"ping");
        assert!(again.elapsed() >= delay * 2, "{:?}", again.elapsed());
    }
}
