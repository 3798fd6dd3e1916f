//! What happened in authorization that every process sharing the store must hear: an app
//! authorized or revoked for an auth session, an auth session ended.

use std::sync::{Arc, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::bearer::VerifiedTokens;
use crate::store::Store;

/// Something that happened in the authorization server that the MCP side cares about. Every
/// process sharing the store hears it, whichever process it happened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuthEvent {
    /// An app's tokens landed in the vault for an auth session, from an authorization link
    /// (`elicitation_id` names the MCP URL elicitation it completes, if any) or from the consent
    /// screen.
    AppAuthorized {
        /// The auth session.
        session_id: String,
        /// The app.
        app: String,
        /// The elicitation this completes.
        elicitation_id: Option<String>,
    },
    /// An app's tokens left the vault of an auth session (its provider refused them, or the
    /// entry could not be opened): its tools need a new authorization.
    AppRevoked {
        /// The auth session.
        session_id: String,
        /// The app.
        app: String,
    },
    /// An auth session ended (its grant was revoked, or its refresh token replayed): every
    /// process forgets the tokens it verified for it, which are refused from then on.
    SessionEnded {
        /// The auth session.
        session_id: String,
    },
}

/// An event as it travels between processes.
#[derive(Serialize, Deserialize)]
struct EventMessage {
    /// The publishing process, which does not hear its own messages twice.
    origin: String,
    event: AuthEvent,
}

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_CAPACITY: usize = 256;

/// This process's end of the events: publishes to the other processes sharing the store, relays
/// theirs, and tells this process's subscribers. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<AuthEvent>,
    store: Arc<dyn Store>,
    /// This process among those sharing the store.
    origin: String,
    /// The bearer's verified tokens, which forget an ended session's before anyone hears of it.
    verified: Arc<VerifiedTokens>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("origin", &self.inner.origin)
            .finish_non_exhaustive()
    }
}

impl Events {
    /// Events over `store`'s channel. With a shared store, a task relays the other processes'
    /// events until the last clone is dropped, so this must be called within a Tokio runtime.
    pub(crate) fn new(store: Arc<dyn Store>, verified: Arc<VerifiedTokens>) -> Self {
        let events = Self {
            inner: Arc::new(Inner {
                sender: broadcast::channel(EVENT_CAPACITY).0,
                store,
                origin: crate::random::token(),
                verified,
            }),
        };
        events.relay_remote();
        events
    }

    /// Listens for [`AuthEvent`]s of this process and of the others sharing the store.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.inner.sender.subscribe()
    }

    /// Tells this process's subscribers about `event`, and the other processes sharing the
    /// store (which pass it to theirs).
    pub(crate) async fn publish(&self, event: AuthEvent) {
        let inner = &self.inner;
        if !inner.store.is_local() {
            let message = EventMessage {
                origin: inner.origin.clone(),
                event: event.clone(),
            };
            let bytes = serde_json::to_vec(&message).expect("events serialize");
            if let Err(e) = inner.store.publish(&bytes).await {
                tracing::warn!(error = %e, "event not published to the other processes");
            }
        }
        inner.heard(event);
    }

    /// Passes the events other processes publish on the store to this process's subscribers.
    fn relay_remote(&self) {
        let Some(mut remote) = self.inner.store.subscribe() else {
            return;
        };
        // Weak: the relay ends with the last clone (and its subscription with it).
        let events: Weak<Inner> = Arc::downgrade(&self.inner);
        let origin = self.inner.origin.clone();
        tokio::spawn(async move {
            loop {
                let received = remote.recv().await;
                let Some(events) = events.upgrade() else {
                    break;
                };
                match received {
                    Ok(bytes) => match serde_json::from_slice::<EventMessage>(&bytes) {
                        Ok(message) if message.origin != origin => events.heard(message.event),
                        Ok(_) => {}
                        Err(_) => tracing::warn!("an unreadable event on the store's channel"),
                    },
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "events from other processes missed");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }
}

impl Inner {
    /// Acts on an event of this process or another one, then tells this process's subscribers.
    fn heard(&self, event: AuthEvent) {
        if let AuthEvent::SessionEnded { session_id } = &event {
            self.verified.forget_session(session_id);
        }
        // No subscriber is fine: nobody waits for it.
        let _ = self.sender.send(event);
    }
}
