//! MCP sessions: what was negotiated at `initialize`, and the server-to-client stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use compact_str::CompactString;
use futures_util::future::AbortHandle;
use tokio::sync::mpsc;

use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::mcp::LogLevel;

/// One client's session: created by `initialize`, named by `Mcp-Session-Id` over HTTP.
#[derive(Debug)]
pub struct Session {
    id: Option<Arc<str>>,
    negotiated: OnceLock<Negotiated>,
    initialized: AtomicBool,
    /// The auth session that created it, when authorization is on.
    owner: OnceLock<CompactString>,
    /// Milliseconds since the manager's epoch, for idle expiry.
    last_seen: AtomicU64,
    /// The least severe log level the client wants (`logging/setLevel`); `NO_LEVEL` until set.
    log_level: AtomicU8,
    activity: Mutex<Activity>,
}

/// What comes and goes with a session's stream and requests, under one lock. Most sessions never
/// open a stream, subscribe, or run a request in a task of its own, so this stays at 16 bytes and
/// no allocation (four locks of their own, a `HashMap` among them, took 136 bytes of every
/// session: about a tenth of a signed-in user's memory).
#[derive(Debug, Default)]
struct Activity {
    /// The open GET stream, if any.
    stream: Option<mpsc::Sender<Bytes>>,
    /// Allocated when first needed, released when empty again.
    busy: Option<Box<Busy>>,
}

#[derive(Debug, Default)]
struct Busy {
    /// The requests running in tasks of their own, which `notifications/cancelled` can stop.
    running: HashMap<RequestId, AbortHandle>,
    /// The resources the client subscribed to (`resources/subscribe`).
    subscribed: Vec<Box<str>>,
    /// The progress tokens of the requests in progress (as JSON text): unique while they run.
    progress_tokens: Vec<String>,
}

impl Activity {
    fn busy(&mut self) -> &mut Busy {
        self.busy.get_or_insert_default()
    }

    fn release_if_idle(&mut self) {
        if self.busy.as_ref().is_some_and(|b| {
            b.running.is_empty() && b.subscribed.is_empty() && b.progress_tokens.is_empty()
        }) {
            self.busy = None;
        }
    }
}

/// The most resources one session may subscribe to: each is a string kept while it lives.
const MAX_SUBSCRIPTIONS: usize = 1_000;
const NO_LEVEL: u8 = u8::MAX;

/// What `initialize` settled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Negotiated {
    pub(crate) version: ProtocolVersion,
    pub(crate) url_elicitation: bool,
    /// Whether the client can be asked to fill in a form, or to sample its model.
    pub(crate) form_elicitation: bool,
    pub(crate) sampling: bool,
    pub(crate) roots: bool,
}

impl Default for Session {
    /// A session without an ID, as stdio has; also what tests and custom transports use to drive
    /// [`Server::handle_incoming`](crate::Server::handle_incoming) directly.
    fn default() -> Self {
        Self::with_id(None)
    }
}

impl Session {
    fn with_id(id: Option<Arc<str>>) -> Self {
        Self {
            id,
            negotiated: OnceLock::new(),
            initialized: AtomicBool::new(false),
            owner: OnceLock::new(),
            last_seen: AtomicU64::new(0),
            log_level: AtomicU8::new(NO_LEVEL),
            activity: Mutex::default(),
        }
    }

    /// The session ID (`Mcp-Session-Id`), if the transport uses one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// A prefix of the ID for logs: enough to correlate lines, too short to hijack the session.
    pub(crate) fn log_id(&self) -> &str {
        self.id
            .as_deref()
            .map_or("stdio", |id| &id[..id.len().min(8)])
    }

    pub(crate) fn id_arc(&self) -> Option<Arc<str>> {
        self.id.clone()
    }

