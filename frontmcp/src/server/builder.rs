//! Building servers and apps by hand: everything the macros generate, without macros.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use frontmcp_auth::{AppAuth, ServerAuth, ServerAuthMode};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

#[cfg(feature = "auth-server")]
use super::auth::AuthParts;
use super::dispatch::Inner;
use super::registry::Registry;
use super::{
    App, AppDescriptor, BoxFuture, CallError, CompletionRequest, CompletionTarget, Error,
    HttpConfig, IntoCompletion, IntoPromptResult, IntoResourceContents, IntoToolResult,
    PromptDescriptor, PromptGet, ResourceDescriptor, ResourceRead, Server, SessionManager,
    ToolCall, ToolContext, ToolDescriptor, ToolNaming,
};
#[cfg(feature = "openapi")]
use crate::adapters::openapi::OpenApi;
use crate::protocol::mcp::{
    CallToolResult, Completion, CompletionArgument, CompletionContext, GetPromptResult,
    Implementation, ReadResourceResult,
};
use crate::protocol::stateless::ServerIdentity;

/// Default number of tools per `tools/list` page.
const DEFAULT_PAGE_SIZE: usize = 100;

/// Builds a [`Server`]: name, apps, authorization and transport settings.
///
/// ```
/// use frontmcp::prelude::*;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Greet { name: String }
///
/// let app = AppBuilder::new("hello", "Hello").tool(
///     ToolDescriptor::new("greet").description("Greets someone."),
///     |_ctx: ToolContext, input: Greet| async move { format!("Hello, {}!", input.name) },
/// );
/// let server = Server::builder("hello", "1.0.0").app(app).build().unwrap();
/// assert_eq!(server.info().name, "hello");
/// ```
#[derive(Debug)]
pub struct ServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    apps: Vec<Arc<dyn App>>,
    #[cfg(feature = "openapi")]
    adapters: Vec<OpenApi>,
    auth: ServerAuth,
    http: HttpConfig,
    naming: ToolNaming,
    page_size: usize,
    default_addr: Option<SocketAddr>,
    issuer: Option<String>,
    /// Where configuration variables are read.
    env: crate::env::Environment,
    /// What the authorization server's builder methods override (`server/auth.rs`).
    #[cfg(feature = "auth-server")]
    pub(super) auth_parts: AuthParts,
}

impl fmt::Debug for dyn App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("App")
    }
}

