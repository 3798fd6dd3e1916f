//! OpenAPI adapters: the operations of an OpenAPI 3.0 or 3.1 spec served as tools.
//!
//! ```no_run
//! use frontmcp::OpenApi;
//! use frontmcp::auth::{AppAuth, AppAuthMode, RemoteProvider};
//!
//! let github = OpenApi::new("https://api.example.com/openapi.json")
//!     .auth(AppAuth {
//!         mode: AppAuthMode::Transparent,
//!         remote: Some(RemoteProvider {
//!             provider: "https://github.com/login/oauth".into(),
//!             scopes: vec!["repo".into()],
//!             client_id: Some("my-client".into()),
//!             client_id_env: None,
//!             client_secret_env: None,
//!             authorization_endpoint: None,
//!             token_endpoint: None,
//!         }),
//!     });
//! # let _ = frontmcp::Server::builder("gateway", "1").openapi(github);
//! ```
//!
//! Each adapter becomes an app: its ID defaults to the provider's name (`github` for
//! `https://github.com/login/oauth`), so adapters behind the same provider are grouped into one
//! app, with one card on the consent screen and one token in the vault. A call sends the
//! session's token for that provider, and an upstream 401 answers `AUTH_REQUIRED`.

mod call;
mod source;
mod spec;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use frontmcp_auth::{AppAuth, AppAuthMode};
use schemars::Schema;
use serde_json::Value;
use url::Url;

use self::call::{Caller, Endpoint};
use crate::protocol::mcp::{CallToolResult, ToolAnnotations};
use crate::server::{App, AppDescriptor, BoxFuture, CallError, ToolCall, ToolDescriptor};
use frontmcp_auth::outbound::{self, Limits, Reach};

/// An OpenAPI spec to serve as tools: a file path or a URL, with how to reach and authorize its
/// API. Loaded when the server is built.
#[derive(Debug, Clone)]
pub struct OpenApi {
    spec: String,
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    auth: AppAuth,
    allow_private_network: bool,
    timeout: Duration,
    max_spec_bytes: usize,
    max_response_bytes: usize,
}

/// Why an adapter could not be loaded. Messages name the spec's location.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenApiError {
    /// The spec could not be read or fetched.
    #[error("OpenAPI spec {location}: {message}")]
    Load {
        /// The file path or URL.
        location: String,
        /// What went wrong.
        message: String,
    },
    /// The spec is not a usable OpenAPI 3.0 or 3.1 document.
    #[error("OpenAPI spec {location} is invalid: {message}")]
    Invalid {
        /// The file path or URL.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Two adapters share an app ID but not their authorization.
    #[error(
        "OpenAPI specs {first} and {second} are both app `{id}` but authorize differently: give one of them another id"
    )]
    Conflict {
        /// The app ID.
        id: String,
        /// One spec.
        first: String,
        /// The other.
        second: String,
    },
}

impl OpenApi {
    /// The spec at `spec`: a file path, or an `https://` URL fetched once at start-up (with a
    /// 10 s timeout and a 4 MiB limit, refusing private and loopback addresses).
    pub fn new(spec: impl Into<String>) -> Self {
        Self {
            spec: spec.into(),
            id: None,
            name: None,
            description: None,
            base_url: None,
            auth: AppAuth::default(),
            allow_private_network: false,
            timeout: Duration::from_secs(10),
            max_spec_bytes: 4 * 1024 * 1024,
            max_response_bytes: 1024 * 1024,
        }
    }