    /// The negotiated protocol revision, once `initialize` succeeded.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.negotiated.get().map(|n| n.version)
    }

    /// What `initialize` settled, once it did.
    pub(crate) fn negotiated(&self) -> Option<Negotiated> {
        self.negotiated.get().copied()
    }

    /// Whether the client declared URL-mode elicitation.
    pub fn supports_url_elicitation(&self) -> bool {
        self.negotiated.get().is_some_and(|n| n.url_elicitation)
    }

    /// Records the outcome of `initialize`; `false` if the session was already initialized.
    pub(crate) fn negotiate(&self, negotiated: Negotiated) -> bool {
        self.negotiated.set(negotiated).is_ok()
    }

    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Relaxed);
    }

    /// Binds the session to the auth session that created it.
    pub(crate) fn bind_owner(&self, auth_session_id: &str) {
        let _ = self.owner.set(auth_session_id.into());
    }

    /// The auth session that created this MCP session, if authorization is on.
    pub fn owner(&self) -> Option<&str> {
        self.owner.get().map(CompactString::as_str)
    }

    /// Whether the client sent `notifications/initialized`.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Relaxed)
    }

    fn activity(&self) -> std::sync::MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the server-to-client stream; `None` while another one is open.
    pub(crate) fn open_stream(&self, capacity: usize) -> Option<mpsc::Receiver<Bytes>> {
        let mut activity = self.activity();
        if activity.stream.as_ref().is_some_and(|tx| !tx.is_closed()) {
            return None;
        }
        let (tx, rx) = mpsc::channel(capacity);
        activity.stream = Some(tx);
        Some(rx)
    }

    /// Queues a message on the server-to-client stream; `false` when no stream is open or it is
    /// full (notifications are best effort).
    pub(crate) fn notify(&self, message: Bytes) -> bool {
        let activity = self.activity();
        let stream = activity.stream.as_ref();
        stream.is_some_and(|tx| tx.try_send(message).is_ok())
    }

    /// Ends the server-to-client stream, if one is open.
    pub(crate) fn close_stream(&self) {
        self.activity().stream.take();
    }

    /// Subscribes to updates of `uri`; `false` when the session holds too many subscriptions.
    pub(crate) fn subscribe(&self, uri: &str) -> bool {
        let mut activity = self.activity();
        let subscribed = &mut activity.busy().subscribed;
        if subscribed.iter().any(|u| &**u == uri) {
            return true;
        }
        if subscribed.len() >= MAX_SUBSCRIPTIONS {
            return false;
        }
        subscribed.push(uri.into());
        true
    }

    /// Ends the subscription to `uri`, if there is one.
    pub(crate) fn unsubscribe(&self, uri: &str) {
        let mut activity = self.activity();
        if let Some(busy) = &mut activity.busy {
            busy.subscribed.retain(|u| &**u != uri);
        }
        activity.release_if_idle();
    }

    /// Whether the session subscribed to `uri`.
    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        let activity = self.activity();
        let busy = activity.busy.as_deref();
        busy.is_some_and(|b| b.subscribed.iter().any(|u| &**u == uri))
    }

    /// Records that request `id` runs, abortable by `handle`, until [`untrack`](Self::untrack).
    pub(crate) fn track(&self, id: RequestId, handle: AbortHandle) {
        self.activity().busy().running.insert(id, handle);
    }

    /// Request `id` finished.
    pub(crate) fn untrack(&self, id: &RequestId) {
        self.stop_tracking(id);
    }

    /// Stops request `id` (`notifications/cancelled`): its task is aborted, and it sends no
    /// response. `false` when no such request runs (unknown, finished, or not in a task).
    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        let handle = self.stop_tracking(id);
        handle.map(|h| h.abort()).is_some()
    }

    fn stop_tracking(&self, id: &RequestId) -> Option<AbortHandle> {
        let mut activity = self.activity();
        let handle = activity.busy.as_mut()?.running.remove(id);
        activity.release_if_idle();
        handle
    }

    /// Claims `token` for a request in progress; `None` when another request of the session
    /// uses it. The claim ends when the returned guard is dropped.
    pub(crate) fn claim_progress_token(
        &self,
        token: &serde_json::Value,
    ) -> Option<ProgressClaim<'_>> {
        let text = token.to_string();
        let mut activity = self.activity();
        let tokens = &mut activity.busy().progress_tokens;
        if tokens.contains(&text) {
            return None;
        }
        tokens.push(text.clone());
        Some(ProgressClaim {
            session: self,
            token: text,
        })
    }

    /// Sets the least severe log level the client wants.
    pub(crate) fn set_log_level(&self, level: LogLevel) {
        self.log_level.store(level as u8, Ordering::Relaxed);
    }

    /// The least severe log level the client asked for, if it did.
    pub fn log_level(&self) -> Option<LogLevel> {
        LogLevel::from_index(self.log_level.load(Ordering::Relaxed))
    }
}

/// A progress token in use by a request in progress, released when dropped.
#[derive(Debug)]
pub(crate) struct ProgressClaim<'a> {
    session: &'a Session,
    token: String,
}

impl Drop for ProgressClaim<'_> {
    fn drop(&mut self) {
        let mut activity = self.session.activity();
        if let Some(busy) = &mut activity.busy {
            busy.progress_tokens.retain(|t| *t != self.token);
        }
        activity.release_if_idle();
    }
}

/// The live sessions of an HTTP server.
#[derive(Debug)]
pub(crate) struct SessionManager {
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    epoch: Instant,
    idle_timeout: Duration,
    max_sessions: usize,
}

/// The session limit is reached.
#[derive(Debug)]
pub(crate) struct TooManySessions;

impl SessionManager {
    pub(crate) fn new(idle_timeout: Duration, max_sessions: usize) -> Self {
        Self {
            sessions: RwLock::new(HashMap::new()),
            epoch: Instant::now(),
            idle_timeout,
            max_sessions,
        }
    }

