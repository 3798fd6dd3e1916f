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
//!
//! Features, on by default: `server` (the three roles, with askama, jsonwebtoken and reqwest),
//! `redis` (the Redis store) and `outbound` (guarded requests to URLs others chose, which `server`
//! needs). Without them: the configuration model, session grants, the memory store, the key ring
//! and request state.
#![deny(missing_docs)]

#[cfg(feature = "server")]
pub mod apps;
mod arena;
#[cfg(feature = "server")]
pub mod bearer;
mod config;
#[cfg(feature = "server")]
mod consent;
#[cfg(feature = "server")]
pub mod events;
#[cfg(feature = "server")]
pub mod oauth;
#[cfg(feature = "outbound")]
pub mod outbound;
#[cfg(feature = "server")]
pub mod progressive;
pub mod random;
mod remembered;
pub mod request_state;
#[cfg(feature = "server")]
mod session;
pub mod store;
pub mod tokens;
#[cfg(feature = "server")]
pub mod ui;
#[cfg(feature = "server")]
pub mod upstream;
pub mod vault;
mod watched;

pub use config::{
    AppAuth, AppAuthMode, ConfigError, ConsentConfig, DEFAULT_KEY_PREFIX, RemoteProvider,
    ServerAuth, ServerAuthMode, ServerAuthType, SessionMode, TokenStorage,
    is_acceptable_provider_url,
};
#[cfg(feature = "server")]
pub use consent::{
    AppStatus, CONSENT_VERSION, ConsentAction, ConsentGroupBy, ConsentSelection, ConsentState,
    ConsentToolItem, FederatedLoginState, FederatedProviderItem,
};
