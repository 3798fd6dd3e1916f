//! Progressive authorization: an app with its own OAuth provider (Slack, GitHub, a CRM's IdP...)
//! is authorized for an auth session the first time one of its tools needs it, and its tokens are
//! kept in the [token vault](crate::vault) under that session. The session token the client holds
//! never changes; the vault grows.
//!
//! The MCP runtime asks [`AuthServer::app_access`] before a tool of such an app runs (one vault
//! read). When the answer is [`AppAccess::Required`], it hands the client
//! [`AuthServer::authorization_url`]: a link to `/oauth/authorize?app=…&scope=…&ticket=…` whose
//! ticket is signed, short-lived, single-use and bound to the auth session and its user. The user
//! signs in as that same user (or is remembered), goes to the provider, and the callback
//! (`/oauth/callback/{app}`) puts the tokens in the vault and publishes an
//! [`AuthEvent::AppAuthorized`].
//!
//! Inside the tool, [`AuthServer::fresh_app_token`] refreshes the token before it expires; when
//! the provider refuses the refresh, the entry is dropped and the app must be authorized again.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::oauth::{AuthApp, AuthServer};
use crate::random;
use crate::store::{Namespace, StoreError};
use crate::tokens::{TokenError, now_secs};
use crate::upstream::{ClientCredentials, ProviderEndpoints, UpstreamError, UpstreamTokens};
use crate::vault::{CorruptReason, TokenVault, VaultEntry, VaultError};

/// An app's OAuth provider, as the server reaches it.
#[derive(Debug, Clone)]
pub struct UpstreamApp {
    /// The provider's base URL (its issuer); endpoints are discovered from its metadata unless
    /// [`endpoints`](Self::endpoints) gives them.
    pub provider: String,
    /// The scopes the app may ask for.
    pub scopes: Vec<String>,
    /// The server's client registration at the provider.
    pub credentials: ClientCredentials,
    /// The provider's endpoints, when they are configured rather than discovered.
    pub endpoints: Option<ProviderEndpoints>,
}

/// Whether an auth session may use an app with its own provider right now.
#[derive(Debug, Clone)]
pub enum AppAccess {
    /// The vault holds the app's tokens with every scope needed.
    Granted(Arc<VaultEntry>),
    /// The user must authorize the app (again, or with more scopes).
    Required(AuthorizationRequired),
}

/// What an authorization must obtain before a tool can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequired {
    /// The scopes the tool needs that the vault does not hold (the seed's `required_scopes`).
    pub missing_scopes: Vec<String>,
    /// The scopes to ask the provider for: those already granted plus the missing ones, so an
    /// upgraded grant still covers the tools that worked before.
    pub request_scopes: Vec<String>,
}

impl AppTokenError {
    fn unavailable(app: &str, reason: impl ToString) -> Self {
        Self::Unavailable {
            app: app.to_owned(),
            reason: reason.to_string(),
        }
    }
}

impl AuthorizationRequired {
    /// For a grant found gone during a call (refresh refused, token rejected by the provider):
    /// the tool's scopes are missing, and the new authorization asks for what was held too.
    pub fn again(held: &[String], needed: &[String]) -> Self {
        Self {
            missing_scopes: needed.to_vec(),
            request_scopes: union(held, needed),
        }
    }
}

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

/// Why an app's token could not be handed to a tool.
#[derive(Debug, thiserror::Error)]
pub enum AppTokenError {
    /// The grant is gone (the provider refused the refresh, or the token expired without a
    /// refresh token): the entry was dropped and the user must authorize the app again.
    #[error("the authorization of app `{app}` is no longer valid: {reason}")]
    Reauthorize {
        /// The app.
        app: String,
        /// Why.
        reason: String,
    },
    /// The provider or the store could not be reached; the entry is kept, try again later.
    #[error("app `{app}`'s token cannot be refreshed right now: {reason}")]
    Unavailable {
        /// The app.
        app: String,
        /// Why.
        reason: String,
    },
}

