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
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::mcp::{message_event, unbuffered};
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, Response as RpcResponse};
use crate::protocol::mcp::LogLevel;
use crate::server::{NOTIFICATION_CAPACITY, NOTIFIER, Notifier, Reply};

/// Aborts the request's task when dropped: the client is gone, nobody will read its answer.
struct Running(JoinHandle<Reply>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `handle` with a notifier for `log_level`; `answer` renders a reply that comes before
/// any notification.
pub(super) async fn streamed<F>(
    handle: F,
    log_level: Option<LogLevel>,
    answer: impl FnOnce(Reply) -> Response,
) -> Response
where
    F: Future<Output = Reply> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(NOTIFICATION_CAPACITY);
    let notifier = Arc::new(Notifier::new(tx, log_level));
    let mut running = Running(tokio::spawn(NOTIFIER.scope(notifier, handle)));
    let (pending, running) = tokio::select! {
        biased;
        reply = &mut running.0 => {
            // Notifications sent just before the answer still go first.
            let mut pending: VecDeque<Bytes> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
            let reply = finished(reply);
            if pending.is_empty() {
                return answer(reply);
            }
            pending.push_back(Bytes::from(final_response(reply).to_json()));
            (pending, None)
        }
        first = rx.recv() => match first {
            Some(first) => (VecDeque::from([first]), Some(running)),
            // Every sender is gone, so the task is ending: its answer, as usual.
            None => return answer(finished((&mut running.0).await)),
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
                        let response = final_response(finished(reply));
                        pending.push_back(Bytes::from(response.to_json()));
                        running = None;
                    }
                }
            }
        },
    );
    unbuffered(Sse::new(events).into_response())
}

/// The task's reply; a panic (caught by the dispatcher already) or an abort become an error.
fn finished(joined: Result<Reply, tokio::task::JoinError>) -> Reply {
    joined.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a request's task failed");
        Reply::Single(RpcResponse::error(
            None,
            ErrorObject::new(INTERNAL_ERROR, "the request failed unexpectedly"),
        ))
    })
}

/// The JSON-RPC response of a reply that ends an event stream.
fn final_response(reply: Reply) -> RpcResponse {
    match reply {
        Reply::Single(response) | Reply::InsufficientScope { response, .. } => response,
        Reply::None | Reply::Batch(_) => unreachable!("one request gets one response"),
    }
}
