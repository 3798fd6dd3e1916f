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
    /// The least severe log level the client wants; `None`: no log messages.
    log_level: Option<LogLevel>,
}

impl Notifier {
    pub(crate) fn new(tx: mpsc::Sender<Bytes>, log_level: Option<LogLevel>) -> Self {
        Self { tx, log_level }
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
