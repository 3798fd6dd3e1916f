//! The one authorization gate every `tools/call`, `resources/read`, `prompts/get` and
//! `completion/complete` passes before the app's code runs: the scopes of the sign-in, then
//! what the user consented to, then the vault. It answers with what the tool may
//! use (its app's tokens) or a typed [`Denial`], which each wire renders its own way.

use std::sync::Arc;

use frontmcp_auth::AppAuthMode;
#[cfg(feature = "auth-server")]
use frontmcp_auth::oauth::AuthServer;
#[cfg(feature = "auth-server")]
use frontmcp_auth::progressive::{AppAccess, AuthorizationRequired};

use super::context::AppCredentials;
use super::registry::{PromptEntry, ResourceEntry, ToolEntry};
use super::{Grant, Server};

/// What the gate is asked about: something an app serves, and the scopes it needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) app: usize,
    /// The tool's or prompt's full name, or the resource's URI (for the logs and refusals).
    pub(crate) name: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) kind: Kind,
}

/// What kind of thing a [`Target`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    /// The field of the seeds' `AUTH_REQUIRED` object that names it.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::Tool => "tool",
            Self::Resource => "resource",
            Self::Prompt => "prompt",
        }
    }
}

impl ToolEntry {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            app: self.app,
            name: &self.full_name,
            scopes: &self.scopes,
            kind: Kind::Tool,
        }
    }
}

impl ResourceEntry {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            app: self.app,
            name: &self.uri,
            scopes: &self.scopes,
            kind: Kind::Resource,
        }
    }
}

impl PromptEntry {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            app: self.app,
            name: &self.full_name,
            scopes: &self.scopes,
            kind: Kind::Prompt,
        }
    }
}

/// Why a tool may not run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denial {
    /// The session token lacks a scope the tool needs: every scope it needs, for the challenge
    /// (HTTP 403 `insufficient_scope`).
    InsufficientScope(Vec<String>),
    /// The user left the tool or its app out on the consent screen: why, for the model.
    NotConsented(String),
    /// The tool's app must be authorized at its provider (again, or with more scopes).
    #[cfg(feature = "auth-server")]
    AuthorizationRequired(AuthorizationRequired),
    /// The token vault does not answer.
    #[cfg(feature = "auth-server")]
    Unavailable,
}

impl Server {
    /// Whether `grant` may use `entry` now; with an app of its own provider, its tokens.
    /// One vault read for such an app, nothing for the others. A public server (no grant) lets
    /// everything through.
    pub(crate) async fn gate(
        &self,
        grant: Option<&Grant>,
        entry: Target<'_>,
    ) -> Result<Option<Arc<AppCredentials>>, Denial> {
        // Only the authorization server's bearer makes grants.
        #[cfg(not(feature = "auth-server"))]
        let _ = (grant, entry);
        #[cfg(feature = "auth-server")]
        if let (Some(grant), Some(auth)) = (grant, self.inner.auth_server.get()) {
            return self.vault_gate(grant, auth, entry).await;
        }
        Ok(None)
    }

    /// The gate for a signed-in caller.
    #[cfg(feature = "auth-server")]
    async fn vault_gate(
        &self,
        grant: &Grant,
        auth: &AuthServer,
        entry: Target<'_>,
    ) -> Result<Option<Arc<AppCredentials>>, Denial> {
        let app_id = &self.inner.registry.apps[entry.app].2;
        let decided = self.decide(grant, auth, app_id, entry).await;
        crate::telemetry::record_authorization(
            app_id,
            match &decided {
                Ok(_) => "granted",
                Err(Denial::AuthorizationRequired(_)) => "required",
                Err(Denial::Unavailable) => "unavailable",
                Err(_) => "refused",
            },
        );
        decided
    }

