//! Progressive authorization: an app with its own OAuth provider (Slack, GitHub, a CRM's IdP...)
//! is authorized for an auth session the first time one of its tools needs it, and its tokens are
//! kept in the [token vault](crate::vault) under that session. The session token the client holds
//! never changes; the vault grows.
//!
//! The MCP runtime asks [`Progressive::app_access`] before a tool of such an app runs (one vault
//! read). When the answer is [`AppAccess::Required`], it hands the client
//! [`Progressive::authorization_url`]: a link to `/oauth/authorize?app=…&scope=…&ticket=…` whose
//! ticket is signed, short-lived, single-use and bound to the auth session and its user. The user
//! signs in as that same user (or is remembered), goes to the provider, and the callback
//! (`/oauth/callback/{app}`) puts the tokens in the vault and publishes an
//! [`AuthEvent::AppAuthorized`].
//!
//! Inside the tool, [`Progressive::fresh_app_token`] refreshes the token before it expires; when
//! the provider refuses the refresh, the entry is dropped and the app must be authorized again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::apps::{AuthApp, UpstreamApp};
use crate::events::{AuthEvent, Events};
use crate::store::Store;
use crate::tokens::{TokenSigner, now_secs};
use crate::upstream::{ProviderEndpoints, UpstreamClient, UpstreamTokens};
use crate::vault::entry::grants;
use crate::vault::{CorruptReason, TokenVault, VaultEntry, VaultError};

mod link;
mod provider;
mod refresh;

pub(crate) use provider::RedeemError;

/// Whether an auth session may use an app with its own provider right now.
#[derive(Debug, Clone)]
pub enum AppAccess {
    /// The vault holds the app's tokens with every scope needed.
    Granted(VaultEntry),
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
    pub fn again<'a>(held: impl Iterator<Item = &'a str> + Clone, needed: &[String]) -> Self {
        Self {
            missing_scopes: needed.to_vec(),
            request_scopes: union(held, needed),
        }
    }
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

/// The scopes `needed` that `granted` lacks (as [`grants`] tells).
pub(crate) fn missing<'g>(
    needed: &[String],
    granted: impl Iterator<Item = &'g str> + Clone,
) -> Vec<String> {
    needed
        .iter()
        .filter(|s| !grants(granted.clone(), s))
        .cloned()
        .collect()
}

/// `a` then the scopes of `b` not in `a`.
pub(crate) fn union<'a>(a: impl Iterator<Item = &'a str> + Clone, b: &[String]) -> Vec<String> {
    let mut all: Vec<String> = a.clone().map(str::to_owned).collect();
    all.extend(missing(b, a));
    all
}

/// A vault entry for tokens a provider just issued, for a session ending at `session_ends_at`.
pub(crate) fn entry_from(
    tokens: UpstreamTokens,
    requested: &[String],
    provider: &str,
    previous_refresh: Option<&str>,
    session_ends_at: u64,
) -> VaultEntry {
    let now = now_secs();
    VaultEntry::builder(&tokens.access_token, provider)
        .scopes(tokens.granted_scopes(requested))
        // A provider's number: an absurd one means no expiry rather than an overflow.
        .expires_at(tokens.expires_in.map(|s| now.saturating_add(s)))
        // A provider that does not rotate refresh tokens keeps the old one valid.
        .refresh_token(tokens.refresh_token.as_deref().or(previous_refresh))
        .obtained_at(now)
        .session_ends_at(Some(session_ends_at))
        .build()
}

/// How long the store keeps `entry`: until its session ends.
pub(crate) fn vault_ttl(entry: &VaultEntry) -> Option<Duration> {
    entry
        .session_ends_at()
        .map(|end| Duration::from_secs(end.saturating_sub(now_secs()).max(1)))
}

/// Progressive authorization as the MCP runtime sees it: whether a session holds an app, the
/// links that authorize one, the tickets in them, the apps' providers, refreshing their tokens,
/// and the events that say an app came or went.
pub struct Progressive {
    /// Whose links and tickets these are.
    issuer: String,
    /// The apps with their own provider, by ID.
    providers: HashMap<String, Provider>,
    /// The apps left out of the server's consent screen, authorized at their own entry point.
    outside_parent: Vec<String>,
    ticket_ttl: Duration,
    /// How long an auth session lasts, for entries that do not say.
    session_ttl: Duration,
    /// How long each request to a provider may take.
    upstream_timeout: Duration,
    signer: Arc<TokenSigner>,
    store: Arc<dyn Store>,
    /// Present when an app has its own provider.
    vault: Option<TokenVault>,
    upstream: UpstreamClient,
    events: Events,
}

