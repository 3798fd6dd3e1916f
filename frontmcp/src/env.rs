//! Configuration from the environment, shared by every example and `serve_from_env()`.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `FRONTMCP_ADDR` | listen address (`host:port`) | the server's `http(host, port)`, else `127.0.0.1:3000` |
//! | `FRONTMCP_TRANSPORT` | `http` or `stdio` | `http` |
//! | `FRONTMCP_ISSUER` | public base URL (`https://mcp.example.com`) | `http://{bound address}` |
//! | `REDIS_URL` | Redis for `token_storage(redis(...))` (the variable is configurable) | none |
//! | `FRONTMCP_SIGNING_KEY` | ES256 signing key for session tokens, PKCS#8 PEM | generated once, kept in the store |
//! | `FRONTMCP_JWT_SECRET` | HS256 secret (32+ bytes) instead of ES256 | unset |
//! | `FRONTMCP_VAULT_KEYS` | the token vault's keys, `kid:BASE64[,...]` | generated for the run (memory store only) |
//! | `FRONTMCP_{APP}_PROVIDER`, `_CLIENT_ID`, `_CLIENT_SECRET` | an app's own provider and the server's client there | the app's `remote(...)` |
//! | `RUST_LOG` | log filter (tracing `EnvFilter` syntax), logs go to stderr | `info` |
//! | `FRONTMCP_METRICS_PATH` | serve the metrics there in Prometheus text (`/metrics`; the `prometheus` feature) | not served |
//!
//! A value that cannot be used stops the start-up with an error naming the variable; an empty
//! value counts as unset.
//!
//! A server reads these through its [`Environment`]: the process's by default, or one given to
//! [`ServerBuilder::environment`](crate::ServerBuilder::environment), so a test or an embedding
//! application decides exactly what the server sees.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::Error;

/// Where a server reads its configuration variables: the process environment, or a fixed set.
///
/// ```
/// use frontmcp::env::Environment;
///
/// let env = Environment::empty().with("FRONTMCP_ADDR", "127.0.0.1:4000");
/// assert_eq!(env.get("FRONTMCP_ADDR").as_deref(), Some("127.0.0.1:4000"));
/// assert_eq!(env.get("REDIS_URL"), None, "nothing leaks in from the process");
/// ```
#[derive(Clone, Default)]
pub struct Environment(Option<Arc<HashMap<String, String>>>);

impl Environment {
    /// The process environment (the default).
    pub fn process() -> Self {
        Self(None)
    }

    /// No variable at all: the server runs on its defaults and what the builder says.
    pub fn empty() -> Self {
        Self(Some(Arc::default()))
    }

    /// Exactly these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(Some(Arc::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )))
    }

    /// This environment with `name` set to `value` (a fixed set made from the process's
    /// variables, when this is the process environment).
    #[must_use]
    pub fn with(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut vars = match self.0 {
            Some(vars) => Arc::unwrap_or_clone(vars),
            None => std::env::vars().collect(),
        };
        vars.insert(name.into(), value.into());
        Self(Some(Arc::new(vars)))
    }

    /// The value of `name`; `None` when it is unset, empty or only whitespace.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match &self.0 {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        };
        value.filter(|v| !v.trim().is_empty())
    }
}

impl fmt::Debug for Environment {
    // Values may be secrets (keys, client secrets): only the names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Environment::process()"),
            Some(vars) => f
                .debug_set()
                .entries(vars.keys().map(String::as_str))
                .finish(),
        }
    }
}

/// The default listen address.
pub const DEFAULT_ADDR: &str = frontmcp_rules::DEFAULT_ADDR;

/// Which transport to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Streamable HTTP.
    Http,
    /// Newline-delimited JSON-RPC on stdin/stdout.
    Stdio,
}

/// The settings read from the environment.
#[derive(Debug, Clone)]
pub struct EnvConfig {
    /// `FRONTMCP_ADDR`.
    pub addr: SocketAddr,
    /// `FRONTMCP_TRANSPORT`.
    pub transport: Transport,
    /// `FRONTMCP_ISSUER`; when unset, the server derives `http://{bound address}`.
    pub issuer: Option<String>,
    /// `RUST_LOG`, if set.
    pub log_filter: Option<String>,
    /// `FRONTMCP_METRICS_PATH`: where the metrics are served in Prometheus text (`/metrics`),
    /// when set.
    pub metrics_path: Option<String>,
}

impl EnvConfig {
    /// Reads the process environment.
    pub fn from_env(default_addr: Option<SocketAddr>) -> Result<Self, Error> {
        Self::from_environment(&Environment::process(), default_addr)
    }

    /// Reads `env`.
    pub fn from_environment(
        env: &Environment,
        default_addr: Option<SocketAddr>,
    ) -> Result<Self, Error> {
        Self::from_lookup(|name| env.get(name), default_addr)
    }

