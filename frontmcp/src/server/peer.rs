//! Requests from the server to the client inside a tool (form elicitation, sampling) on the
//! handshake revisions: sent on the request's own stream, answered by the client in a message of
//! its own (another POST in the session, or a stdio line), routed back here by ID to the tool
//! that waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;
use tokio::sync::oneshot;

use crate::protocol::jsonrpc::{ErrorObject, PeerResponse, RequestId};

/// What a client answered: its result, or its error.
pub(crate) type Answer = Result<Box<RawValue>, ErrorObject>;

/// The requests sent to clients and not answered yet, by ID.
#[derive(Debug, Default)]
pub(crate) struct PeerRequests {
    open: Mutex<HashMap<String, Waiting>>,
}

#[derive(Debug)]
struct Waiting {
    /// The session it was sent in: only that session's answer is taken.
    session: Option<Arc<str>>,
    tx: oneshot::Sender<Answer>,
}

/// A request waiting for its answer; dropping it (the tool gave up or was cancelled) forgets it.
#[derive(Debug)]
pub(crate) struct Ticket {
    pub(crate) id: String,
    pub(crate) answer: oneshot::Receiver<Answer>,
    requests: Arc<PeerRequests>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.requests.lock().remove(&self.id);
    }
}

impl PeerRequests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiting>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new request of `session`: its ID (unguessable, so no other client can answer it) and
    /// where its answer will come.
    pub(crate) fn open(self: &Arc<Self>, session: Option<Arc<str>>) -> Ticket {
        let id = format!("frontmcp-{}", frontmcp_auth::random::id());
        let (tx, answer) = oneshot::channel();
        self.lock().insert(id.clone(), Waiting { session, tx });
        Ticket {
            id,
            answer,
            requests: self.clone(),
        }
    }

    /// Hands `response`, received in `session`, to the request it answers; `false` when no
    /// request of that session waits for it.
    pub(crate) fn answer(&self, session: Option<&str>, response: PeerResponse) -> bool {
        let Some(RequestId::String(id)) = &response.id else {
            return false;
        };
        let mut open = self.lock();
        match open.get(id) {
            Some(waiting) if waiting.session.as_deref() == session => {
                let waiting = open.remove(id).expect("just found");
                waiting.tx.send(response.outcome).is_ok()
            }
            Some(_) => {
                tracing::warn!("a client answered another session's request: ignored");
                false
            }
            None => false,
        }
    }

    /// How many requests wait.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_of(id: &str) -> PeerResponse {
        PeerResponse {
            id: Some(RequestId::String(id.to_owned())),
            outcome: Ok(RawValue::from_string("{}".into()).unwrap()),
        }
    }

    #[tokio::test]
    async fn only_the_session_that_was_asked_answers_once() {
        let requests = Arc::new(PeerRequests::default());
        let mut ticket = requests.open(Some("s1".into()));
        assert!(!requests.answer(Some("s2"), answer_of(&ticket.id)));
        assert!(!requests.answer(None, answer_of(&ticket.id)));
        assert!(requests.answer(Some("s1"), answer_of(&ticket.id)));
        assert!(!requests.answer(Some("s1"), answer_of(&ticket.id)), "once");
        assert!((&mut ticket.answer).await.unwrap().is_ok());
        let dropped = requests.open(None);
        assert_eq!(requests.len(), 1);
        drop(dropped);
        assert_eq!(requests.len(), 0, "a request nobody waits for is forgotten");
        assert!(!requests.answer(None, answer_of("frontmcp-unknown")));
    }
}