    /// The app the tools belong to (`[a-z0-9_-]`); default: the provider's name, else the spec's
    /// title. Adapters with the same ID are one app.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The app's display name; default: the spec's title.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// What the app is for, on the consent screen; default: the spec's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where the API is; default: the spec's first server (relative ones resolve against the
    /// spec's URL).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How calls are authorized: `AppAuthMode::Transparent` with the API's OAuth provider sends
    /// each session's own token for it (progressive authorization); the default sends none.
    pub fn auth(mut self, auth: AppAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Allows the spec and the API to be on private, loopback or link-local addresses, and
    /// `http://` URLs: for local development and tests. Off by default, against SSRF.
    pub fn allow_private_network(mut self, allow: bool) -> Self {
        self.allow_private_network = allow;
        self
    }

    /// How long fetching the spec, and each API call, may take (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest spec read (default 4 MiB).
    pub fn max_spec_bytes(mut self, bytes: usize) -> Self {
        self.max_spec_bytes = bytes;
        self
    }

    /// The largest API response a call reads (default 1 MiB); larger ones are an error.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    fn limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            max_bytes: self.max_spec_bytes,
            reach: self.reach(),
        }
    }

    fn reach(&self) -> Reach {
        if self.allow_private_network {
            Reach::Private
        } else {
            Reach::Public
        }
    }

    /// The ID the provider suggests: its host without `www.` and the top-level domain
    /// (`github` for `https://github.com/login/oauth`, `connect-stripe` for
    /// `https://connect.stripe.com`, `acme-okta` for `https://acme.okta.com`), or the last path
    /// segment for a provider on an address (`http://127.0.0.1:9099/petstore`).
    fn provider_id(&self) -> Option<String> {
        let remote = self.auth.remote.as_ref()?;
        let url = Url::parse(&remote.provider).ok()?;
        let label = match url.host()? {
            url::Host::Domain(domain) if domain != "localhost" => {
                let domain = domain.trim_end_matches('.');
                let domain = domain.strip_prefix("www.").unwrap_or(domain);
                match domain.rsplit_once('.') {
                    Some((name, _tld)) => name.to_owned(),
                    None => domain.to_owned(),
                }
            }
            _ => url
                .path_segments()?
                .rev()
                .find(|s| !s.is_empty())?
                .to_owned(),
        };
        frontmcp_rules::derive_app_id(&label)
    }
}

/// The tools of the adapters sharing one app ID.
pub(crate) struct OpenApiApp {
    descriptor: AppDescriptor,
    endpoints: HashMap<String, (Endpoint, usize)>,
    callers: Vec<Caller>,
}

impl std::fmt::Debug for OpenApiApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiApp")
            .field("id", &self.descriptor.id)
            .field("tools", &self.endpoints.len())
            .finish()
    }
}