impl ServerBuilder {
    /// A server named `name` at `version` (sent as `serverInfo`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            info: Implementation {
                name: name.into(),
                version: version.into(),
                title: None,
                website_url: None,
            },
            instructions: None,
            apps: Vec::new(),
            #[cfg(feature = "openapi")]
            adapters: Vec::new(),
            auth: ServerAuth::default(),
            http: HttpConfig::default(),
            naming: ToolNaming::default(),
            page_size: DEFAULT_PAGE_SIZE,
            default_addr: None,
            issuer: None,
            env: crate::env::Environment::default(),
            #[cfg(feature = "auth-server")]
            auth_parts: AuthParts::default(),
        }
    }

    /// Display name of the server.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// The server's website.
    pub fn website_url(mut self, url: impl Into<String>) -> Self {
        self.info.website_url = Some(url.into());
        self
    }

    /// Guidance for the model, sent in `initialize`.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Adds an app: a `#[app]` type or an [`AppBuilder`].
    pub fn app(mut self, app: impl App) -> Self {
        self.apps.push(Arc::new(app));
        self
    }

    /// Adds the operations of an OpenAPI spec as tools. The spec is loaded when the server is
    /// built; adapters with the same app ID (by default, behind the same provider) are one app.
    #[cfg(feature = "openapi")]
    pub fn openapi(mut self, adapter: OpenApi) -> Self {
        self.adapters.push(adapter);
        self
    }

    /// Server-level authorization.
    pub fn auth(mut self, auth: ServerAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Streamable HTTP settings.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// How tool names are formed (default `app:tool`).
    pub fn tool_naming(mut self, naming: ToolNaming) -> Self {
        self.naming = naming;
        self
    }

    /// Tools per `tools/list` page (default 100).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size;
        self
    }

    /// The address `serve_from_env` listens on when `FRONTMCP_ADDR` is not set.
    pub fn default_addr(mut self, addr: SocketAddr) -> Self {
        self.default_addr = Some(addr);
        self
    }

    /// The public base URL of the server (`https://mcp.example.com`): the tokens' issuer and the
    /// base of every OAuth URL. Default: `FRONTMCP_ISSUER` under
    /// [`serve_from_env`](Self::serve_from_env), else `http://{bound address}` (a server mounted
    /// with [`Server::router`] binds nothing, so it needs this).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into().trim_end_matches('/').to_owned());
        self
    }

    /// Reads configuration variables (`FRONTMCP_*`, `REDIS_URL`, ...: see [`crate::env`]) from
    /// `env` instead of the process environment.
    pub fn environment(mut self, env: crate::env::Environment) -> Self {
        self.env = env;
        self
    }

    /// The server-level authorization configured so far.
    pub fn auth_config(&self) -> &ServerAuth {
        &self.auth
    }

    /// The HTTP settings configured so far.
    pub fn http_config(&self) -> &HttpConfig {
        &self.http
    }

    /// Validates the composition and builds the server.
    ///
    /// A server with OpenAPI adapters is built with [`build_async`](Self::build_async) (their
    /// specs are read and fetched asynchronously); `build` refuses it. `serve`, `serve_from_env`
    /// and the `#[front_mcp]` constructors do that for you.
    pub fn build(self) -> Result<Server, Error> {
        #[cfg(feature = "openapi")]
        if !self.adapters.is_empty() {
            return Err(Error::Unsupported(
                "a server with OpenAPI adapters loads their specs asynchronously: build it with `build_async().await`, or start it with `serve` / `serve_from_env`".into(),
            ));
        }
        self.finish(Vec::new())
    }

    /// Validates the composition, loads the OpenAPI adapters' specs (files, or URLs fetched with
    /// a timeout, a size limit and SSRF checks), and builds the server.
    #[cfg_attr(not(feature = "openapi"), allow(unused_mut))]
    pub async fn build_async(mut self) -> Result<Server, Error> {
        #[cfg(feature = "openapi")]
        let adapters = crate::adapters::openapi::load_all(std::mem::take(&mut self.adapters))
            .await?
            .into_iter()
            .map(|adapter| Arc::new(adapter) as Arc<dyn App>)
            .collect();
        #[cfg(not(feature = "openapi"))]
        let adapters = Vec::new();
        self.finish(adapters)
    }

    /// The server, with the apps loaded from `adapters` after the others.
    fn finish(self, adapters: Vec<Arc<dyn App>>) -> Result<Server, Error> {
        let mut apps = self.apps;
        apps.extend(adapters);
        let registry = Registry::build(apps, &self.naming, &self.auth, self.page_size, &self.info)?;
        if self.auth.mode == ServerAuthMode::Transparent {
            return Err(Error::Unsupported(
                "auth(mode = \"transparent\") is not available in this version; use mode = \"orchestrated\" (type = \"local\" or \"remote\"), or \"public\"".into(),
            ));
        }
        #[cfg(not(feature = "auth-server"))]
        if self.auth.mode == ServerAuthMode::Orchestrated {
            return Err(Error::Unsupported(
                "auth(mode = \"orchestrated\") needs frontmcp's `auth-server` feature, which this build leaves out".into(),
            ));
        }
        if let Some(path) = &self.http.metrics_path {
            if !path.starts_with('/') || path == crate::transport::http::MCP_PATH {
                return Err(Error::Metrics(format!(
                    "the metrics path `{path}` must start with `/` and not be the MCP endpoint"
                )));
            }
            #[cfg(feature = "prometheus")]
            crate::telemetry::prometheus::install()?;
            #[cfg(not(feature = "prometheus"))]
            return Err(Error::Unsupported(
                "a metrics path needs frontmcp's `prometheus` feature, which this build leaves out"
                    .into(),
            ));
        }
        let sessions = SessionManager::new(self.http.session_idle_timeout, self.http.max_sessions);
        Ok(Server {
            inner: Arc::new(Inner {
                identity: ServerIdentity::new(&self.info),
                info: self.info,
                instructions: self.instructions,
                registry,
                http: self.http,
                auth: self.auth,
                sessions,
                naming: self.naming,
                issuer: self.issuer,
                #[cfg(feature = "auth-server")]
                auth_parts: std::sync::Mutex::new(AuthParts {
                    env: self.env,
                    ..self.auth_parts
                }),
                #[cfg(feature = "auth-server")]
                auth_server: std::sync::OnceLock::new(),
                mounted: std::sync::OnceLock::new(),
                subscriptions: Default::default(),
                peer_requests: Default::default(),
                state_keys: frontmcp_auth::vault::VaultKeys::generate(),
            }),
        })
    }

    /// Builds and serves over Streamable HTTP on `addr` until Ctrl-C or SIGTERM.
    pub async fn serve(self, addr: SocketAddr) -> Result<(), Error> {
        self.build_async().await?.serve(addr).await
    }

    /// Builds and serves as configured by the environment (`FRONTMCP_ADDR`,
    /// `FRONTMCP_TRANSPORT`, `RUST_LOG`, ...): see [`crate::env`].
    pub async fn serve_from_env(self) -> Result<(), Error> {
        let mut env = crate::env::EnvConfig::from_environment(&self.env, self.default_addr)?;
        crate::env::init_tracing(env.log_filter.as_deref())?;
        let mut builder = self;
        if builder.http.metrics_path.is_none() {
            builder.http.metrics_path = env.metrics_path.take();
        }
        let server = match env.issuer {
            Some(issuer) if builder.issuer.is_none() => builder.issuer(issuer),
            _ => builder,
        }
        .build_async()
        .await?;
        let served = match env.transport {
            crate::env::Transport::Http => server.serve(env.addr).await,
            crate::env::Transport::Stdio => server.serve_stdio().await,
        };
        #[cfg(feature = "otlp")]
        crate::telemetry::otlp::shutdown();
        served
    }
}