/// A token is refreshed when it expires within this margin, so it does not die mid-call.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// An event as it travels between processes.
#[derive(Serialize, Deserialize)]
struct EventMessage {
    /// The publishing process, which does not hear its own messages twice.
    origin: String,
    event: AuthEvent,
}

/// The `typ` of authorization tickets: they cannot pass for any other token of the server.
const TICKET_TYP: &str = "frontmcp-app-ticket+jwt";

/// The claims of an authorization ticket: which session and user a link authorizes which app
/// for. Signed by the server; single use by `jti`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TicketClaims {
    pub(crate) iss: String,
    pub(crate) aud: String,
    /// The user the session belongs to.
    pub(crate) sub: String,
    pub(crate) iat: u64,
    pub(crate) exp: u64,
    pub(crate) jti: String,
    /// The auth session.
    pub(crate) sid: String,
    pub(crate) app: String,
    pub(crate) scope: Vec<String>,
    /// The MCP URL elicitation the link was sent in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) eid: Option<String>,
    /// The tool that asked for the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tool: Option<String>,
}

/// The scopes `needed` that `granted` lacks.
pub(crate) fn missing(needed: &[String], granted: &[String]) -> Vec<String> {
    needed
        .iter()
        .filter(|s| !granted.contains(s))
        .cloned()
        .collect()
}

/// `a` then the scopes of `b` not in `a`.
pub(crate) fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut all = a.to_vec();
    all.extend(missing(b, a));
    all
}

/// A vault entry for tokens a provider just issued, for a session ending at `session_ends_at`.
pub(crate) fn entry_from(
    tokens: UpstreamTokens,
    requested: &[String],
    provider: &str,
    previous_refresh: Option<String>,
    session_ends_at: u64,
) -> VaultEntry {
    let now = now_secs();
    VaultEntry {
        scopes: tokens.granted_scopes(requested),
        expires_at: tokens.expires_in.map(|s| now + s),
        access_token: tokens.access_token,
        // A provider that does not rotate refresh tokens keeps the old one valid.
        refresh_token: tokens.refresh_token.or(previous_refresh),
        provider: provider.to_owned(),
        obtained_at: now,
        session_ends_at: Some(session_ends_at),
    }
}

/// How long the store keeps `entry`: until its session ends.
pub(crate) fn vault_ttl(entry: &VaultEntry) -> Option<Duration> {
    entry
        .session_ends_at
        .map(|end| Duration::from_secs(end.saturating_sub(now_secs()).max(1)))
}

impl AuthServer {
    pub(crate) fn vault(&self) -> Option<&TokenVault> {
        self.inner.vault.as_ref()
    }

