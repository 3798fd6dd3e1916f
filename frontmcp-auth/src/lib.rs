//! Authorization for frontmcp servers.
//!
//! This crate knows nothing of MCP. It holds the authorization configuration model that the
//! `#[front_mcp]` / `#[app]` macros and the builder produce, and three roles, each a type that
//! owns its state:
//!
//! - the OAuth 2.1 authorization server ([`oauth::AuthServer`]) with its consent UI ([`ui`]),
//!   which builds the other two;
//! - the [`bearer`], which checks the session tokens ([`tokens`]) on requests to the resource;
//! - [`progressive`] authorization of the [`apps`] with their own provider ([`upstream`]), whose
//!   tokens live in the token vault ([`vault`]).
//!
//! Below them: the stores ([`store`]), the [`events`] every process sharing a store hears, and the
//! sealed state of a request that waits for the user ([`request_state`]).
#![deny(missing_docs)]

pub mod apps;
mod arena;
pub mod bearer;
mod config;
mod consent;
pub mod events;
pub mod oauth;
pub mod outbound;
pub mod progressive;
pub mod random;
mod remembered;
pub mod request_state;
mod session;
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
