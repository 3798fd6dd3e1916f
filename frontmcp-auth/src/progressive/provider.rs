//! The app flow's side at the app's provider: where to send the browser, redeeming the code the
//! provider sends back into vault tokens, and revoking them there.

use super::{Progressive, entry_from, vault_ttl};
use crate::events::AuthEvent;
use crate::upstream::{ProviderEndpoints, UpstreamError};
use crate::vault::{VaultEntry, VaultError};

/// Why the provider's answer to an app flow did not authorize the app.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RedeemError {
    /// The provider could not be reached, or refused the code.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The answer names another issuer than the provider asked (RFC 9207), or none from a
    /// provider that always names itself: it may come from a mix-up attack.
    #[error("the answer does not come from the app's provider")]
    MixUp,
    /// The vault could not keep the tokens.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl Progressive {
    /// The endpoints of app `app_id`'s provider: configured, or discovered once and cached (a
    /// failed discovery is tried again next time).
    pub(crate) async fn provider_endpoints(
        &self,
        app_id: &str,
    ) -> Result<&ProviderEndpoints, UpstreamError> {
        let Some(provider) = self.providers.get(app_id) else {
            return Err(UpstreamError::Discovery(format!("app `{app_id}`")));
        };
        provider
            .endpoints
            .get_or_try_init(|| async {
                match &provider.app.endpoints {
                    Some(endpoints) => Ok(endpoints.clone()),
                    None => self.upstream.discover(&provider.app.provider).await,
                }
            })
            .await
    }

    /// Where app `app_id`'s provider sends the browser back to.
    fn callback_url(&self, app_id: &str) -> String {
        format!("{}/oauth/callback/{app_id}", self.issuer)
    }

    /// Where to send the browser to authorize app `app_id` with `scopes` at its provider, with
    /// `state`; and the PKCE verifier, which the caller keeps for [`redeem`](Self::redeem).
    pub(crate) async fn provider_authorization(
        &self,
        app_id: &str,
        scopes: &[String],
        state: &str,
    ) -> Result<(String, String), UpstreamError> {
        let endpoints = self.provider_endpoints(app_id).await?;
        let provider = &self.providers[app_id].app;
        Ok(self.upstream.authorization_url(
            endpoints,
            &provider.credentials,
            &self.callback_url(app_id),
            scopes,
            state,
            None,
        ))
    }

    /// Redeems the `code` app `app_id`'s provider sent back (naming itself `iss`) with the
    /// flow's `verifier`, and keeps the tokens, asked for with `scopes`, for session
    /// `session_id` ending at `session_ends_at`: the one write that authorizes the app. What the
    /// vault now holds (an authorization finishing after a wider one of the same app, two
    /// links at once, does not narrow it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn redeem(
        &self,
        session_id: &str,
        app_id: &str,
        code: &str,
        iss: Option<&str>,
        verifier: &str,
        scopes: &[String],
        session_ends_at: u64,
    ) -> Result<VaultEntry, RedeemError> {
        let endpoints = self.provider_endpoints(app_id).await?;
        let issuer_ok = match iss {
            Some(iss) => iss == endpoints.issuer,
            None => !endpoints.authorization_response_iss_parameter_supported,
        };
        if !issuer_ok {
            return Err(RedeemError::MixUp);
        }
        let provider = &self.providers[app_id].app;
        let tokens = self
            .upstream
            .exchange_code(
                endpoints,
                &provider.credentials,
                code,
                &self.callback_url(app_id),
                verifier,
            )
            .await?;
        let entry = entry_from(tokens, scopes, &provider.provider, None, session_ends_at);
        self.keep(session_id, app_id, &entry).await?;
        Ok(entry)
    }

    /// Puts an app's new tokens in the vault, unless it holds a wider grant of the app already.
    async fn keep(
        &self,
        session_id: &str,
        app_id: &str,
        entry: &VaultEntry,
    ) -> Result<(), VaultError> {
        let vault = self.vault().ok_or(VaultError::NoVault)?;
        // The latest word: what another process kept a moment ago must not be narrowed.
        let held = match vault.get_fresh(session_id, app_id).await {
            Ok(held) => held,
            Err(e @ VaultError::Store(_)) => return Err(e),
            // Unreadable: the new tokens replace it.
            Err(_) => None,
        };
        if let Some(held) = held.filter(|held| {
            held.scopes().count() > entry.scopes().count()
                && entry.scopes().all(|s| held.has_scope(s))
        }) {
            tracing::info!(app = app_id, held = ?held.scopes().collect::<Vec<_>>(), new = ?entry.scopes().collect::<Vec<_>>(), "kept the wider grant already in the vault");
            return Ok(());
        }
        vault
            .put(session_id, app_id, entry, vault_ttl(entry))
            .await?;
        tracing::info!(app = app_id, scopes = ?entry.scopes().collect::<Vec<_>>(), "app authorized: its tokens are in the vault");
        Ok(())
    }

    /// Tells every process that session `session_id` holds app `app_id` now, completing the URL
    /// elicitation `elicitation_id` if the link was sent in one.
    pub(crate) async fn authorized(
        &self,
        session_id: &str,
        app_id: &str,
        elicitation_id: Option<String>,
    ) {
        self.events
            .publish(AuthEvent::AppAuthorized {
                session_id: session_id.to_owned(),
                app: app_id.to_owned(),
                elicitation_id,
            })
            .await;
    }

    /// Drops session `session_id`'s tokens for app `app_id`, and revokes them at the provider
    /// (best effort: the vault entry is gone either way).
    ///
    /// # Errors
    ///
    /// As [`TokenVault::delete`](crate::vault::TokenVault::delete).
    pub(crate) async fn revoke_app(
        &self,
        session_id: &str,
        app_id: &str,
    ) -> Result<(), VaultError> {
        let Some(vault) = self.vault() else {
            return Ok(());
        };
        let entry = vault
            .get_fresh(session_id, app_id)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "revoking an entry that cannot be read");
                None
            });
        if vault.delete(session_id, app_id).await? {
            tracing::info!(app = app_id, "app revoked for a session");
            self.revoked(session_id, app_id).await;
        }
        let (Some(entry), Some(provider)) = (entry, self.provider(app_id)) else {
            return Ok(());
        };
        let token = entry.refresh_token().unwrap_or(entry.access_token());
        let revoked = match self.provider_endpoints(app_id).await {
            Ok(endpoints) => {
                self.upstream
                    .revoke(endpoints, &provider.credentials, token)
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = revoked {
            tracing::warn!(app = app_id, error = %e, "revocation at the provider failed");
        }
        Ok(())
    }

    /// What session `session_id` holds of app `app_id` (nothing for an app without a provider).
    pub(crate) async fn held(
        &self,
        session_id: &str,
        app_id: &str,
    ) -> Result<Option<VaultEntry>, VaultError> {
        match self.vault() {
            Some(vault) if self.providers.contains_key(app_id) => {
                vault.get(session_id, app_id).await
            }
            _ => Ok(None),
        }
    }

    /// Which apps with a provider session `session_id` holds (presence only: one store
    /// operation per app, nothing decrypted).
    pub(crate) async fn held_apps(&self, session_id: &str) -> Result<Vec<String>, VaultError> {
        let Some(vault) = self.vault() else {
            return Ok(Vec::new());
        };
        let apps: Vec<&str> = self.providers.keys().map(String::as_str).collect();
        vault.apps(session_id, &apps).await
    }
}
