//! The links that authorize an app for a session, and the signed, single-use tickets in them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Progressive;
use crate::random;
use crate::store::{Namespace, StoreError};
use crate::tokens::{TokenError, now_secs};

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

impl Progressive {
    /// The link that authorizes `app_id` with `scopes` for session `session_id` of user `sub`,
    /// asked for by `tool` (which the app's card then names):
    /// `{issuer}/oauth/authorize?app=…&scope=…&ticket=…` (or the app's own entry point
    /// `/{app}/oauth/authorize` when it is left out of the server's consent screen). The ticket
    /// is signed, expires after the configured `ticket_ttl`, opens one
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
        let now = now_secs();
        let claims = TicketClaims {
            iss: self.issuer.clone(),
            aud: self.ticket_audience(),
            sub: sub.to_owned(),
            iat: now,
            exp: now + self.ticket_ttl.as_secs(),
            jti: random::id(),
            sid: session_id.to_owned(),
            app: app_id.to_owned(),
            scope: scopes.to_vec(),
            eid: elicitation_id.map(str::to_owned),
            tool: tool.map(str::to_owned),
        };
        let ticket = self.signer.sign_typed(TICKET_TYP, &claims);
        let path = if self.outside_parent.iter().any(|a| a == app_id) {
            format!("/{app_id}/oauth/authorize")
        } else {
            "/oauth/authorize".to_owned()
        };
        let mut url = url::Url::parse(&format!("{}{path}", self.issuer))
            .expect("the issuer is an absolute URL");
        url.query_pairs_mut()
            .append_pair("app", app_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("ticket", &ticket);
        url.into()
    }

    fn ticket_audience(&self) -> String {
        format!("{}/oauth/authorize", self.issuer)
    }

    /// Verifies a ticket's signature, issuer, audience and expiry (not its single use).
    pub(crate) fn verify_ticket(&self, ticket: &str) -> Result<TicketClaims, TokenError> {
        self.signer
            .verify_typed(TICKET_TYP, ticket, &self.issuer, &self.ticket_audience())
    }

    /// The claims of a ticket that verifies but for its expiry: what an expired link was for,
    /// to tell the user where that app stands.
    pub(crate) fn expired_ticket(&self, ticket: &str) -> Option<TicketClaims> {
        self.signer
            .verify_expired_typed(TICKET_TYP, ticket, &self.issuer, &self.ticket_audience())
            .ok()
    }

    /// Whether the ticket `id` was used already.
    pub(crate) async fn ticket_used(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.store.get(Namespace::TicketUsed, id).await?.is_some())
    }

    /// Marks the ticket `id` (expiring at `exp`) used until it expires; `Ok(false)` when it
    /// already was.
    pub(crate) async fn use_ticket(&self, id: &str, exp: u64) -> Result<bool, StoreError> {
        let ttl = Duration::from_secs(exp.saturating_sub(now_secs()).max(1));
        self.store
            .put_new(Namespace::TicketUsed, id, b"1", Some(ttl))
            .await
    }
}
