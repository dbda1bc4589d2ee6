//! The accept loop: every connection gets a header-read timeout and an idle timeout, and the
//! number of connections is capped, so that slow or half-open clients (slowloris) cannot take
//! the server's file descriptors and `/healthz` keeps answering.
//!
//! * **Header timeout**: a connection must send a request's whole header within
//!   [`ConnectionLimits::header_timeout`] of being accepted or of finishing its previous
//!   response (hyper's `header_read_timeout`, which also bounds a keep-alive connection's idle
//!   wait for its next request).
//! * **Idle timeout**: a connection on which nothing was read or written for
//!   [`ConnectionLimits::idle_timeout`] while the server waits to read (a request body that
//!   stalls) is closed ([`IdleTimeout`]).
//! * **Connection cap**: at most [`ConnectionLimits::max_connections`] at once; beyond it a new
//!   connection is closed as soon as it is accepted, so the server never runs out of
//!   descriptors. The first [`ConnectionLimits::patient_connections`] get the full header
//!   timeout; the rest, accepted while the server is that busy, get
//!   [`BUSY_HEADER_TIMEOUT`]: a health check or a real client sends its header at once and is
//!   served, a connection that dribbles is dropped within a second and frees its place.
//! * Accept errors (`EMFILE` when the process's own limit is lower than the cap) pause the loop
//!   briefly instead of spinning.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::config::Limits;

/// The header timeout of a connection accepted while more than
/// [`ConnectionLimits::patient_connections`] are open.
pub const BUSY_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// How long the loop pauses after an accept error.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// The limits the accept loop applies (`limits:` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to send a request's header (from accept, or from the end of the last response).
    pub header_timeout: Duration,
    /// Time without any byte read or written while the server waits for the client.
    pub idle_timeout: Duration,
    /// Connections open at once; beyond it new ones are closed at once.
    pub max_connections: usize,
    /// Connections that get the full header timeout; the others get [`BUSY_HEADER_TIMEOUT`].
    pub patient_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 4096,
            patient_connections: 1024,
        }
    }
}

impl ConnectionLimits {
    /// The configuration's `limits:` over the defaults.
    pub fn from_limits(limits: &Limits) -> Self {
        let d = Self::default();
        Self {
            header_timeout: limits
                .header_timeout_seconds
                .map_or(d.header_timeout, Duration::from_secs),
            idle_timeout: limits
                .idle_timeout_seconds
                .map_or(d.idle_timeout, Duration::from_secs),
            max_connections: limits.max_connections.unwrap_or(d.max_connections),
            patient_connections: limits.patient_connections.unwrap_or(d.patient_connections),
        }
    }
}

/// Serves `app` on `listener` under `limits` until `shutdown` completes, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let patient = Arc::new(Semaphore::new(limits.patient_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Ok(slot) = open.clone().try_acquire_owned() else {
            tracing::debug!("connection cap reached: a new connection closed");
            drop(stream);
            continue;
        };
        let patient_slot = patient.clone().try_acquire_owned().ok();
        let header_timeout = if patient_slot.is_some() {
            limits.header_timeout
        } else {
            BUSY_HEADER_TIMEOUT.min(limits.header_timeout)
        };
        let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
        let service = TowerToHyperService::new(app.clone());
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(patient_slot);
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A stream that fails a read with `TimedOut` once nothing was read or written for its timeout
/// while a read waits.
pub struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn progressed(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.timeout);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.progressed();
                Poll::Ready(r)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent nothing within the idle timeout",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.progressed();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.progressed();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_silent_peer_times_out_and_a_talking_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, Duration::from_millis(500));
        let mut client = client;
        let talk = tokio::spawn(async move {
            // Each pause shorter than the timeout, together longer.
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                client.write_all(b"x").await.unwrap();
            }
            // Then silence, the connection kept open.
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(client);
        });
        let mut buf = [0u8; 1];
        for _ in 0..3 {
            server.read_exact(&mut buf).await.unwrap();
        }
        let e = server.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        talk.abort();
    }
}
