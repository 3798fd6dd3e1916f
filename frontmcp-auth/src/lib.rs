//! Authorization for frontmcp servers.
//!
//! This crate knows nothing of MCP. It holds the authorization configuration model that the
//! `#[front_mcp]` / `#[app]` macros and the builder produce, the OAuth 2.1 authorization server
//! ([`oauth`]) with its consent UI ([`ui`]), the session tokens ([`tokens`]), the stores
//! ([`store`]), and progressive authorization ([`progressive`]): each app's own provider
//! ([`upstream`]) and the token vault ([`vault`]), and the sealed state of a request that waits for
//! the user ([`request_state`]).
#![deny(missing_docs)]

mod arena;
mod config;
mod consent;
pub mod oauth;
pub mod outbound;
pub mod progressive;
pub mod random;
mod remembered;
pub mod request_state;
pub mod store;
pub mod tokens;
pub mod ui;
pub mod upstream;
pub mod vault;

pub use config::{
    AppAuth, AppAuthMode, ConfigError, ConsentConfig, DEFAULT_KEY_PREFIX, RemoteProvider,
    ServerAuth, ServerAuthMode, ServerAuthType, SessionMode, TokenStorage,
    is_acceptable_provider_url,
};
pub use consent::{
    AppStatus, CONSENT_VERSION, ConsentAction, ConsentGroupBy, ConsentSelection, ConsentState,
    ConsentToolItem, FederatedLoginState, FederatedProviderItem,
};
