//! Authorization for frontmcp servers.
//!
//! This crate knows nothing of MCP. Today it holds the authorization configuration model that the
//! `#[front_mcp]` / `#[app]` macros and the builder produce, with its validation; the OAuth 2.1
//! authorization server, the consent UI and the token vault build on it.
#![deny(missing_docs)]

mod config;
mod consent;
pub mod oauth;
pub mod random;
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
