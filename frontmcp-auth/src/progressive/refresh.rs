//! Keeping an app's token fresh inside a tool: refreshed at its provider before it expires,
//! once across processes, and dropped when the provider says the grant is gone.

use std::time::Duration;

use super::{AppTokenError, Progressive, entry_from, vault_ttl};
use crate::store::Namespace;
use crate::tokens::now_secs;
use crate::vault::{TokenVault, VaultEntry};

/// A token is refreshed when it expires within this margin, so it does not die mid-call.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl Progressive {
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
        current: &VaultEntry,
    ) -> Result<VaultEntry, AppTokenError> {
        if !needs_refresh(current) {
            return Ok(current.clone());
        }
        let unavailable = |reason: String| AppTokenError::unavailable(app_id, reason);
        let vault = self
            .vault()
            .ok_or_else(|| unavailable("the server keeps no vault".into()))?;
        let lock = format!("{session_id}/{app_id}");
        let store = &self.store;
        // The holder discovers (at most 4 requests), refreshes (1) and writes the vault, each
        // bounded: the lock outlives the longest refresh, so it never expires under its holder,
        // and the holder's release cannot free a lock another process took. Waiters wait as long.
        let lock_ttl = self.upstream_timeout * 6 + Duration::from_secs(5);
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
        let outcome = match &result {
            Ok(_) => "refreshed",
            Err(AppTokenError::Reauthorize { .. }) => "reauthorize",
            Err(_) => "unavailable",
        };
        metrics::counter!("frontmcp_app_token_refreshes_total", "app" => app_id.to_owned(), "outcome" => outcome)
            .increment(1);
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
    ) -> Result<Option<VaultEntry>, AppTokenError> {
        // The store's latest word: a remembered entry may predate the other refresh by a moment,
        // and refreshing again would spend a rotated refresh token.
        match vault.get_fresh(session_id, app_id).await {
            Ok(Some(entry)) if entry != *current => Ok(Some(entry)),
            Ok(_) => Ok(None),
            Err(e) => Err(AppTokenError::unavailable(app_id, e)),
        }
    }

    async fn refresh_locked(
        &self,
        vault: &TokenVault,
        session_id: &str,
        app_id: &str,
        current: &VaultEntry,
    ) -> Result<VaultEntry, AppTokenError> {
        let unavailable = |reason: String| AppTokenError::unavailable(app_id, reason);
        // The lock holder before us may have refreshed already.
        if let Some(entry) = self.reread(vault, session_id, app_id, current).await? {
            return Ok(entry);
        }
        let Some(refresh) = current.refresh_token() else {
            if current.expires_at().is_some_and(|at| at > now_secs()) {
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
            .provider(app_id)
            .ok_or_else(|| unavailable("the app has no provider".into()))?;
        let endpoints = self
            .provider_endpoints(app_id)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        match self
            .upstream
            .refresh(endpoints, &upstream.credentials, refresh)
            .await
        {
            Ok(tokens) => {
                let session_ends_at = current
                    .session_ends_at()
                    .unwrap_or_else(|| now_secs() + self.session_ttl.as_secs());
                let held: Vec<String> = current.scopes().map(str::to_owned).collect();
                let entry = entry_from(
                    tokens,
                    &held,
                    current.provider(),
                    Some(refresh),
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
                Ok(entry)
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
    ) -> Result<VaultEntry, AppTokenError> {
        if let Some(entry) = self.reread(vault, session_id, app_id, current).await? {
            return Ok(entry);
        }
        tracing::warn!(app = app_id, %reason, "upstream grant gone: dropping the vault entry");
        self.forget_app(session_id, app_id, current.access_token())
            .await
            .map_err(|e| AppTokenError::unavailable(app_id, e))?;
        Err(AppTokenError::Reauthorize {
            app: app_id.to_owned(),
            reason,
        })
    }
}

/// Whether `entry` expires within [`REFRESH_MARGIN`].
fn needs_refresh(entry: &VaultEntry) -> bool {
    entry
        .expires_at()
        .is_some_and(|at| at <= now_secs() + REFRESH_MARGIN.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin() {
        let entry = VaultEntry::builder("a", "p").build();
        assert!(!needs_refresh(&entry), "no expiry: never refreshed");
        let expiring = |at| entry.to_builder().expires_at(Some(at)).build();
        assert!(!needs_refresh(&expiring(now_secs() + 3600)));
        assert!(needs_refresh(&expiring(now_secs() + 30)));
    }
}