type Handler = Arc<
    dyn Fn(
            &ToolContext,
            super::Arguments<'_>,
        ) -> Result<BoxFuture<'static, CallToolResult>, CallError>
        + Send
        + Sync,
>;

type ResourceHandler = Arc<
    dyn Fn(&ToolContext, ResourceUri) -> BoxFuture<'static, Result<ReadResourceResult, CallError>>
        + Send
        + Sync,
>;

type PromptHandler = Arc<
    dyn Fn(
            &ToolContext,
            super::Arguments<'_>,
        ) -> Result<BoxFuture<'static, Result<GetPromptResult, CallError>>, CallError>
        + Send
        + Sync,
>;

type Completer = Arc<
    dyn Fn(
            &ToolContext,
            CompletionArgument,
            CompletionContext,
        ) -> BoxFuture<'static, Result<Completion, CallError>>
        + Send
        + Sync,
>;

/// The resource a builder's resource handler reads: its URI, and the variables of its template
/// (empty for a plain resource).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceUri {
    /// The URI read.
    pub uri: String,
    /// The template's variables, by name (percent-decoded).
    pub variables: BTreeMap<String, String>,
}

/// An app built without macros; it is an [`App`] itself.
///
/// Each tool's input schema comes from its handler's input type (`JsonSchema`), its output schema
/// from the handler's return type (see [`IntoToolResult`]); a prompt's arguments come from the
/// fields of its handler's argument type.
pub struct AppBuilder {
    descriptor: AppDescriptor,
    handlers: HashMap<Cow<'static, str>, Handler>,
    resources: HashMap<Cow<'static, str>, (Option<Cow<'static, str>>, ResourceHandler)>,
    prompts: HashMap<Cow<'static, str>, PromptHandler>,
    /// Completers of prompts' arguments and of templates' variables, by name.
    completers: [HashMap<String, Completer>; 2],
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("descriptor", &self.descriptor)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// An app with an ID (lowercase; used in tool names and URLs) and a display name.
    pub fn new(id: impl Into<Cow<'static, str>>, name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            descriptor: AppDescriptor::new(id, name),
            handlers: HashMap::new(),
            resources: HashMap::new(),
            prompts: HashMap::new(),
            completers: [HashMap::new(), HashMap::new()],
        }
    }

    /// What the app is for.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.descriptor = self.descriptor.description(description);
        self
    }

    /// Direct authorization entry point at `/{app}/oauth/authorize`.
    pub fn standalone(mut self, standalone: bool) -> Self {
        self.descriptor = self.descriptor.standalone(standalone);
        self
    }

    /// Leave the app out of the parent consent screen.
    pub fn exclude_from_parent(mut self, exclude: bool) -> Self {
        self.descriptor = self.descriptor.exclude_from_parent(exclude);
        self
    }

    /// The app's authorization configuration.
    pub fn auth(mut self, auth: AppAuth) -> Self {
        self.descriptor = self.descriptor.auth(auth);
        self
    }

    /// Adds a tool: its descriptor and an async handler taking the context and the parsed input.
    /// A tool that takes no arguments can use [`NoArguments`](crate::NoArguments) as input.
    pub fn tool<T, F, Fut, R>(mut self, tool: ToolDescriptor, handler: F) -> Self
    where
        T: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(ToolContext, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoToolResult + 'static,
    {
        let tool = tool.input::<T>().output::<R>();
        let handler: Handler = Arc::new(move |ctx, arguments| {
            let input = arguments.parse::<T>()?;
            let fut = handler(ctx.clone(), input);
            Ok(Box::pin(async move { fut.await.into_tool_result() }))
        });
        self.handlers.insert(tool.name.clone(), handler);
        self.descriptor = self.descriptor.tool(tool);
        self
    }
}