/// Loads every adapter and groups them by app ID. Operations that cannot be served are logged
/// and left out.
pub(crate) async fn load_all(adapters: Vec<OpenApi>) -> Result<Vec<OpenApiApp>, OpenApiError> {
    let mut apps: Vec<(OpenApi, OpenApiApp, BTreeSet<String>)> = Vec::new();
    for adapter in adapters {
        let loaded = source::load(&adapter.spec, adapter.limits()).await?;
        let invalid = |message: String| OpenApiError::Invalid {
            location: adapter.spec.clone(),
            message,
        };
        let title = loaded
            .document
            .get("info")
            .and_then(|i| i.get("title"))
            .and_then(Value::as_str);
        let id = match &adapter.id {
            Some(id) if frontmcp_rules::is_valid_app_id(id) => id.clone(),
            Some(id) => {
                return Err(invalid(format!(
                    "app id `{id}`: {}",
                    frontmcp_rules::APP_ID_RULE
                )));
            }
            None => adapter
                .provider_id()
                .or_else(|| frontmcp_rules::derive_app_id(title.unwrap_or_default()))
                .unwrap_or_else(|| "api".to_owned()),
        };
        // Tool names are unique within an app, across its specs.
        let group = apps
            .iter()
            .position(|(_, app, _)| app.descriptor.id.as_ref() == id);
        let mut names = group.map(|g| apps[g].2.clone()).unwrap_or_default();
        let document = spec::read(&loaded.document, &mut names).map_err(invalid)?;
        let limits = Limits {
            timeout: adapter.timeout,
            max_bytes: adapter.max_response_bytes,
            reach: adapter.reach(),
        };
        let base = base_url(&adapter, document.server.as_deref(), loaded.base.as_ref())
            .and_then(|base| outbound::check_url(&base, limits).map(|()| base))
            .map_err(invalid)?;
        let caller = Caller {
            http: outbound::client(limits).map_err(invalid)?,
            base,
            with_token: adapter.auth.mode == AppAuthMode::Transparent,
            max_response_bytes: adapter.max_response_bytes,
            timeout: adapter.timeout,
        };
        let position = match group {
            Some(position) => {
                let (first, _, _) = &apps[position];
                if first.auth != adapter.auth {
                    return Err(OpenApiError::Conflict {
                        id,
                        first: first.spec.clone(),
                        second: adapter.spec.clone(),
                    });
                }
                position
            }
            None => {
                let name = adapter
                    .name
                    .clone()
                    .or_else(|| document.title.clone())
                    .unwrap_or_else(|| id.clone());
                let mut descriptor =
                    AppDescriptor::new(id.clone(), name).auth(adapter.auth.clone());
                if let Some(description) =
                    adapter.description.clone().or(document.description.clone())
                {
                    descriptor = descriptor.description(description);
                }
                let app = OpenApiApp {
                    descriptor,
                    endpoints: HashMap::new(),
                    callers: Vec::new(),
                };
                apps.push((adapter.clone(), app, BTreeSet::new()));
                apps.len() - 1
            }
        };
        let (_, app, taken) = &mut apps[position];
        app.callers.push(caller);
        let caller = app.callers.len() - 1;
        let allowed = adapter
            .auth
            .remote
            .as_ref()
            .map(|r| r.scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut skipped = document.skipped;
        for mut operation in document.operations {
            if !allowed.is_empty() {
                operation.scopes.retain(|scope| {
                    let known = allowed.contains(scope);
                    if !known {
                        tracing::warn!(spec = %adapter.spec, tool = %operation.tool, %scope, "scope not among the adapter's remote scopes: ignored");
                    }
                    known
                });
            }
            let compile = |schema: &Value| {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(schema)
            };
            let validators = compile(&operation.input_schema).and_then(|input| {
                let output = operation.output_schema.as_ref().map(compile).transpose()?;
                Ok((input, output))
            });
            let (input, output) = match validators {
                Ok(validators) => validators,
                Err(e) => {
                    skipped.push((
                        format!("{} {}", operation.method, operation.path),
                        format!("its schema cannot be compiled: {e}"),
                    ));
                    continue;
                }
            };
            taken.insert(operation.tool.clone());
            app.descriptor.tools.push(tool_descriptor(&operation));
            app.endpoints.insert(
                operation.tool.clone(),
                (
                    Endpoint {
                        operation,
                        input,
                        output,
                    },
                    caller,
                ),
            );
        }
        for (operation, why) in &skipped {
            tracing::warn!(spec = %adapter.spec, %operation, %why, "OpenAPI operation skipped");
        }
        tracing::info!(spec = %adapter.spec, app = %id, tools = app.endpoints.len(), skipped = skipped.len(), "OpenAPI spec loaded");
    }
    Ok(apps.into_iter().map(|(_, app, _)| app).collect())
}

/// The API's base URL: configured, or the spec's first server (relative to the spec's URL).
fn base_url(
    adapter: &OpenApi,
    server: Option<&str>,
    spec_url: Option<&Url>,
) -> Result<Url, String> {
    let url = match (&adapter.base_url, server, spec_url) {
        (Some(url), _, _) => Url::parse(url).map_err(|e| format!("base_url `{url}`: {e}"))?,
        (None, Some(server), _) if Url::parse(server).is_ok() => {
            Url::parse(server).expect("checked")
        }
        (None, Some(server), Some(spec_url)) => spec_url
            .join(server)
            .map_err(|e| format!("server `{server}`: {e}"))?,
        (None, Some(server), None) => {
            return Err(format!(
                "the server URL `{server}` is relative and the spec is a file: set base_url"
            ));
        }
        (None, None, _) => return Err("the spec names no server: set base_url".into()),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the API URL {url} has a query or fragment; give its base path only"
        ));
    }
    Ok(url)
}

fn tool_descriptor(operation: &spec::Operation) -> ToolDescriptor {
    let schema =
        |value: &Value| Schema::try_from(value.clone()).expect("operations' schemas are objects");
    let method = &operation.method;
    let safe = *method == http::Method::GET || *method == http::Method::HEAD;
    let mut tool = ToolDescriptor::new(operation.tool.clone());
    tool.description = operation.description.clone().map(Into::into);
    tool.scopes = operation.scopes.iter().cloned().map(Into::into).collect();
    tool.input_schema = schema(&operation.input_schema);
    tool.output_schema = operation.output_schema.as_ref().map(schema);
    tool.annotations = ToolAnnotations {
        read_only_hint: Some(safe),
        destructive_hint: (!safe).then_some(*method == http::Method::DELETE),
        idempotent_hint: Some(
            safe || *method == http::Method::PUT || *method == http::Method::DELETE,
        ),
        open_world_hint: Some(true),
        ..Default::default()
    };
    tool
}

impl App for OpenApiApp {
    fn descriptor(&self) -> AppDescriptor {
        self.descriptor.clone()
    }

    fn call_tool<'a>(
        &'a self,
        call: ToolCall<'a>,
    ) -> BoxFuture<'a, Result<CallToolResult, CallError>> {
        Box::pin(async move {
            let Some((endpoint, caller)) = self.endpoints.get(call.tool) else {
                return Err(CallError::UnknownTool(call.tool.to_owned()));
            };
            let arguments: Value = call.arguments.parse()?;
            self.callers[*caller]
                .call(endpoint, call.ctx, arguments)
                .await
        })
    }
}