/// An app's provider, and its endpoints once known.
struct Provider {
    app: UpstreamApp,
    /// Discovered on first use (a failure is retried next time), unless configured.
    endpoints: OnceCell<ProviderEndpoints>,
}

impl std::fmt::Debug for Progressive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progressive")
            .field("apps", &self.providers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What [`Progressive`] is built from, besides the shared services.
pub(crate) struct Settings<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) apps: &'a [AuthApp],
    pub(crate) ticket_ttl: Duration,
    pub(crate) session_ttl: Duration,
    pub(crate) upstream_timeout: Duration,
}

impl Progressive {
    /// Progressive authorization for `settings.apps`, keeping their tokens in a vault over
    /// `store` sealed with `keys` when any has its own provider.
    pub(crate) fn new(
        settings: Settings<'_>,
        signer: Arc<TokenSigner>,
        store: Arc<dyn Store>,
        keys: crate::vault::VaultKeys,
        upstream: UpstreamClient,
        events: Events,
    ) -> Self {
        let providers: HashMap<String, Provider> = settings
            .apps
            .iter()
            .filter_map(|a| {
                let app = a.upstream.clone()?;
                Some((
                    a.id.clone(),
                    Provider {
                        app,
                        endpoints: OnceCell::new(),
                    },
                ))
            })
            .collect();
        let vault = (!providers.is_empty()).then(|| TokenVault::new(store.clone(), keys));
        Self {
            issuer: settings.issuer.to_owned(),
            providers,
            outside_parent: settings
                .apps
                .iter()
                .filter(|a| !a.in_parent)
                .map(|a| a.id.clone())
                .collect(),
            ticket_ttl: settings.ticket_ttl,
            session_ttl: settings.session_ttl,
            upstream_timeout: settings.upstream_timeout,
            signer,
            store,
            vault,
            upstream,
            events,
        }
    }

    /// The vault, when an app has its own provider.
    fn vault(&self) -> Option<&TokenVault> {
        self.vault.as_ref()
    }

    /// App `app_id`'s provider, if it has one.
    pub(crate) fn provider(&self, app_id: &str) -> Option<&UpstreamApp> {
        self.providers.get(app_id).map(|p| &p.app)
    }

    /// Whether session `session_id` holds app `app_id`'s tokens with every scope of `needed`.
    /// One vault read. An entry that does not open (altered bytes, not a vault record) is
    /// deleted and logged, and the app must be authorized again. Callers check
    /// [`AuthApp::needs_upstream`] first: apps covered by
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
                let lacking = missing(needed, entry.scopes());
                if lacking.is_empty() {
                    Ok(AppAccess::Granted(entry))
                } else {
                    Ok(AppAccess::Required(AuthorizationRequired {
                        request_scopes: union(entry.scopes(), needed),
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
        self.provider(app_id)
            .map(|p| p.scopes.clone())
            .unwrap_or_default()
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
        // The latest word: another process may have refreshed since the rejected token was read.
        let dropped = match vault.get_fresh(session_id, app_id).await? {
            Some(held) if held.access_token() == rejected => {
                vault.delete(session_id, app_id).await?
            }
            _ => false,
        };
        if dropped {
            self.revoked(session_id, app_id).await;
        }
        Ok(dropped)
    }

    /// Tells every process that session `session_id` no longer holds app `app_id`.
    pub(crate) async fn revoked(&self, session_id: &str, app_id: &str) {
        self.events
            .publish(AuthEvent::AppRevoked {
                session_id: session_id.to_owned(),
                app: app_id.to_owned(),
            })
            .await;
    }
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
            missing(&s(&["a", "b"]), ["b", "c"].into_iter()),
            s(&["a"]),
            "what is needed and not granted"
        );
        assert_eq!(
            missing(&s(&["b c", "", "a c"]), ["b", "c"].into_iter()),
            s(&["a c"]),
            "a scope with spaces names several"
        );
        assert_eq!(
            union(["b", "c"].into_iter(), &s(&["a", "b"])),
            s(&["b", "c", "a"])
        );
    }
}