impl AppBuilder {
    /// Adds a resource, or a resource template ([`ResourceDescriptor::template`]): its
    /// descriptor and an async handler taking the context and the URI read.
    ///
    /// ```
    /// use frontmcp::prelude::*;
    ///
    /// let app = AppBuilder::new("notes", "Notes")
    ///     .resource(ResourceDescriptor::new("readme", "notes://readme").mime_type("text/markdown"),
    ///         |_ctx, _uri| async { "# Notes" })
    ///     .resource(ResourceDescriptor::template("note", "notes://{id}"),
    ///         |_ctx, uri| async move { format!("note {}", uri.variables["id"]) });
    /// ```
    pub fn resource<F, Fut, R>(mut self, resource: ResourceDescriptor, handler: F) -> Self
    where
        F: Fn(ToolContext, ResourceUri) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResourceContents + 'static,
    {
        let mime_type = resource.mime_type.clone();
        let mime = mime_type.clone();
        let handler: ResourceHandler = Arc::new(move |ctx, read| {
            let mime = mime.clone();
            let uri = read.uri.clone();
            let fut = handler(ctx.clone(), read);
            Box::pin(async move {
                let contents = fut
                    .await
                    .into_contents(&uri, mime.as_deref())
                    .map_err(|e| CallError::Failed(e.message().to_owned()))?;
                Ok(ReadResourceResult { contents })
            })
        });
        self.resources
            .insert(resource.name.clone(), (mime_type, handler));
        self.descriptor = self.descriptor.resource(resource);
        self
    }