    /// Listens for [`AuthEvent`]s of this process.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.inner.events.subscribe()
    }

    /// Tells this process's subscribers about `event`, and the other processes sharing the
    /// store (which pass it to theirs).
    pub(crate) async fn publish(&self, event: AuthEvent) {
        if !self.inner.store.is_local() {
            let message = EventMessage {
                origin: self.inner.origin.clone(),
                event: event.clone(),
            };
            let bytes = serde_json::to_vec(&message).expect("events serialize");
            if let Err(e) = self.inner.store.publish(&bytes).await {
                tracing::warn!(error = %e, "event not published to the other processes");
            }
        }
        self.inner.heard(event);
    }

    /// Passes the events other processes publish on the store to this process's subscribers.
    pub(crate) fn relay_remote_events(&self) {
        let Some(mut remote) = self.inner.store.subscribe() else {
            return;
        };
        // Weak: the relay ends with the server (and its subscription with it).
        let server = std::sync::Arc::downgrade(&self.inner);
        let origin = self.inner.origin.clone();
        tokio::spawn(async move {
            loop {
                let received = remote.recv().await;
                let Some(server) = server.upgrade() else {
                    break;
                };
                match received {
                    Ok(bytes) => match serde_json::from_slice::<EventMessage>(&bytes) {
                        Ok(message) if message.origin != origin => server.heard(message.event),
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

    /// Whether session `session_id` holds app `app_id`'s tokens with every scope of `needed`.
    /// One vault read. An entry that does not open (altered bytes, not a vault record) is
    /// deleted and logged, and the app must be authorized again. Callers check
    /// [`AuthApp::needs_upstream`](crate::oauth::AuthApp::needs_upstream) first: apps covered by
    /// the sign-in have no vault entry.
    ///
    /// # Errors
    ///
    /// [`VaultError::NoVault`] when no app has its own provider; [`VaultError::Store`] when the
    /// store does not answer; [`VaultError::Corrupt`] for an entry
    /// sealed under a key id the ring lacks or a newer format (left in place: the key ring is
    /// probably being rotated or misconfigured).
    pub async fn app_access(
        &self,
        session_id: &str,
        app_id: &str,
        needed: &[String],
    ) -> Result<AppAccess, VaultError> {
        let vault = self.vault().ok_or(VaultError::NoVault)?;
        let held = match vault.get(session_id, app_id).await {
            Ok(held) => held,
            // Sealed under a key or a format this process does not have (a key ring being
            // rotated, a newer version rolling out): another process may read it, so it stays.
            Err(
                e @ VaultError::Corrupt {
                    reason: CorruptReason::UnknownKey { .. } | CorruptReason::UnsupportedVersion(_),
                    ..
                },
            ) => return Err(e),
            Err(e @ VaultError::Corrupt { .. }) => {
                tracing::error!(error = %e, "dropping a vault entry that cannot be opened");
                if vault.delete(session_id, app_id).await? {
                    self.revoked(session_id, app_id).await;
                }
                None
            }
            Err(e) => return Err(e),
        };
        match held {
            Some(entry) => {
                let lacking = missing(needed, &entry.scopes);
                if lacking.is_empty() {
                    Ok(AppAccess::Granted(entry))
                } else {
                    Ok(AppAccess::Required(AuthorizationRequired {
                        request_scopes: union(&entry.scopes, needed),
                        missing_scopes: lacking,
                    }))
                }
            }
            None => Ok(AppAccess::Required(AuthorizationRequired {
                missing_scopes: needed.to_vec(),
                request_scopes: self.default_scopes(app_id, needed),
            })),
        }
    }

    /// A first authorization asks for what the tool needs, or the app's scopes when the tool
    /// names none (least privilege, as the seeds advise).
    fn default_scopes(&self, app_id: &str, needed: &[String]) -> Vec<String> {
        if !needed.is_empty() {
            return needed.to_vec();
        }
        self.inner
            .config
            .app(app_id)
            .map(AuthApp::upstream_scopes)
            .unwrap_or_default()
    }

    /// The link that authorizes `app_id` with `scopes` for session `session_id` of user `sub`,
    /// asked for by `tool` (which the app's card then names):
    /// `{issuer}/oauth/authorize?app=…&scope=…&ticket=…` (or the app's own entry point
    /// `/{app}/oauth/authorize` when it is left out of the server's consent screen). The ticket
    /// is signed, expires after [`ticket_ttl`](crate::oauth::AuthConfig::ticket_ttl), opens one
    /// flow only, and only for `sub`. No store access.
    pub fn authorization_url(
        &self,
        session_id: &str,
        sub: &str,
        app_id: &str,
        scopes: &[String],
        tool: Option<&str>,
        elicitation_id: Option<&str>,
    ) -> String {
        let config = &self.inner.config;
        let now = now_secs();
        let claims = TicketClaims {
            iss: config.issuer.clone(),
            aud: self.ticket_audience(),
            sub: sub.to_owned(),
            iat: now,
            exp: now + config.ticket_ttl.as_secs(),
            jti: random::id(),
            sid: session_id.to_owned(),
            app: app_id.to_owned(),
            scope: scopes.to_vec(),
            eid: elicitation_id.map(str::to_owned),
            tool: tool.map(str::to_owned),
        };
        let ticket = self.inner.signer.sign_typed(TICKET_TYP, &claims);
        let path = match config.app(app_id) {
            Some(app) if !app.in_parent => format!("/{app_id}/oauth/authorize"),
            _ => "/oauth/authorize".to_owned(),
        };
        let mut url = url::Url::parse(&format!("{}{path}", config.issuer))
            .expect("the issuer is an absolute URL");
        url.query_pairs_mut()
            .append_pair("app", app_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("ticket", &ticket);
        url.into()
    }

    fn ticket_audience(&self) -> String {
        format!("{}/oauth/authorize", self.inner.config.issuer)
    }

    /// Verifies a ticket's signature, issuer, audience and expiry (not its single use).
    pub(crate) fn verify_ticket(&self, ticket: &str) -> Result<TicketClaims, TokenError> {
        self.inner.signer.verify_typed(
            TICKET_TYP,
            ticket,
            &self.inner.config.issuer,
            &self.ticket_audience(),
        )
    }

    /// The claims of a ticket that verifies but for its expiry: what an expired link was for,
    /// to tell the user where that app stands.
    pub(crate) fn expired_ticket(&self, ticket: &str) -> Option<TicketClaims> {
        self.inner
            .signer
            .verify_expired_typed(
                TICKET_TYP,
                ticket,
                &self.inner.config.issuer,
                &self.ticket_audience(),
            )
            .ok()
    }

    /// Whether the ticket `id` was used already.
    pub(crate) async fn ticket_used(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .store
            .get(Namespace::TicketUsed, id)
            .await?
            .is_some())
    }

    /// Marks the ticket `id` (expiring at `exp`) used until it expires; `Ok(false)` when it
    /// already was.
    pub(crate) async fn use_ticket(&self, id: &str, exp: u64) -> Result<bool, StoreError> {
        let ttl = Duration::from_secs(exp.saturating_sub(now_secs()).max(1));
        self.inner
            .store
            .put_new(Namespace::TicketUsed, id, b"1", Some(ttl))
            .await
    }

    /// The endpoints of app `app_id`'s provider: configured, or discovered once and cached (a
    /// failed discovery is tried again next time).
    pub(crate) async fn provider_endpoints(
        &self,
        app_id: &str,
    ) -> Result<&ProviderEndpoints, UpstreamError> {
        let (Some(cell), Some(upstream)) = (
            self.inner.endpoints.get(app_id),
            self.inner
                .config
                .app(app_id)
                .and_then(|a| a.upstream.as_ref()),
        ) else {
            return Err(UpstreamError::Discovery(format!("app `{app_id}`")));
        };
        cell.get_or_try_init(|| async {
            match &upstream.endpoints {
                Some(endpoints) => Ok(endpoints.clone()),
                None => self.inner.upstream.discover(&upstream.provider).await,
            }
        })
        .await
    }

    /// App `app_id`'s token, refreshed first when it expires within a minute. `current` is what
    /// the vault held when the call started. One provider request and one vault write when it
    /// refreshes; nothing otherwise. Refreshes of one entry are serialized across processes (a
    /// short lock in the store), because rotating refresh tokens work once.
    ///
    /// # Errors
    ///
    /// [`AppTokenError::Reauthorize`] when the grant is gone (the entry is dropped),
    /// [`AppTokenError::Unavailable`] when the provider or the store does not answer.
    pub async fn fresh_app_token(
        &self,
        session_id: &str,
        app_id: &str,
        current: &Arc<VaultEntry>,
    ) -> Result<Arc<VaultEntry>, AppTokenError> {
        if !needs_refresh(current) {
            return Ok(current.clone());
        }
        let unavailable = |reason: String| AppTokenError::unavailable(app_id, reason);
        let vault = self
            .vault()
            .ok_or_else(|| unavailable("the server keeps no vault".into()))?;
        let lock = format!("{session_id}/{app_id}");
        let store = &self.inner.store;
        // The holder discovers (at most 4 requests), refreshes (1) and writes the vault, each
        // bounded: the lock outlives the longest refresh, so it never expires under its holder,
        // and the holder's release cannot free a lock another process took. Waiters wait as long.
        let lock_ttl = self.inner.config.upstream_timeout * 6 + Duration::from_secs(5);
        let deadline = tokio::time::Instant::now() + lock_ttl;
        loop {
            if store
                .put_new(Namespace::RefreshLock, &lock, b"1", Some(lock_ttl))
                .await
                .map_err(|e| unavailable(e.to_string()))?
            {
                break;
            }
            // Another call is refreshing this entry: use its result when it lands.
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Some(entry) = self.reread(vault, session_id, app_id, current).await? {
                return Ok(entry);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(unavailable(
                    "another refresh of this token is under way".into(),
                ));
            }
        }
        let result = self
            .refresh_locked(vault, session_id, app_id, current)
            .await;
        if let Err(e) = store.delete(Namespace::RefreshLock, &lock).await {
            tracing::warn!(error = %e, "refresh lock not released; it expires on its own");
        }
        result
    }

    /// The vault's entry when it is no longer `current` (someone refreshed or re-authorized).
    async fn reread(
        &self,
        vault: &TokenVault,
        session_id: &str,
        app_id: &str,
        current: &VaultEntry,
    ) -> Result<Option<Arc<VaultEntry>>, AppTokenError> {
        match vault.get(session_id, app_id).await {
            Ok(Some(entry)) if *entry != *current => Ok(Some(entry)),
            Ok(_) => Ok(None),
            Err(e) => Err(AppTokenError::unavailable(app_id, e)),
        }
    }

    async fn refresh_locked(
        &self,
        vault: &TokenVault,
        session_id: &str,
        app_id: &str,
        current: &Arc<VaultEntry>,
    ) -> Result<Arc<VaultEntry>, AppTokenError> {
        let unavailable = |reason: String| AppTokenError::unavailable(app_id, reason);
        // The lock holder before us may have refreshed already.
        if let Some(entry) = self.reread(vault, session_id, app_id, current).await? {
            return Ok(entry);
        }
        let Some(refresh) = &current.refresh_token else {
            if current.expires_at.is_some_and(|at| at > now_secs()) {
                // No refresh token: use the token until it expires.
                return Ok(current.clone());
            }
            return self
                .drop_grant(
                    vault,
                    session_id,
                    app_id,
                    current,
                    "it expired and the provider issued no refresh token".into(),
                )
                .await;
        };
        let upstream = self
            .inner
            .config
            .app(app_id)
            .and_then(|a| a.upstream.as_ref())
            .ok_or_else(|| unavailable("the app has no provider".into()))?;
        let endpoints = self
            .provider_endpoints(app_id)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        match self
            .inner
            .upstream
            .refresh(endpoints, &upstream.credentials, refresh)
            .await
        {
            Ok(tokens) => {
                let session_ends_at = current
                    .session_ends_at
                    .unwrap_or_else(|| now_secs() + self.inner.config.refresh_token_ttl.as_secs());
                let entry = entry_from(
                    tokens,
                    &current.scopes,
                    &current.provider,
                    current.refresh_token.clone(),
                    session_ends_at,
                );
                // The provider rotated the refresh token already: the new tokens are the only
                // good ones, so the call gets them even if they cannot be kept.
                match vault
                    .put(session_id, app_id, &entry, vault_ttl(&entry))
                    .await
                {
                    Ok(()) => tracing::info!(app = app_id, "upstream token refreshed"),
                    Err(e) => {
                        tracing::error!(app = app_id, error = %e, "refreshed upstream token not kept in the vault")
                    }
                }
                Ok(Arc::new(entry))
            }
            Err(e) if e.needs_reauthorization() => {
                self.drop_grant(vault, session_id, app_id, current, e.to_string())
                    .await
            }
            Err(e) => {
                tracing::warn!(app = app_id, error = %e, "upstream refresh failed; entry kept");
                Err(unavailable(e.to_string()))
            }
        }
    }

    /// The grant behind `current` is gone: drops the entry, unless it was replaced meanwhile
    /// (a new authorization), in which case that one is used.
    async fn drop_grant(
        &self,
        vault: &TokenVault,
        session_id: &str,
        app_id: &str,
        current: &VaultEntry,
        reason: String,
    ) -> Result<Arc<VaultEntry>, AppTokenError> {
        if let Some(entry) = self.reread(vault, session_id, app_id, current).await? {
            return Ok(entry);
        }
        tracing::warn!(app = app_id, %reason, "upstream grant gone: dropping the vault entry");
        self.forget_app(session_id, app_id, &current.access_token)
            .await
            .map_err(|e| AppTokenError::unavailable(app_id, e))?;
        Err(AppTokenError::Reauthorize {
            app: app_id.to_owned(),
            reason,
        })
    }

    /// Drops session `session_id`'s tokens for app `app_id` when the vault still holds the
    /// access token `rejected` (the provider refused it): its tools answer `AUTH_REQUIRED` until
    /// it is authorized again. A newer entry (refreshed or authorized meanwhile) is kept.
    /// `Ok(true)` when it was dropped.
    ///
    /// # Errors
    ///
    /// As [`TokenVault::get`] and [`TokenVault::delete`].
    pub async fn forget_app(
        &self,
        session_id: &str,
        app_id: &str,
        rejected: &str,
    ) -> Result<bool, VaultError> {
        let Some(vault) = self.vault() else {
            return Ok(false);
        };
        let dropped = match vault.get(session_id, app_id).await? {
            Some(held) if held.access_token == rejected => vault.delete(session_id, app_id).await?,
            _ => false,
        };
        if dropped {
            self.revoked(session_id, app_id).await;
        }
        Ok(dropped)
    }

    /// Tells every process that session `session_id` no longer holds app `app_id`.
    pub(crate) async fn revoked(&self, session_id: &str, app_id: &str) {
        self.publish(AuthEvent::AppRevoked {
            session_id: session_id.to_owned(),
            app: app_id.to_owned(),
        })
        .await;
    }
}

impl crate::oauth::Inner {
    /// Acts on an event of this process or another one, then tells this process's subscribers.
    fn heard(&self, event: AuthEvent) {
        if let AuthEvent::SessionEnded { session_id } = &event {
            self.verified.forget_session(session_id);
        }
        // No subscriber is fine: nobody waits for it.
        let _ = self.events.send(event);
    }
}

/// Whether `entry` expires within [`REFRESH_MARGIN`].
fn needs_refresh(entry: &VaultEntry) -> bool {
    entry
        .expires_at
        .is_some_and(|at| at <= now_secs() + REFRESH_MARGIN.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn scope_arithmetic() {
        assert_eq!(
            missing(&s(&["a", "b"]), &s(&["b", "c"])),
            s(&["a"]),
            "what is needed and not granted"
        );
        assert_eq!(union(&s(&["b", "c"]), &s(&["a", "b"])), s(&["b", "c", "a"]));
    }

    #[test]
    fn refresh_margin() {
        let mut entry = VaultEntry {
            access_token: "a".into(),
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
            provider: "p".into(),
            obtained_at: 0,
            session_ends_at: None,
        };
        assert!(!needs_refresh(&entry), "no expiry: never refreshed");
        entry.expires_at = Some(now_secs() + 3600);
        assert!(!needs_refresh(&entry));
        entry.expires_at = Some(now_secs() + 30);
        assert!(needs_refresh(&entry));
    }
}
