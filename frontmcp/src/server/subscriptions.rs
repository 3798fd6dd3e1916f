//! `subscriptions/listen` (2026-07-28): long-lived streams of the change notifications a client
//! opted in to, each tagged with its subscription's ID. What changes here is, per user, the
//! lists of tools, resources and prompts (whether their app is authorized: the `_meta` flag of
//! the listings), so a subscription belongs to the auth session of the token that opened it, and
//! hears when an app is authorized or revoked for that session, in whichever process that
//! happened; and the resources the application says were updated
//! ([`Server::notify_resource_updated`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use compact_str::CompactString;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::{Grant, Server};
use crate::protocol::jsonrpc::{ErrorObject, OutgoingNotification, RequestId, Response};
use crate::protocol::stateless::{SUBSCRIPTION_ID, SubscriptionFilter};

/// Notifications queued for a subscription before the slowest are dropped (best effort).
const CAPACITY: usize = 64;

/// The most resources one subscription may name: each is a string kept while it lives.
const MAX_RESOURCES: usize = 1_000;

/// The open subscriptions of a server.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Listener>>,
}

#[derive(Debug)]
struct Listener {
    /// The auth session whose changes it hears; `None` on a public server.
    owner: Option<CompactString>,
    id: RequestId,
    honored: SubscriptionFilter,
    tx: mpsc::Sender<Bytes>,
}

/// One open subscription: its messages, the acknowledgment first. Dropping it (the client
/// closed the stream) ends it.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) messages: mpsc::Receiver<Bytes>,
    key: u64,
    server: Server,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.server
            .inner
            .subscriptions
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

#[derive(Deserialize)]
struct ListenParams {
    notifications: SubscriptionFilter,
}

/// `params._meta` naming the subscription.
fn tagged(id: &RequestId) -> serde_json::Value {
    serde_json::json!({ SUBSCRIPTION_ID: id })
}

impl Subscriptions {
    /// Sends the list-changed notifications the subscriptions of auth session `owner` asked
    /// for (tools, resources, prompts: whether their app is authorized changed); how many
    /// messages went out.
    pub(crate) fn lists_changed(&self, owner: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mut sent = 0;
        for listener in open.values() {
            if listener.owner.as_deref() != Some(owner) {
                continue;
            }
            let honored = &listener.honored;
            for (asked, method) in [
                (
                    honored.tools_list_changed,
                    "notifications/tools/list_changed",
                ),
                (
                    honored.resources_list_changed,
                    "notifications/resources/list_changed",
                ),
                (
                    honored.prompts_list_changed,
                    "notifications/prompts/list_changed",
                ),
            ] {
                if asked == Some(true) {
                    let params = serde_json::json!({ "_meta": tagged(&listener.id) });
                    let message = OutgoingNotification::new(method, params);
                    sent += usize::from(listener.tx.try_send(message.to_bytes()).is_ok());
                }
            }
        }
        sent
    }

    /// Sends `notifications/resources/updated` to the subscriptions that named `uri`; how many
    /// took it.
    pub(crate) fn resource_updated(&self, uri: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mut sent = 0;
        for listener in open.values() {
            let named = listener
                .honored
                .resource_subscriptions
                .as_ref()
                .is_some_and(|uris| uris.iter().any(|u| u == uri));
            if named {
                let params = serde_json::json!({ "uri": uri, "_meta": tagged(&listener.id) });
                let message = OutgoingNotification::new("notifications/resources/updated", params);
                sent += usize::from(listener.tx.try_send(message.to_bytes()).is_ok());
            }
        }
        sent
    }

    /// Ends every subscription gracefully: each gets the response to its `subscriptions/listen`
    /// (so the client knows it was not a dropped connection), then its stream closes.
    pub(crate) fn close_all(&self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for (_, listener) in open.drain() {
            let result =
                serde_json::json!({ "resultType": "complete", "_meta": tagged(&listener.id) });
            let response = Response::serialize_result(listener.id.clone(), &result);
            let _ = listener.tx.try_send(Bytes::from(response.to_json()));
        }
    }

    /// How many are open.
    pub(crate) fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Server {
    /// Opens the subscription `subscriptions/listen` request `id` asks for with `params`, on
    /// behalf of `grant`: its first message is the acknowledgment naming what the server will
    /// send (of what was asked, what can change here).
    ///
    /// # Errors
    ///
    /// `-32602` for params without a `notifications` filter.
    pub(crate) fn subscribe(
        &self,
        id: RequestId,
        params: Option<&RawValue>,
        grant: Option<&Grant>,
    ) -> Result<Subscription, ErrorObject> {
        let params: ListenParams = super::dispatch::required_params(params)?;
        let asked = params.notifications;
        // Lists change only per user, when apps are authorized or revoked.
        let per_user = grant.is_some() && self.tools_capability().list_changed;
        let registry = &self.inner.registry;
        let honor = |offered: bool, asked: Option<bool>| {
            (per_user && offered && asked == Some(true)).then_some(true)
        };
        // Updates of the resources this server has (by URI, or of one of its templates).
        let resources: Vec<String> = asked
            .resource_subscriptions
            .unwrap_or_default()
            .into_iter()
            .filter(|uri| registry.resource(uri).is_some())
            .take(MAX_RESOURCES)
            .collect();
        let honored = SubscriptionFilter {
            tools_list_changed: honor(true, asked.tools_list_changed),
            resources_list_changed: honor(registry.has_resources(), asked.resources_list_changed),
            prompts_list_changed: honor(registry.has_prompts(), asked.prompts_list_changed),
            resource_subscriptions: (!resources.is_empty()).then_some(resources),
        };
        let (tx, messages) = mpsc::channel(CAPACITY);
        let ack = OutgoingNotification::new(
            "notifications/subscriptions/acknowledged",
            serde_json::json!({ "notifications": honored, "_meta": tagged(&id) }),
        );
        tx.try_send(ack.to_bytes())
            .expect("an empty channel takes one message");
        let registry = &self.inner.subscriptions;
        let key = registry.next.fetch_add(1, Ordering::Relaxed);
        tracing::info!(subscription = %id, ?honored, "subscription opened");
        registry
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                key,
                Listener {
                    owner: grant.map(|g| g.auth_session_id().into()),
                    id,
                    honored,
                    tx,
                },
            );
        Ok(Subscription {
            messages,
            key,
            server: self.clone(),
        })
    }
}