    /// Adds a prompt: its descriptor and an async handler taking the context and the arguments,
    /// parsed into `T` (whose fields are the prompt's arguments; [`NoArguments`](crate::NoArguments)
    /// for none).
    pub fn prompt<T, F, Fut, R>(mut self, prompt: PromptDescriptor, handler: F) -> Self
    where
        T: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(ToolContext, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoPromptResult + 'static,
    {
        let prompt = prompt.arguments::<T>();
        let handler: PromptHandler = Arc::new(move |ctx, arguments| {
            let input = arguments.parse::<T>()?;
            let fut = handler(ctx.clone(), input);
            Ok(Box::pin(async move {
                fut.await
                    .into_prompt_result()
                    .map_err(|e| CallError::Failed(e.message().to_owned()))
            }))
        });
        self.prompts.insert(prompt.name.clone(), handler);
        self.descriptor = self.descriptor.prompt(prompt);
        self
    }

    /// Adds the completer of the arguments of prompt `target` ([`CompletionTarget::Prompt`]) or
    /// of the variables of template `target` ([`CompletionTarget::Template`]), by their names in
    /// the app.
    pub fn completer<F, Fut, R>(mut self, target: CompletionTarget<'static>, handler: F) -> Self
    where
        F: Fn(ToolContext, CompletionArgument, CompletionContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoCompletion + 'static,
    {
        let (kind, name) = completer_key(target);
        let handler: Completer = Arc::new(move |ctx, argument, context| {
            let fut = handler(ctx.clone(), argument, context);
            Box::pin(async move {
                fut.await
                    .into_completion()
                    .map_err(|e| CallError::Failed(e.message().to_owned()))
            })
        });
        self.completers[kind].insert(name.to_owned(), handler);
        self
    }
}

fn completer_key(target: CompletionTarget<'_>) -> (usize, &str) {
    match target {
        CompletionTarget::Prompt(name) => (0, name),
        CompletionTarget::Template(name) => (1, name),
    }
}

impl App for AppBuilder {
    fn descriptor(&self) -> AppDescriptor {
        self.descriptor.clone()
    }

    fn call_tool<'a>(
        &'a self,
        call: ToolCall<'a>,
    ) -> BoxFuture<'a, Result<CallToolResult, CallError>> {
        let started = match self.handlers.get(call.tool) {
            Some(handler) => handler(call.ctx, call.arguments),
            None => Err(CallError::UnknownTool(call.tool.to_owned())),
        };
        Box::pin(async move { Ok(started?.await) })
    }

    fn read_resource<'a>(
        &'a self,
        read: ResourceRead<'a>,
    ) -> BoxFuture<'a, Result<ReadResourceResult, CallError>> {
        let Some((_, handler)) = self.resources.get(read.resource) else {
            return Box::pin(std::future::ready(Err(CallError::UnknownResource(
                read.uri.to_owned(),
            ))));
        };
        let uri = ResourceUri {
            uri: read.uri.to_owned(),
            variables: read
                .variables
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
        };
        handler(read.ctx, uri)
    }

    fn get_prompt<'a>(
        &'a self,
        get: PromptGet<'a>,
    ) -> BoxFuture<'a, Result<GetPromptResult, CallError>> {
        let started = match self.prompts.get(get.prompt) {
            Some(handler) => handler(get.ctx, get.arguments),
            None => Err(CallError::UnknownPrompt(get.prompt.to_owned())),
        };
        Box::pin(async move { started?.await })
    }

    fn complete<'a>(
        &'a self,
        request: CompletionRequest<'a>,
    ) -> BoxFuture<'a, Result<Completion, CallError>> {
        let (kind, name) = completer_key(request.target);
        match self.completers[kind].get(name) {
            Some(handler) => handler(
                request.ctx,
                request.argument.clone(),
                request.context.clone(),
            ),
            None => Box::pin(std::future::ready(Ok(Completion::default()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::BuildError;

    fn echo() -> AppBuilder {
        AppBuilder::new("echo", "Echo").tool(
            ToolDescriptor::new("say"),
            |_ctx, input: crate::NoArguments| async move {
                let _ = input;
                "said"
            },
        )
    }

    #[test]
    fn duplicate_apps_and_tools_are_refused() {
        let err = ServerBuilder::new("s", "1")
            .app(echo())
            .app(echo())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::DuplicateApp(id)) if id == "echo"));
        let err = ServerBuilder::new("s", "1").build().unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::NoApps)));
    }

    /// The builder applies the rules the macros apply (frontmcp-rules): IDs that would share
    /// their environment variables, the sign-in's ID, and tool names outside MCP's advice.
    #[test]
    fn the_macros_rules_hold_for_hand_built_apps() {
        let named = |id: &str, tool: &str| {
            AppBuilder::new(id.to_owned(), "App").tool(
                ToolDescriptor::new(tool.to_owned()),
                |_ctx, input: crate::NoArguments| async move {
                    let _ = input;
                    "ok"
                },
            )
        };
        let build = |apps: Vec<AppBuilder>| {
            apps.into_iter()
                .fold(ServerBuilder::new("s", "1"), ServerBuilder::app)
                .build()
                .unwrap_err()
        };
        let err = build(vec![named("my-app", "a"), named("my_app", "b")]);
        assert!(
            matches!(err, Error::Build(BuildError::DuplicateApp(ref id)) if id == "my_app"),
            "{err}"
        );
        let err = build(vec![named("signin", "a")]);
        assert!(
            matches!(err, Error::Build(BuildError::ReservedAppId(_))),
            "{err}"
        );
        for tool in ["a/b", "café", "send message", ""] {
            let err = build(vec![named("app", tool)]);
            assert!(
                matches!(err, Error::Build(BuildError::BadToolName(_))),
                "{tool}: {err}"
            );
        }
        let err = build(vec![named("app", &"t".repeat(125))]);
        assert!(
            matches!(err, Error::Build(BuildError::BadToolName(_))),
            "a full name over 128: {err}"
        );
    }

    /// A scope with a space would be asked for, and granted, as two: hand-built tools,
    /// resources and prompts are refused one, as the macros refuse it.
    #[test]
    fn needed_scopes_are_oauth_scopes() {
        let refused = |app: AppBuilder| match ServerBuilder::new("s", "1").app(app).build() {
            Err(Error::Build(BuildError::BadScope { owner, scope })) => (owner, scope),
            other => panic!("{:?}", other.map(|_| ())),
        };
        let tool = |scope: &'static str| {
            AppBuilder::new("crm", "CRM").tool(
                ToolDescriptor::new("find").scopes(["crm:read", scope]),
                |_ctx, input: crate::NoArguments| async move {
                    let _ = input;
                    "found"
                },
            )
        };
        assert!(
            ServerBuilder::new("s", "1")
                .app(tool("crm:write"))
                .build()
                .is_ok()
        );
        assert_eq!(
            refused(tool("crm:read crm:write")),
            ("crm:find".into(), "crm:read crm:write".into())
        );
        assert_eq!(refused(tool("")), ("crm:find".into(), "".into()));
        let resource = AppBuilder::new("crm", "CRM").resource(
            ResourceDescriptor::new("deals", "crm://deals").scopes(["deals\\all"]),
            |_ctx, _uri| async { "[]" },
        );
        assert_eq!(
            refused(resource),
            ("crm://deals".into(), "deals\\all".into())
        );
        let prompt = AppBuilder::new("crm", "CRM").prompt(
            PromptDescriptor::new("summary").scopes(["crm:\"read\""]),
            |_ctx, input: crate::NoArguments| async move {
                let _ = input;
                "Summarize."
            },
        );
        assert_eq!(refused(prompt).0, "crm:summary");
    }

    #[test]
    fn non_object_input_is_refused() {
        let app = AppBuilder::new("n", "N")
            .tool(ToolDescriptor::new("count"), |_ctx, n: u32| async move {
                n.to_string()
            });
        let err = ServerBuilder::new("s", "1").app(app).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Build(BuildError::SchemaNotObject { which: "input", .. })
            ),
            "{err}"
        );
    }

    #[test]
    fn auth_modes_not_built_yet_are_refused() {
        let auth = ServerAuth {
            mode: ServerAuthMode::Transparent,
            ..Default::default()
        };
        let err = ServerBuilder::new("s", "1")
            .app(echo())
            .auth(auth)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)));
    }

    /// A build without the authorization server says so rather than serving an orchestrated
    /// server's tools to anyone.
    #[test]
    #[cfg(not(feature = "auth-server"))]
    fn orchestrated_servers_need_the_authorization_server() {
        let auth = ServerAuth {
            mode: ServerAuthMode::Orchestrated,
            ..Default::default()
        };
        let err = ServerBuilder::new("s", "1")
            .app(echo())
            .auth(auth)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("`auth-server` feature"), "{err}");
    }
}
