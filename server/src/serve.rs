//! The accept loop: HTTP/1.1 connections served by hyper with the deadlines that
//! `axum::serve` leaves out, so a slow or silent client holds nothing for long.
//!
//! - A state-changing request is handed to a task of its own as soon as its head arrives
//!   (`serve_request`): once the server has it, it runs whatever the client does next.
//! - A client must send a request's headers within the client timeout (hyper closes the
//!   connection otherwise). That covers idle keep-alive connections and slowloris headers
//!   alike; `request_guard` does the same for bodies. While a response is being written (a
//!   live stream's, for as long as it lasts) no request is being read, so no deadline applies.
//! - An error from `accept` (say the descriptor limit was hit) pauses accepting briefly
//!   instead of ending the server.
//! - On shutdown no new connection is accepted, every open one finishes the request it is
//!   serving and closes, and we wait for them up to a bound. (Live streams end first: see
//!   `Application::run_until_stopped`.)

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::http::error::ApiError;
use crate::request_guard::changes_state;

/// How long shutdown waits for open connections to finish their requests.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

pub async fn serve(
    listener: TcpListener,
    router: Router,
    client_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed; pausing before the next one");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            serve_request(router.clone(), request.map(Body::new))
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(client_timeout)
            .keep_alive(true);
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, peer = %redact_peer(peer), "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain limit; stopping anyway");
    }
    Ok(())
}

/// Called by hyper the moment a request's head has arrived. A state-changing request starts
/// its own task right here, before hyper ever polls anything: hyper drops the future of a
/// request whose client hung up, sometimes before polling it even once, and the task must
/// already exist by then so the write the client asked for still happens.
fn serve_request(router: Router, request: Request) -> Pending {
    if !changes_state(request.method()) {
        return Box::pin(router.oneshot(request));
    }
    let task = tokio::spawn(router.oneshot(request));
    Box::pin(async move {
        Ok(match task.await {
            Ok(Ok(response)) => response,
            Ok(Err(never)) => match never {},
            Err(failure) => {
                tracing::error!(error = %failure, "a request task failed");
                ApiError::internal().into_response()
            }
        })
    })
}

type Pending = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// Logs name the address family only: an IP is personal data.
fn redact_peer(peer: SocketAddr) -> &'static str {
    if peer.is_ipv4() { "ipv4" } else { "ipv6" }
}

/// Every open connection is a descriptor; many systems start processes with a soft limit of
/// 1024 although the hard limit allows far more. Idle and slow clients must not be able to
/// exhaust it, so take what the hard limit allows.
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
