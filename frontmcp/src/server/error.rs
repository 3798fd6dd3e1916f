//! The runtime's errors.

use std::net::SocketAddr;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a server could not be built or could not run.
///
/// `Debug` prints the message (and its causes), because that is what `main` shows when it returns
/// the error: the person starting the server should read a sentence, not a struct.
#[derive(thiserror::Error)]
pub enum Error {
    /// The apps and tools do not form a valid server.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// An environment variable holds a value that cannot be used.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: std::borrow::Cow<'static, str>,
        /// What is wrong with it.
        message: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// An I/O failure of the transport.
    #[error("transport I/O failed")]
    Io(#[from] std::io::Error),
    /// The token store could not be opened (Redis unreachable, ...).
    #[error("token store: {0}")]
    Store(String),
    /// An OpenAPI adapter could not be loaded.
    #[cfg(feature = "openapi")]
    #[error(transparent)]
    Adapter(#[from] crate::adapters::openapi::OpenApiError),
    /// A configured feature this build cannot provide yet.
    #[error("{0}")]
    Unsupported(String),
    /// The metrics endpoint cannot be served.
    #[error("metrics: {0}")]
    Metrics(String),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// A mistake in the server's composition, found when it is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The server has no app.
    #[error("the server has no app: add at least one with apps(...) or .app(...)")]
    NoApps,
    /// Two apps share an ID, or IDs that differ only by `-` and `_` (which would share their
    /// `FRONTMCP_{APP}_*` variables).
    #[error(
        "two apps have the ID `{0}` (or IDs that differ only by `-` and `_`): give one of them another `id`"
    )]
    DuplicateApp(String),
    /// An app ID that cannot appear in tool names and URLs.
    #[error("app ID `{0}` must be non-empty and made of a-z, 0-9, `-` and `_`")]
    BadAppId(String),
    /// An app ID the server uses itself (`signin`: its `FRONTMCP_SIGNIN_*` variables configure
    /// the identity provider users sign in at).
    #[error("app ID `{0}` is reserved: give the app another `id`")]
    ReservedAppId(String),
    /// Two tools end up with the same full name.
    #[error("two tools are named `{0}`")]
    DuplicateTool(String),
    /// A tool name that cannot be used: a name within its app of 1 to 128 characters from
    /// `A-Z`, `a-z`, `0-9`, `_`, `-` and `.`, and a full name (with the app's ID and the
    /// separator) of at most 128 without whitespace or control characters.
    #[error(
        "tool name `{0}`: a tool name is 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`, and with its app's ID and the separator at most 128"
    )]
    BadToolName(String),
    /// Two resources with one URI, two templates written alike, or two resources of an app
    /// with one name.
    #[error("two resources are `{0}`")]
    DuplicateResource(String),
    /// A resource URI that is not absolute, or a URI template this server cannot match.
    #[error("resource `{0}`")]
    BadResourceUri(String),
    /// Two prompts end up with the same full name.
    #[error("two prompts are named `{0}`")]
    DuplicatePrompt(String),
    /// A prompt name that cannot be used (the rules of tool names).
    #[error(
        "prompt name `{0}`: a prompt name is 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`, and with its app's ID and the separator at most 128"
    )]
    BadPromptName(String),
    /// An input or output schema that is not an object schema, as MCP requires.
    #[error(
        "tool `{tool}`: its {which} schema must describe an object (\"type\": \"object\"), found {found}"
    )]
    SchemaNotObject {
        /// The tool.
        tool: String,
        /// `input` or `output`.
        which: &'static str,
        /// The schema's type.
        found: String,
    },
    /// A scope a tool, resource or prompt needs that is not one OAuth scope
    /// ([`frontmcp_rules::SCOPE_RULE`]).
    #[error("`{owner}`: scope `{scope}`: {rule}", rule = frontmcp_rules::SCOPE_RULE)]
    BadScope {
        /// The tool, resource or prompt.
        owner: String,
        /// The offending scope.
        scope: String,
    },
    /// An authorization setting that cannot work.
    #[error(transparent)]
    Auth(#[from] frontmcp_auth::ConfigError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_reads_as_a_sentence_with_its_causes() {
        let err = Error::Bind {
            addr: "127.0.0.1:1".parse().unwrap(),
            source: std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use"),
        };
        assert_eq!(
            format!("{err:?}"),
            "cannot listen on 127.0.0.1:1\n  caused by: address in use"
        );
        let err = Error::Env {
            var: "FRONTMCP_ADDR".into(),
            message: "`x` is not a socket address".into(),
        };
        assert_eq!(
            format!("{err:?}"),
            "environment variable FRONTMCP_ADDR: `x` is not a socket address"
        );
    }
}
