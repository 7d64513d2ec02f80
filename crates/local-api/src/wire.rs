//! JSON bodies for the errors hyper answers by itself. A request hyper
//! cannot parse never reaches the router: hyper answers 400 (a garbage
//! request line or header), 414 (URI over 64 KiB) or 431 (headers over its
//! buffer, or over 100 of them) with an empty body and closes the
//! connection. Neither hyper nor axum has a hook for those answers, so
//! [`JsonErrors`] wraps each connection and, on the way out, replaces
//! exactly that answer with the usual `{"error","message","requestId"}`.
//!
//! It is recognised by its form, which the router never sends: one of those
//! three statuses with `content-length: 0` and `connection: close`, written
//! before anything else on that response (every router error has a JSON
//! body). Only HTTP/1 has such answers; HTTP/2 passes through untouched.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use platform::ApiError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections are [`JsonErrors`].
#[derive(Debug)]
pub struct JsonErrorListener(pub TcpListener);

impl axum::serve::Listener for JsonErrorListener {
    type Io = JsonErrors<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (JsonErrors::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that rewrites hyper's own empty-bodied parse-error answers
/// into JSON errors; everything else passes through unchanged.
#[derive(Debug)]
pub struct JsonErrors<T> {
    inner: T,
    /// The JSON answer still to write, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> JsonErrors<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
}

/// The JSON answer for `head` when it is one of hyper's automatic
/// parse-error answers, else `None`.
pub fn json_answer(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status_line, rest) = text.strip_suffix("\r\n\r\n")?.split_once("\r\n")?;
    let (status, message) = match status_line {
        "HTTP/1.1 400 Bad Request" => (400, "the request line or a header is malformed"),
        "HTTP/1.1 414 URI Too Long" => (414, "the request URI is too long"),
        "HTTP/1.1 431 Request Header Fields Too Large" => {
            (431, "the request headers are too large or too many")
        }
        _ => return None,
    };
    let headers: Vec<&str> = rest.split("\r\n").collect();
    let is_auto = headers.contains(&"content-length: 0") && headers.contains(&"connection: close");
    if !is_auto {
        return None;
    }
    let status = StatusCode::from_u16(status).ok()?;
    let limit = platform::http::BODY_LIMIT;
    let mut body = ApiError::from_status(status, Some(message.into()), limit).body();
    body.request_id = uuid::Uuid::new_v4().to_string();
    let json = serde_json::to_string(&body).ok()?;
    let mut answer = format!("{status_line}\r\n");
    for header in headers.iter().filter(|h| !h.starts_with("content-length:")) {
        answer.push_str(header);
        answer.push_str("\r\n");
    }
    answer.push_str(&format!(
        "content-type: application/json\r\nx-request-id: {}\r\ncontent-length: {}\r\n\r\n{json}",
        body.request_id,
        json.len()
    ));
    Some(answer.into_bytes())
}

impl<T: AsyncWrite + Unpin> JsonErrors<T> {
    /// Writes what is left of a JSON answer, if any.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, written)) = &mut self.pending {
            if *written == answer.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(answer) = json_answer(buf) {
            // `buf` is taken whole, and the JSON answer goes out in its
            // place: now, or on the next write, flush or shutdown.
            self.pending = Some((answer, 0));
            if let Poll::Ready(Err(e)) = self.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(first) if json_answer(first).is_some() => self.poll_write(cx, first),
            _ => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_own_answers_become_json_errors() {
        for (status, line) in [
            (400, "HTTP/1.1 400 Bad Request"),
            (414, "HTTP/1.1 414 URI Too Long"),
            (431, "HTTP/1.1 431 Request Header Fields Too Large"),
        ] {
            let head = format!(
                "{line}\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 21:16:45 GMT\r\n\r\n"
            );
            let answer = String::from_utf8(json_answer(head.as_bytes()).unwrap()).unwrap();
            let (head, body) = answer.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
            assert!(
                head.contains("\r\ncontent-type: application/json\r\n"),
                "{head}"
            );
            assert!(head.contains("\r\ndate: Fri, 04 Dec 2026"), "{head}");
            assert!(!head.contains("content-length: 0"), "{head}");
            assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(json["error"], "bad_request", "{json}");
            assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
            let id = json["requestId"].as_str().unwrap();
            assert!(head.contains(&format!("\r\nx-request-id: {id}")), "{head}");
            assert_eq!(json.as_object().unwrap().len(), 3);
        }
    }

    #[test]
    fn every_other_answer_passes_through() {
        for head in [
            // The router's own errors have JSON bodies.
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n",
            // An empty answer that keeps the connection (a 400 the router made).
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 204 No Content\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n",
            "{\"error\":\"x\"}",
        ] {
            assert_eq!(json_answer(head.as_bytes()), None, "{head}");
        }
    }
}
