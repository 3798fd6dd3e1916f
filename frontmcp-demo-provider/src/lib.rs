//! # frontmcp-demo-provider — DEMO ONLY, never for production
//!
//! A small, local OAuth 2.1 authorization server that *plays* upstream
//! providers such as Slack and GitHub, so that frontmcp's examples and tests
//! can exercise **progressive authorization** without the real services:
//! each frontmcp app (Slack, GitHub, ...) gets its own upstream token, obtained
//! the first time one of its tools is called.
//!
//! It is **not** Slack and **not** GitHub. It keeps everything in memory,
//! accepts any loopback client by default, shows a consent page that lets
//! anyone type any user name, and exposes fault-injection knobs. Never expose
//! it beyond a developer machine or a CI job.
//!
//! ## What it serves
//!
//! One server, one path prefix per provider (`/slack`, `/github` by default).
//! For provider `{id}` at `http://127.0.0.1:PORT/{id}` (the *provider URL*,
//! which is also the RFC 8414 issuer):
//!
//! | Endpoint | |
//! |---|---|
//! | `GET /{id}/.well-known/oauth-authorization-server` | RFC 8414 metadata |
//! | `GET /.well-known/oauth-authorization-server/{id}` | the same, RFC 8414 path-suffixed form |
//! | `GET /{id}/authorize` | consent page (or `&demo_auto=allow\|deny` to redirect at once, `&demo_user=NAME`) |
//! | `POST /{id}/authorize/decision` | the consent form's target |
//! | `POST /{id}/token` | `authorization_code` (PKCE S256) and rotating `refresh_token` grants |
//! | `POST /{id}/revoke` | RFC 7009 revocation |
//! | `GET /{id}/api/whoami` | `{user, scopes, provider, client_id}` for a Bearer token |
//! | `POST /{id}/api/echo?scope=S` | echoes `{user, provider, body}`; 403 `insufficient_scope` without scope `S` |
//! | `GET /{id}/rest/openapi.json` | an OpenAPI 3.1 document of a small REST collection, below |
//! | `GET`, `POST /{id}/rest/{collection}`; `GET`, `DELETE /{id}/rest/{collection}/{itemId}` | the collection (read and write scopes: [`ProviderSpec::with_rest_api`]) |
//! | `GET /`, `GET /{id}` | JSON indexes |
//!
//! ## Use from tests
//!
//! ```no_run
//! # async fn demo() -> Result<(), frontmcp_demo_provider::Error> {
//! use std::time::Duration;
//! use frontmcp_demo_provider::DemoProvider;
//!
//! let demo = DemoProvider::builder()
//!     .access_token_ttl("slack", Duration::from_secs(1)) // exercise refresh
//!     .bind("127.0.0.1:0")
//!     .await?;
//! let slack = demo.url("slack"); // "http://127.0.0.1:PORT/slack"
//! // ... give `slack` to the frontmcp server under test, drive a flow ...
//! demo.faults("slack").set_refresh_invalid_grant(true);
//! demo.revoke_all("github");
//! assert_eq!(demo.refresh_requests("slack"), 0);
//! demo.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## How frontmcp uses it
//!
//! A frontmcp app declares its upstream with the provider URL:
//! `remote(provider = "http://127.0.0.1:PORT/slack", scopes = ["chat:write"], ...)`.
//! The framework discovers the endpoints from the metadata document,
//! sends the user to `/slack/authorize` with PKCE and its own loopback
//! callback (`http://127.0.0.1:CALLBACK_PORT/...`), exchanges the code at
//! `/slack/token`, refreshes when the access token expires, and calls the
//! provider's API (`/slack/api/whoami`, `/slack/api/echo`) with the token.
//!
//! The framework's callback port is usually only known at run time, so by
//! default any `client_id` is accepted as a public client as long as its
//! redirect URI is a loopback `http` URI
//! ([`DemoProviderBuilder::accept_any_loopback_client`]). Registered clients
//! ([`DemoProviderBuilder::client`]) are checked strictly, except that a
//! registered loopback redirect URI matches any port (RFC 8252 §7.3).
//!
//! Run it by hand with the `demo-provider` binary
//! (`DEMO_PROVIDER_ADDR`, default `127.0.0.1:9099`).

#![deny(missing_docs)]

mod builder;
mod faults;
mod html;
mod provider;
mod rest;
mod server;
mod util;

pub use builder::{
    DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_CODE_TTL, DEFAULT_REFRESH_TOKEN_TTL, DemoProviderBuilder,
    ProviderSpec,
};
pub use faults::{FaultSettings, Faults};
pub use server::RunningDemo;

/// Entry point: `DemoProvider::builder()`.
#[derive(Debug, Clone, Copy)]
pub struct DemoProvider;

impl DemoProvider {
    /// A builder with the default providers `slack` and `github`.
    pub fn builder() -> DemoProviderBuilder {
        DemoProviderBuilder::new()
    }
}

/// Why the demo server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The builder's configuration is inconsistent (unknown provider id,
    /// invalid redirect URI, ...).
    #[error("invalid demo provider configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot bind the demo provider: {0}")]
    Bind(#[source] std::io::Error),
}
