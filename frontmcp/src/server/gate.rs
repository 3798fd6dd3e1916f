//! The one authorization gate every `tools/call` passes before its tool runs: the scopes of the
//! sign-in, then what the user consented to, then the vault. It answers with what the tool may
//! use (its app's tokens) or a typed [`Denial`], which each wire renders its own way.

use std::sync::Arc;

use frontmcp_auth::AppAuthMode;
use frontmcp_auth::progressive::{AppAccess, AuthorizationRequired};

use super::context::AppCredentials;
use super::registry::ToolEntry;
use super::{Grant, Server};

/// Why a tool may not run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denial {
    /// The session token lacks a scope the tool needs: every scope it needs, for the challenge
    /// (HTTP 403 `insufficient_scope`).
    InsufficientScope(Vec<String>),
    /// The user left the tool or its app out on the consent screen: why, for the model.
    NotConsented(String),
    /// The tool's app must be authorized at its provider (again, or with more scopes).
    AuthorizationRequired(AuthorizationRequired),
    /// The token vault does not answer.
    Unavailable,
}

impl Server {
    /// Whether `grant` may run the tool `entry` now; with an app of its own provider, its tokens.
    /// One vault read for such an app, nothing for the others. A public server (no grant) lets
    /// everything through.
    pub(crate) async fn gate(
        &self,
        grant: Option<&Grant>,
        entry: &ToolEntry,
    ) -> Result<Option<Arc<AppCredentials>>, Denial> {
        let (Some(grant), Some(auth)) = (grant, self.inner.auth_server.get()) else {
            return Ok(None);
        };
        if !self.needs_vault(grant, entry)? {
            return Ok(None);
        }
        let app_id = &self.inner.registry.apps[entry.app].2;
        match auth
            .app_access(grant.auth_session_id(), app_id, &entry.scopes)
            .await
        {
            Ok(AppAccess::Granted(held)) => Ok(Some(Arc::new(AppCredentials::from_vault(
                auth.clone(),
                grant.clone(),
                held,
            )))),
            Ok(AppAccess::Required(required)) => Err(Denial::AuthorizationRequired(required)),
            Err(e) => {
                tracing::error!(error = %e, tool = %entry.full_name, "the token vault cannot be read");
                Err(Denial::Unavailable)
            }
        }
    }

    /// The gate's checks that need no store: the sign-in's scopes (they cover the apps without a
    /// provider of their own; the others are the vault's to judge), then the consent screen's
    /// choices. `Ok(true)` when the vault must still be asked.
    pub(crate) fn needs_vault(&self, grant: &Grant, entry: &ToolEntry) -> Result<bool, Denial> {
        let (_, desc, app_id) = &self.inner.registry.apps[entry.app];
        let has_provider = desc.auth.mode == AppAuthMode::Transparent;
        if !has_provider
            && entry
                .scopes
                .iter()
                .any(|s| !grant.scopes().any(|granted| granted == s.as_str()))
        {
            return Err(Denial::InsufficientScope(entry.scopes.clone()));
        }
        if let Some(refusal) = grant.refusal(app_id, &entry.full_name, has_provider) {
            return Err(Denial::NotConsented(refusal));
        }
        Ok(has_provider)
    }
}