    #[cfg(feature = "auth-server")]
    async fn decide(
        &self,
        grant: &Grant,
        auth: &AuthServer,
        app_id: &str,
        entry: Target<'_>,
    ) -> Result<Option<Arc<AppCredentials>>, Denial> {
        if !self.needs_vault(grant, entry)? {
            return Ok(None);
        }
        match auth
            .progressive()
            .app_access(grant.auth_session_id(), app_id, entry.scopes)
            .await
        {
            Ok(AppAccess::Granted(held)) => Ok(Some(Arc::new(AppCredentials::from_vault(
                auth.clone(),
                grant.clone(),
                held,
            )))),
            Ok(AppAccess::Required(required)) => Err(Denial::AuthorizationRequired(required)),
            Err(e) => {
                tracing::error!(error = %e, target = %entry.name, "the token vault cannot be read");
                Err(Denial::Unavailable)
            }
        }
    }

    /// The gate's checks that need no store: the sign-in's scopes (they cover the apps without a
    /// provider of their own; the others are the vault's to judge), then the consent screen's
    /// choices. `Ok(true)` when the vault must still be asked.
    pub(crate) fn needs_vault(&self, grant: &Grant, entry: Target<'_>) -> Result<bool, Denial> {
        let (_, desc, app_id) = &self.inner.registry.apps[entry.app];
        let has_provider = desc.auth.mode == AppAuthMode::Transparent;
        if !has_provider
            && entry
                .scopes
                .iter()
                .any(|s| !grant.scopes().any(|granted| granted == s.as_str()))
        {
            return Err(Denial::InsufficientScope(entry.scopes.to_vec()));
        }
        if let Some(refusal) =
            grant.refusal(app_id, entry.name, has_provider, entry.kind == Kind::Tool)
        {
            return Err(Denial::NotConsented(refusal));
        }
        Ok(has_provider)
    }
}

/// What a listing tells a user about one item.
#[cfg(feature = "auth-server")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// The user may not use it in this session (left out on the consent screen, or a scope of
    /// the sign-in is missing).
    Refused,
    /// Whether its app is authorized with the scopes it needs.
    Ready(bool),
    /// The vault does not answer: left unsaid rather than guessed.
    Unknown,
}

/// What the vault holds for an app, as a listing reads it.
#[cfg(feature = "auth-server")]
#[derive(Debug, Clone)]
enum Held {
    Entry(frontmcp_auth::vault::VaultEntry),
    Nothing,
    Unknown,
}

#[cfg(feature = "auth-server")]
impl Server {
    /// What `grant` may do with each of `targets` now. One vault read per app of a provider of
    /// its own among them.
    pub(crate) async fn readiness(
        &self,
        grant: &Grant,
        auth: &AuthServer,
        targets: &[Target<'_>],
    ) -> Vec<Readiness> {
        let registry = &self.inner.registry;
        let mut vault: Vec<Option<Held>> = vec![None; registry.apps.len()];
        let mut out = Vec::new();
        for &target in targets {
            let readiness = match self.needs_vault(grant, target) {
                Err(_) => Readiness::Refused,
                Ok(false) => Readiness::Ready(true),
                Ok(true) => {
                    if vault[target.app].is_none() {
                        let app_id = &registry.apps[target.app].2;
                        let held = match auth
                            .progressive()
                            .app_access(grant.auth_session_id(), app_id, &[])
                            .await
                        {
                            Ok(AppAccess::Granted(held)) => Held::Entry(held),
                            Ok(AppAccess::Required(_)) => Held::Nothing,
                            Err(e) => {
                                tracing::warn!(error = %e, app = %app_id, "listing without authorization flags: the vault cannot be read");
                                Held::Unknown
                            }
                        };
                        vault[target.app] = Some(held);
                    }
                    match &vault[target.app] {
                        Some(Held::Entry(held)) => {
                            Readiness::Ready(target.scopes.iter().all(|s| held.has_scope(s)))
                        }
                        Some(Held::Nothing) => Readiness::Ready(false),
                        Some(Held::Unknown) | None => Readiness::Unknown,
                    }
                }
            };
            out.push(readiness);
        }
        out
    }
}
