//! A request whose code may tell the client something before it answers (progress, log
//! messages): it runs in a task of its own with a [`Notifier`]; if it answers before saying
//! anything, the answer goes out as usual (JSON or one event, HTTP errors included); once it has
//! something to say, the response becomes an event stream: its notifications, then its answer.
//! A client that goes away (closes the stream, or the connection before the answer) cancels it.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::response::sse::Sse;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::{Aborted, abortable};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::mcp::{message_event, unbuffered};
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, RequestId, Response as RpcResponse};
use crate::protocol::mcp::LogLevel;
use crate::server::{NOTIFICATION_CAPACITY, Notifier, Peer, Reply, Session, watched};

/// Aborts the request's task when dropped: the client is gone, nobody will read its answer.
struct Running(JoinHandle<Result<Reply, Aborted>>, Option<Tracked>);

/// A request its session can cancel (`notifications/cancelled`) while it runs.
pub(super) type Tracked = (Arc<Session>, RequestId);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
        if let Some((session, id)) = &self.1 {
            session.untrack(id);
        }
    }
}

/// Serves `handle` with a notifier for `log_level` (and `peer`, what the client can be asked),
/// cancellable by its session when `tracked`; `answer` renders a reply that comes before any
/// notification. A cancelled request's stream ends without an answer.
pub(super) async fn streamed<F>(
    handle: F,
    log_level: Option<LogLevel>,
    peer: Option<Peer>,
    tracked: Option<Tracked>,
    answer: impl FnOnce(Reply) -> Response,
) -> Response
where
    F: Future<Output = Reply> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(NOTIFICATION_CAPACITY);
    let notifier = Arc::new(Notifier::new(tx, log_level, peer));
    let (handle, abort) = abortable(watched(notifier, handle));
    if let Some((session, id)) = &tracked {
        session.track(id.clone(), abort);
    }
    let mut running = Running(tokio::spawn(handle), tracked);
    let (pending, running) = tokio::select! {
        biased;
        reply = &mut running.0 => {
            // Notifications sent just before the answer still go first.
            let mut pending: VecDeque<Bytes> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
            let Some(reply) = finished(reply) else {
                return cancelled();
            };
            if pending.is_empty() {
                return answer(reply);
            }
            pending.push_back(Bytes::from(final_response(reply).to_json()));
            (pending, None)
        }
        first = rx.recv() => match first {
            Some(first) => (VecDeque::from([first]), Some(running)),
            // Every sender is gone, so the task is ending: its answer, as usual.
            None => match finished((&mut running.0).await) {
                Some(reply) => return answer(reply),
                None => return cancelled(),
            },
        },
    };
    tracing::debug!("the request streams its notifications");
    let events = futures_util::stream::unfold(
        (pending, rx, running),
        |(mut pending, mut rx, mut running)| async move {
            loop {
                if let Some(message) = pending.pop_front() {
                    let event = Ok::<_, Infallible>(message_event(&message));
                    return Some((event, (pending, rx, running)));
                }
                let task = running.as_mut()?;
                tokio::select! {
                    biased;
                    Some(message) = rx.recv() => pending.push_back(message),
                    reply = &mut task.0 => {
                        // What was queued before the answer goes first; then the stream ends.
                        while let Ok(message) = rx.try_recv() {
                            pending.push_back(message);
                        }
                        if let Some(reply) = finished(reply) {
                            pending.push_back(Bytes::from(final_response(reply).to_json()));
                        }
                        running = None;
                    }
                }
            }
        },
    );
    unbuffered(Sse::new(events).into_response())
}

/// The task's reply; `None` when the client cancelled it (no answer is sent); a panic (caught by
/// the dispatcher already) becomes an error.
fn finished(joined: Result<Result<Reply, Aborted>, tokio::task::JoinError>) -> Option<Reply> {
    match joined {
        Ok(Ok(reply)) => Some(reply),
        Ok(Err(Aborted)) => None,
        Err(e) if e.is_cancelled() => None,
        Err(e) => {
            tracing::error!(error = %e, "a request's task failed");
            Some(Reply::Single(RpcResponse::error(
                None,
                ErrorObject::new(INTERNAL_ERROR, "the request failed unexpectedly"),
            )))
        }
    }
}

/// The response of a request cancelled before it said anything: an event stream that ends.
fn cancelled() -> Response {
    let nothing = futures_util::stream::empty::<Result<axum::response::sse::Event, Infallible>>();
    unbuffered(Sse::new(nothing).into_response())
}

/// The JSON-RPC response of a reply that ends an event stream.
fn final_response(reply: Reply) -> RpcResponse {
    match reply {
        Reply::Single(response) | Reply::InsufficientScope { response, .. } => response,
        Reply::None | Reply::Batch(_) => unreachable!("one request gets one response"),
    }
}
