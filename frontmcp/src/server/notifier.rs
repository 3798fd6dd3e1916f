//! What a tool (or a resource, a prompt) sends the client while its request runs: progress and
//! log messages, on the request's own stream (an HTTP response turned event stream, or stdout on
//! stdio), before the response.
//!
//! The transport that can carry them sets one for the request's task ([`NOTIFIER`]); the
//! dispatcher hands it to the request's context. A task-local rather than a parameter of every
//! dispatch function: only the transport and the context know of it.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

use super::peer::PeerRequests;
use super::{Server, Session};
use crate::protocol::jsonrpc::OutgoingNotification;
use crate::protocol::mcp::LogLevel;

tokio::task_local! {
    /// The notifier of the request the current task serves, when its transport can carry
    /// notifications.
    pub(crate) static NOTIFIER: Arc<Notifier>;
}

/// Notifications a request's stream holds before the slowest are dropped (best effort, as MCP
/// notifications are).
pub(crate) const CAPACITY: usize = 64;

/// The sending end of one request's notifications.
#[derive(Debug)]
pub(crate) struct Notifier {
    tx: mpsc::Sender<Bytes>,
    /// Set when the request's future is dropped before it finished: the client cancelled it or
    /// went away.
    cancelled: tokio::sync::watch::Sender<bool>,
    /// The least severe log level the client wants; `None`: no log messages.
    log_level: Option<LogLevel>,
    /// What the client can be asked, when it can be asked anything on this stream.
    pub(crate) peer: Option<Peer>,
}

/// A client that can be asked something while its request runs (the handshake revisions).
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub(crate) requests: Arc<PeerRequests>,
    /// The session its answers come in.
    pub(crate) session: Option<Arc<str>>,
}

impl Peer {
    /// The peer of `session`, when its client declared something it can be asked.
    pub(crate) fn of(server: &Server, session: &Session) -> Option<Self> {
        let negotiated = session.negotiated()?;
        (negotiated.form_elicitation || negotiated.sampling || negotiated.roots).then(|| Self {
            requests: server.inner.peer_requests.clone(),
            session: session.id_arc(),
        })
    }
}

impl Notifier {
    pub(crate) fn new(
        tx: mpsc::Sender<Bytes>,
        log_level: Option<LogLevel>,
        peer: Option<Peer>,
    ) -> Self {
        Self {
            tx,
            cancelled: tokio::sync::watch::Sender::new(false),
            log_level,
            peer,
        }
    }

    /// Resolves once the request is cancelled.
    pub(crate) async fn cancelled(&self) {
        let mut cancelled = self.cancelled.subscribe();
        // The sender lives as long as `self`: the wait ends only by cancellation.
        let _ = cancelled.wait_for(|c| *c).await;
    }

    /// Whether the request was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Sends a message that must not be dropped (a request the tool waits on): waits for room.
    pub(crate) async fn send_bytes(&self, message: Bytes) -> bool {
        self.tx.send(message).await.is_ok()
    }

    /// The current task's notifier, if its transport set one.
    pub(crate) fn current() -> Option<Arc<Self>> {
        NOTIFIER.try_with(Arc::clone).ok()
    }

    /// Queues a notification; `false` when the client is gone or too slow.
    pub(crate) fn send<P: Serialize>(&self, method: &str, params: P) -> bool {
        let message = OutgoingNotification::new(method, params).to_bytes();
        self.tx.try_send(message).is_ok()
    }

    /// Whether a log message of `level` is wanted.
    pub(crate) fn wants(&self, level: LogLevel) -> bool {
        self.log_level.is_some_and(|least| level >= least)
    }
}

/// Runs a request's future (`running`) with `notifier` as the task's, telling the notifier's
/// watchers ([`ToolContext::cancelled`](crate::ToolContext::cancelled)) when it is dropped before
/// it finished: aborted by `notifications/cancelled`, or by a client that went away.
pub(crate) async fn watched<F: std::future::Future>(
    notifier: Arc<Notifier>,
    running: F,
) -> F::Output {
    struct Unfinished(Arc<Notifier>, bool);
    impl Drop for Unfinished {
        fn drop(&mut self) {
            if !self.1 {
                self.0.cancelled.send_replace(true);
            }
        }
    }
    let mut guard = Unfinished(notifier.clone(), false);
    let output = NOTIFIER.scope(notifier, running).await;
    guard.1 = true;
    output
}