    /// A new session with a fresh unguessable ID (256 random bits), not yet registered.
    pub(crate) fn new_session(&self) -> Session {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source is available");
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let session = Session::with_id(Some(id.into()));
        self.touch(&session);
        session
    }

    /// Registers a session that completed `initialize`.
    pub(crate) fn insert(&self, session: Arc<Session>) -> Result<(), TooManySessions> {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.max_sessions {
            return Err(TooManySessions);
        }
        let id = session.id_arc().expect("HTTP sessions have IDs");
        sessions.insert(id, session);
        Ok(())
    }

    pub(crate) fn is_full(&self) -> bool {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
            >= self.max_sessions
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()?;
        self.touch(&session);
        Some(session)
    }

    pub(crate) fn remove(&self, id: &str) -> Option<Arc<Session>> {
        let session = self
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)?;
        session.close_stream();
        Some(session)
    }

    pub(crate) fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Ends sessions idle longer than the timeout; returns how many.
    pub(crate) fn reap_idle(&self) -> usize {
        let now = self.now_ms();
        let limit = self.idle_timeout.as_millis() as u64;
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        let before = sessions.len();
        sessions.retain(|_, s| {
            let keep = now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) < limit;
            if !keep {
                s.close_stream();
            }
            keep
        });
        before - sessions.len()
    }

    /// Sends `message` on the stream of every session created by auth session `owner` that
    /// `wants` it; returns how many took it. A scan: it runs once per app authorization, not per
    /// request.
    pub(crate) fn notify_owner(
        &self,
        owner: &str,
        message: &Bytes,
        wants: impl Fn(&Session) -> bool,
    ) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.owner() == Some(owner) && wants(s))
            .filter(|s| s.notify(message.clone()))
            .count()
    }

    /// Sends `message` on the stream of every session subscribed to `uri`; returns how many
    /// took it.
    pub(crate) fn notify_subscribers(&self, uri: &str, message: &Bytes) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|s| s.is_subscribed(uri))
            .filter(|s| s.notify(message.clone()))
            .count()
    }

    /// Closes every open stream, so graceful shutdown is not held up by idle listeners.
    pub(crate) fn close_streams(&self) {
        for session in self
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            session.close_stream();
        }
    }

    fn touch(&self, session: &Session) {
        session.last_seen.store(self.now_ms(), Ordering::Relaxed);
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_url_safe() {
        let m = SessionManager::new(Duration::from_secs(60), 10);
        let a = m.new_session();
        let b = m.new_session();
        assert_ne!(a.id(), b.id());
        let id = a.id().unwrap();
        assert_eq!(id.len(), 43);
        assert!(
            id.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn what_requests_and_subscriptions_used_is_released_when_they_end() {
        let session = Session::default();
        let idle = |s: &Session| s.activity().busy.is_none();
        assert!(idle(&session));
        #[cfg(target_pointer_width = "64")]
        assert_eq!(std::mem::size_of::<Activity>(), 16);

        let (one, two) = (RequestId::Number(1), RequestId::String("2".into()));
        let (abort_one, _) = AbortHandle::new_pair();
        let (abort_two, _) = AbortHandle::new_pair();
        session.track(one.clone(), abort_one.clone());
        session.track(two.clone(), abort_two);
        // An id reused while it runs replaces the first.
        session.track(one.clone(), abort_one);
        assert_eq!(session.activity().busy().running.len(), 2);
        assert!(session.cancel(&one));
        assert!(!session.cancel(&one), "cancelled once");
        session.untrack(&two);
        assert!(idle(&session));

        assert!(session.subscribe("file:///a"));
        let claim = session.claim_progress_token(&serde_json::json!("t"));
        assert!(claim.is_some());
        assert!(
            session
                .claim_progress_token(&serde_json::json!("t"))
                .is_none()
        );
        assert!(session.is_subscribed("file:///a"));
        session.unsubscribe("file:///a");
        assert!(!session.is_subscribed("file:///a"));
        assert!(!idle(&session), "a progress token is still claimed");
        drop(claim);
        assert!(idle(&session));
    }

    #[test]
    fn limit_and_idle_expiry() {
        let m = SessionManager::new(Duration::ZERO, 1);
        let s = Arc::new(m.new_session());
        let id = s.id().unwrap().to_owned();
        m.insert(s).unwrap();
        assert!(m.insert(Arc::new(m.new_session())).is_err());
        assert!(m.get(&id).is_some());
        assert_eq!(m.reap_idle(), 1);
        assert!(m.get(&id).is_none());
    }

    #[test]
    fn one_stream_at_a_time() {
        let s = Session::default();
        let rx = s.open_stream(1).unwrap();
        assert!(s.open_stream(1).is_none());
        drop(rx);
        assert!(
            s.open_stream(1).is_some(),
            "a closed stream can be replaced"
        );
    }
}
