//! Fault injection: make a provider misbehave on purpose, for tests.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The fault knobs of one provider. All off by default.
///
/// Set them up front with [`DemoProviderBuilder::faults`](crate::DemoProviderBuilder::faults)
/// or change them while the server runs through [`Faults`]
/// ([`RunningDemo::faults`](crate::RunningDemo::faults)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSettings {
    /// Every `POST /{id}/token` answers `500 {"error":"server_error"}`.
    pub token_server_error: bool,
    /// The next N `POST /{id}/token` requests answer 500, then the endpoint
    /// recovers (to test retries). Counts down by one per token request.
    pub fail_next_token_requests: u32,
    /// Every `POST /{id}/token` waits this long before answering (to test
    /// client timeouts). The answer that follows is the normal one (or the
    /// injected error, if another knob is on).
    pub token_delay: Option<Duration>,
    /// Every `refresh_token` grant answers `400 {"error":"invalid_grant"}`,
    /// as a provider does when the user revoked the app.
    pub refresh_invalid_grant: bool,
    /// The next `GET /{id}/authorize` (page or `demo_auto`) redirects back
    /// with `error=access_denied` at once. One-shot: cleared when used.
    pub deny_next_authorize: bool,
}

/// What the token endpoint must do for one request, taken atomically.
#[derive(Debug, Default)]
pub(crate) struct TokenFaults {
    pub(crate) delay: Option<Duration>,
    pub(crate) server_error: bool,
    pub(crate) refresh_invalid_grant: bool,
}

/// A live handle on the fault knobs of one provider of a running demo.
/// Cheap to clone; changes apply to the next request.
#[derive(Debug, Clone)]
pub struct Faults {
    provider: String,
    inner: Arc<Mutex<FaultSettings>>,
}

impl Faults {
    pub(crate) fn new(provider: &str, initial: FaultSettings) -> Self {
        Faults {
            provider: provider.to_owned(),
            inner: Arc::new(Mutex::new(initial)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FaultSettings> {
        // A panic while holding this lock cannot leave the plain-data settings
        // half-updated in a way that matters; keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The provider these knobs belong to.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> FaultSettings {
        self.lock().clone()
    }

    /// Replaces all settings at once.
    pub fn set(&self, settings: FaultSettings) {
        *self.lock() = settings;
    }

    /// Turns every fault off.
    pub fn clear(&self) {
        self.set(FaultSettings::default());
    }

    /// See [`FaultSettings::token_server_error`].
    pub fn set_token_server_error(&self, on: bool) {
        self.lock().token_server_error = on;
    }

    /// See [`FaultSettings::fail_next_token_requests`].
    pub fn fail_next_token_requests(&self, n: u32) {
        self.lock().fail_next_token_requests = n;
    }

    /// See [`FaultSettings::token_delay`]. `None` turns the delay off.
    pub fn set_token_delay(&self, delay: Option<Duration>) {
        self.lock().token_delay = delay;
    }

    /// See [`FaultSettings::refresh_invalid_grant`].
    pub fn set_refresh_invalid_grant(&self, on: bool) {
        self.lock().refresh_invalid_grant = on;
    }

    /// See [`FaultSettings::deny_next_authorize`].
    pub fn deny_next_authorize(&self) {
        self.lock().deny_next_authorize = true;
    }

    /// Reads the knobs for one token request, consuming one unit of
    /// `fail_next_token_requests`.
    pub(crate) fn take_token_faults(&self) -> TokenFaults {
        let mut s = self.lock();
        let mut server_error = s.token_server_error;
        if s.fail_next_token_requests > 0 {
            s.fail_next_token_requests -= 1;
            server_error = true;
        }
        TokenFaults {
            delay: s.token_delay,
            server_error,
            refresh_invalid_grant: s.refresh_invalid_grant,
        }
    }

    /// Consumes the one-shot `deny_next_authorize` knob.
    pub(crate) fn take_deny_next_authorize(&self) -> bool {
        std::mem::take(&mut self.lock().deny_next_authorize)
    }
}