    /// Reads settings through `lookup` (testable without touching the process environment).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        default_addr: Option<SocketAddr>,
    ) -> Result<Self, Error> {
        let addr = match lookup("FRONTMCP_ADDR") {
            Some(v) => v.trim().parse().map_err(|e| Error::Env {
                var: "FRONTMCP_ADDR".into(),
                message: format!("`{v}` is not a socket address like 127.0.0.1:3000 ({e})"),
            })?,
            None => default_addr.unwrap_or_else(|| DEFAULT_ADDR.parse().expect("valid default")),
        };
        let transport = match lookup("FRONTMCP_TRANSPORT").as_deref().map(str::trim) {
            None | Some("http") => Transport::Http,
            Some("stdio") => Transport::Stdio,
            Some(other) => {
                return Err(Error::Env {
                    var: "FRONTMCP_TRANSPORT".into(),
                    message: format!("`{other}` is neither `http` nor `stdio`"),
                });
            }
        };
        let issuer = match lookup("FRONTMCP_ISSUER") {
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_owned();
                let rest = v
                    .strip_prefix("https://")
                    .or_else(|| v.strip_prefix("http://"));
                if rest.is_none_or(|r| r.is_empty() || r.contains(['?', '#', ' '])) {
                    return Err(Error::Env {
                        var: "FRONTMCP_ISSUER".into(),
                        message: format!(
                            "`{v}` is not an http(s) base URL like https://mcp.example.com"
                        ),
                    });
                }
                Some(v)
            }
            None => None,
        };
        Ok(Self {
            addr,
            transport,
            issuer,
            log_filter: lookup("RUST_LOG"),
            metrics_path: lookup("FRONTMCP_METRICS_PATH")
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
        })
    }
}

/// Installs a stderr log subscriber with `filter` (default `info`), unless one is installed.
/// With the `otlp` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are also exported over
/// OTLP/HTTP (see docs/observability.md).
///
/// # Errors
///
/// [`Error::Env`] when `filter` does not parse or the OpenTelemetry variables cannot be used;
/// [`Error::Unsupported`] when they ask for export and this build leaves out the `otlp` feature.
pub fn init_tracing(filter: Option<&str>) -> Result<(), Error> {
    let directives = filter.unwrap_or("info");
    let mut filter =
        tracing_subscriber::EnvFilter::try_new(directives).map_err(|e| Error::Env {
            var: "RUST_LOG".into(),
            message: e.to_string(),
        })?;
    // The request spans stay out of the logs unless asked for by name: formatting them cost
    // 5 µs a request, and a filter that turns their target off means they are never made.
    if !directives.contains(crate::telemetry::SPANS) {
        filter = filter.add_directive(
            format!("{}=off", crate::telemetry::SPANS)
                .parse()
                .expect("a valid directive"),
        );
    }
    // Stdout may be the stdio transport's channel: logs always go to stderr, coloured only on a
    // terminal so log files and test harnesses read plain text.
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    #[cfg(feature = "otlp")]
    if let Some(export) = crate::telemetry::otlp::layer()? {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        // Filters of their own: `RUST_LOG` sets what is logged, not what is exported.
        let logs = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter);
        let _ = tracing_subscriber::registry()
            .with(logs)
            .with(export.with_filter(tracing_subscriber::filter::LevelFilter::INFO))
            .try_init();
        return Ok(());
    }
    #[cfg(not(feature = "otlp"))]
    if std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok_and(|v| !v.trim().is_empty()) {
        return Err(Error::Unsupported(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this build leaves out frontmcp's `otlp` feature".into(),
        ));
    }
    // One global filter, not a filter per layer: spans and events it turns off are never made.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<EnvConfig, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvConfig::from_lookup(
            |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            None,
        )
    }

    #[test]
    fn a_fixed_environment_shows_names_only() {
        let env = Environment::empty()
            .with("FRONTMCP_JWT_SECRET", "s3cr3t-s3cr3t")
            .with("REDIS_URL", "  ");
        assert_eq!(env.get("REDIS_URL"), None, "blank counts as unset");
        let shown = format!("{env:?}");
        assert!(shown.contains("FRONTMCP_JWT_SECRET"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        let config =
            EnvConfig::from_environment(&env.with("FRONTMCP_ADDR", "127.0.0.1:9"), None).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:9");
    }

    #[test]
    fn defaults() {
        let c = read(&[]).unwrap();
        assert_eq!(c.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.transport, Transport::Http);
        assert_eq!(c.issuer, None);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("FRONTMCP_ADDR", "localhost"),
            ("FRONTMCP_TRANSPORT", "carrier-pigeon"),
            ("FRONTMCP_ISSUER", "ftp://x"),
            ("FRONTMCP_ISSUER", "https://"),
        ] {
            let err = read(&[(var, value)]).unwrap_err();
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn issuer_is_normalized() {
        assert_eq!(
            read(&[("FRONTMCP_ISSUER", "https://mcp.example.com/")])
                .unwrap()
                .issuer
                .as_deref(),
            Some("https://mcp.example.com")
        );
    }
}
