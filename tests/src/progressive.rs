//! Progressive authorization fixtures: the seeds' apps (a CRM covered by the sign-in; Slack,
//! GitHub and a standalone Billing app with their own providers, played by the DEMO provider) in
//! an in-process server, and a user agent with cookies that walks the browser's side of the flows.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};

use frontmcp::ServerBuilder;
use frontmcp::auth::store::RedisStore;
use frontmcp::auth::vault::VaultKeys;
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_demo_provider::{DemoProvider, DemoProviderBuilder, ProviderSpec, RunningDemo};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::oauth::{VERIFIER, location_params, param, register, root};
use crate::own_redis::OwnRedis;
use crate::{Http, Reply, TestServer, initialize_body};

static HTTP: LazyLock<reqwest::Client> = LazyLock::new(reqwest::Client::new);

/// What the demo provider's echo API says of a token.
#[derive(Deserialize)]
struct Echoed {
    user: String,
}

/// Checks the app token and its `scope` against the provider's echo API; the upstream user.
async fn upstream_user(ctx: &ToolContext, scope: &str) -> ToolResult<String> {
    let token = ctx.app_token().await?;
    let provider = ctx.app_provider().expect("an app with a provider");
    let response = HTTP
        .post(format!("{provider}/api/echo"))
        .query(&[("scope", scope)])
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await?;
    match response.status().as_u16() {
        200 => Ok(response.json::<Echoed>().await?.user),
        401 => Err(ctx.app_token_rejected().await),
        status => Err(ToolError::new(format!("the provider answered {status}"))),
    }
}

/// Covered by the sign-in.
#[derive(Debug, Default)]
pub struct CrmApp;

#[app(name = "CRM")]
impl CrmApp {
    /// Lists contacts.
    #[tool(scopes("crm:read"))]
    async fn get_contacts(&self) -> &'static str {
        "Ada Lovelace"
    }
}

/// Its own provider (the demo's `slack`).
#[derive(Debug, Default)]
pub struct SlackApp;

#[app(
    name = "Slack",
    auth(
        mode = "transparent",
        remote(
            provider = "https://slack.com/oauth",
            scopes("chat:write", "channels:read"),
            client_id = "suite"
        )
    )
)]
impl SlackApp {
    /// Posts a message.
    #[tool(scopes("chat:write"))]
    async fn send_message(&self, ctx: &ToolContext) -> ToolResult<String> {
        Ok(format!(
            "sent as {}",
            upstream_user(ctx, "chat:write").await?
        ))
    }

    /// Lists channels.
    #[tool(scopes("channels:read"))]
    async fn list_channels(&self, ctx: &ToolContext) -> ToolResult<String> {
        Ok(format!(
            "channels of {}",
            upstream_user(ctx, "channels:read").await?
        ))
    }
}

/// Its own provider (the demo's `github`).
#[derive(Debug, Default)]
pub struct GitHubApp;

#[app(
    name = "GitHub",
    auth(
        mode = "transparent",
        remote(
            provider = "https://github.com/login/oauth",
            scopes("repo", "user"),
            client_id = "suite"
        )
    )
)]
impl GitHubApp {
    /// Opens an issue.
    #[tool(scopes("repo"))]
    async fn create_issue(&self, ctx: &ToolContext) -> ToolResult<String> {
        Ok(format!("opened by {}", upstream_user(ctx, "repo").await?))
    }

    /// A repository's README, read with the app's token.
    #[resource(
        template = "github://repos/{name}/readme",
        mime_type = "text/markdown",
        scopes("repo")
    )]
    async fn readme(&self, ctx: &ToolContext, name: String) -> ToolResult<String> {
        Ok(format!(
            "# {name}\nread by {}",
            upstream_user(ctx, "repo").await?
        ))
    }

    /// A review of the user's work, for the model.
    #[prompt(scopes("repo"))]
    async fn review(&self, ctx: &ToolContext) -> ToolResult<String> {
        Ok(format!(
            "Review the work of {}.",
            upstream_user(ctx, "repo").await?
        ))
    }
}

/// Standalone and left out of the server's consent screen: authorized at `/billing/oauth/authorize`.
#[derive(Debug, Default)]
pub struct BillingApp;

#[app(
    name = "Billing",
    standalone = true,
    exclude_from_parent = true,
    auth(
        mode = "transparent",
        remote(
            provider = "https://billing.example/oauth",
            scopes("billing:read"),
            client_id = "suite"
        )
    )
)]
impl BillingApp {
    /// Lists invoices.
    #[tool(scopes("billing:read"))]
    async fn list_invoices(&self, ctx: &ToolContext) -> ToolResult<String> {
        Ok(format!(
            "invoices of {}",
            upstream_user(ctx, "billing:read").await?
        ))
    }
}

/// The demo provider with the seeds' providers plus `billing`.
pub fn demo_builder() -> DemoProviderBuilder {
    DemoProvider::builder().provider(ProviderSpec::new("billing", "Billing", ["billing:read"]))
}

/// An orchestrated server of the four apps, its providers pointed at `demo`.
pub fn suite_builder(demo: &RunningDemo) -> ServerBuilder {
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    crate::builder("AgentSuite", "1.0.0")
        .app(CrmApp)
        .app(SlackApp)
        .app(GitHubApp)
        .app(BillingApp)
        .auth(auth)
        .upstream_provider("slack", demo.url("slack"))
        .upstream_provider("github", demo.url("github"))
        .upstream_provider("billing", demo.url("billing"))
}

/// The suite running: the demo provider and the server.
#[derive(Debug)]
pub struct Suite {
    /// The DEMO provider playing Slack, GitHub and Billing.
    pub demo: RunningDemo,
    /// The server.
    pub server: TestServer,
    /// A client for it.
    pub http: Http,
}

impl Suite {
    /// The suite with default settings.
    pub async fn start() -> Self {
        Self::start_with(demo_builder(), |b| b).await
    }

    /// The suite with the demo provider from `demo` and the server builder changed by `configure`.
    pub async fn start_with(
        demo: DemoProviderBuilder,
        configure: impl FnOnce(ServerBuilder) -> ServerBuilder,
    ) -> Self {
        let demo = demo
            .bind("127.0.0.1:0")
            .await
            .expect("the demo provider binds");
        let server = TestServer::start(configure(suite_builder(&demo))).await;
        let http = Http::new(&server.url);
        Self { demo, server, http }
    }

    /// The suite keeping its state in `redis` (a Redis the test owns and may stop: 500 ms
    /// timeouts), with a vault key of its own.
    pub async fn on_redis(redis: &OwnRedis) -> Self {
        let store = RedisStore::connect_with_timeout(
            &redis.url(),
            "t:",
            std::time::Duration::from_millis(500),
        )
        .await
        .expect("the test's Redis answers");
        Self::start_with(demo_builder(), |b| {
            b.store(std::sync::Arc::new(store))
                .vault_keys(VaultKeys::generate())
        })
        .await
    }

    /// A user agent for this server.
    pub fn browser(&self) -> UserAgent {
        UserAgent::new(&self.http)
    }

    /// `user` signed in through a new browser with `decisions`: the browser, an MCP client with
    /// the session token (no client capabilities), and the token response.
    pub async fn signed_in(
        &self,
        user: &str,
        decisions: &[(&str, Decision)],
    ) -> (UserAgent, Client, Value) {
        let browser = self.browser();
        let (_, tokens) = browser.sign_in(user, decisions).await;
        let token = tokens["access_token"].as_str().expect("an access token");
        let client = Client::connect(&self.http, token, json!({})).await;
        (browser, client, tokens)
    }
}

/// A browser: keeps each site's cookies (by origin) and sends them back; follows nothing by
/// itself.
#[derive(Debug)]
pub struct UserAgent {
    http: Http,
    root: String,
    /// The server's public URL when it differs from where it listens (`FRONTMCP_ISSUER` of
    /// processes behind one address): links to it go to `root`.
    public: Option<String>,
    /// Cookies by origin, then name.
    cookies: Mutex<BTreeMap<String, BTreeMap<String, String>>>,
}

/// `scheme://host:port` of an absolute URL.
fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// How the user decides on the consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Authorize the app (at its provider, for apps with one).
    Authorize,
    /// Skip it.
    Skip,
}

impl UserAgent {
    /// A browser with no cookies.
    pub fn new(http: &Http) -> Self {
        Self {
            http: http.clone(),
            root: root(http),
            public: None,
            cookies: Mutex::default(),
        }
    }

    /// Sends what is addressed to `public_origin` (the servers' shared public URL) to the server
    /// this agent talks to, as a load balancer would.
    pub fn behind(mut self, public_origin: &str) -> Self {
        self.public = Some(public_origin.trim_end_matches('/').to_owned());
        self
    }

    fn cookie_header(&self, origin: &str) -> String {
        self.cookies
            .lock()
            .unwrap()
            .get(origin)
            .map(|jar| {
                jar.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    /// Runs `f` on the server's own cookies.
    fn server_jar<T>(&self, f: impl FnOnce(&mut BTreeMap<String, String>) -> T) -> T {
        let origin = origin_of(&self.root);
        f(self.cookies.lock().unwrap().entry(origin).or_default())
    }

    /// Whether the browser holds a cookie of the server whose name starts with `prefix`.
    pub fn has_cookie(&self, prefix: &str) -> bool {
        self.server_jar(|jar| jar.keys().any(|k| k.starts_with(prefix)))
    }

    /// The values of every cookie the browser holds for the server.
    pub fn cookie_values(&self) -> Vec<String> {
        self.server_jar(|jar| jar.values().cloned().collect())
    }

    /// Forgets every cookie of the server whose name starts with `prefix`.
    pub fn forget_cookies(&self, prefix: &str) {
        self.server_jar(|jar| jar.retain(|k, _| !k.starts_with(prefix)));
    }

    /// A request to an absolute URL; the server's cookies go only to the server.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        content_type: Option<&str>,
        body: String,
    ) -> Reply {
        let url = match &self.public {
            Some(public) if url.starts_with(public.as_str()) => {
                format!("{}{}", self.root, &url[public.len()..])
            }
            _ => url.to_owned(),
        };
        let url = url.as_str();
        let origin = origin_of(url);
        let cookie = self.cookie_header(&origin);
        let mut headers = Vec::new();
        if !cookie.is_empty() {
            headers.push(("cookie", cookie.as_str()));
        }
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        let reply = self.http.fetch(method, url, &headers, body).await;
        let mut jars = self.cookies.lock().unwrap();
        let jar = jars.entry(origin).or_default();
        for set in reply.headers.get_all("set-cookie") {
            let attributes = set.to_str().unwrap();
            let pair = attributes.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            // A cookie set to expire now is deleted.
            if value.is_empty() || attributes.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        drop(jars);
        reply
    }

    /// GET a path of the server with exactly `cookie`, whatever the jar holds.
    pub async fn http_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        self.http
            .request(Method::GET, path, &[("cookie", cookie)], "")
            .await
    }

    /// GET an absolute URL, or a path of the server.
    pub async fn get(&self, url: &str) -> Reply {
        let url = self.absolute(url);
        self.send(Method::GET, &url, None, String::new()).await
    }

    /// POSTs a form to a path of the server.
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let url = self.absolute(path);
        self.send(
            Method::POST,
            &url,
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.root)
        }
    }

    /// Submits the page's form (its hidden fields) with `fields`.
    pub async fn submit(&self, page: &Reply, fields: &[(&str, &str)]) -> Reply {
        let action = form_action(&page.body);
        let hidden = hidden_fields(&page.body);
        let mut pairs: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend_from_slice(fields);
        self.post_form(&action, &pairs).await
    }

    /// From a redirect to the demo provider, approves there as `upstream_user` and comes back to
    /// the server's callback: the page the callback answers.
    pub async fn approve_at_provider(&self, to_provider: &Reply, upstream_user: &str) -> Reply {
        assert_eq!(
            to_provider.status,
            StatusCode::SEE_OTHER,
            "expected the redirect to the provider: {}",
            to_provider.body
        );
        let location = to_provider.header("location").unwrap();
        let at_provider = self
            .get(&format!(
                "{location}&demo_auto=allow&demo_user={upstream_user}"
            ))
            .await;
        assert_eq!(
            at_provider.status,
            StatusCode::FOUND,
            "{}",
            at_provider.body
        );
        self.get(at_provider.header("location").unwrap()).await
    }

    /// Opens an app's authorization link as `user` (signing in when the server asks) and
    /// presses Authorize on the app's card: the redirect to the provider.
    pub async fn to_provider(&self, link: &str, user: &str) -> Reply {
        let mut page = self.get(link).await;
        if page.status == StatusCode::OK && page.body.contains("<h1>Sign in</h1>") {
            page = self
                .submit(&page, &[("username", user), ("password", "pw")])
                .await;
        }
        let app = url::Url::parse(&self.absolute(link))
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "app")
            .map(|(_, v)| v.into_owned())
            .expect("the link names its app");
        assert!(
            page.body.contains(&format!("value=\"authorize:{app}\"")),
            "expected {app}'s card: {} {}",
            page.status,
            page.body
        );
        self.submit_consent(&page, &format!("authorize:{app}"))
            .await
    }

    /// Opens an app's authorization link as `user`, authorizes on the app's card and approves
    /// at the provider as `upstream_user`, stopping before the provider's redirect back: the
    /// callback URL, not yet followed.
    pub async fn provider_answer(&self, link: &str, user: &str, upstream_user: &str) -> String {
        let to_provider = self.to_provider(link, user).await;
        let at_provider = self
            .get(&format!(
                "{}&demo_auto=allow&demo_user={upstream_user}",
                to_provider.header("location").unwrap()
            ))
            .await;
        assert_eq!(
            at_provider.status,
            StatusCode::FOUND,
            "{}",
            at_provider.body
        );
        at_provider.header("location").unwrap().to_owned()
    }

    /// Opens an app's authorization link as `user` (signing in when the server asks), authorizes
    /// on the app's card and approves at the provider as `upstream_user`: the page the flow
    /// ends on.
    pub async fn authorize_link(&self, link: &str, user: &str, upstream_user: &str) -> Reply {
        let to_provider = self.to_provider(link, user).await;
        self.approve_at_provider(&to_provider, upstream_user).await
    }

    /// Signs in through a client's authorization request as `user`, applies `decisions` on the
    /// consent screen (approving at the provider as `{user}-{app}`), continues, and exchanges the
    /// code: the client ID and the token response.
    pub async fn sign_in(&self, user: &str, decisions: &[(&str, Decision)]) -> (String, Value) {
        let client_id = register(&self.http, json!({})).await["client_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let code = self
            .consent_flow(&client_id, "/oauth/authorize", user, decisions)
            .await;
        let tokens = crate::oauth::exchange(&self.http, &client_id, &code, VERIFIER).await;
        assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
        (client_id, tokens.json())
    }

    /// The consent flow of a client's request to `endpoint` (`/oauth/authorize` or an app's
    /// `/{app}/oauth/authorize`): the code.
    pub async fn consent_flow(
        &self,
        client_id: &str,
        endpoint: &str,
        user: &str,
        decisions: &[(&str, Decision)],
    ) -> String {
        let query = crate::oauth::authorize_query(client_id, &[]);
        let query = query.strip_prefix("/oauth/authorize").unwrap();
        let login = self.get(&format!("{endpoint}{query}")).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        let mut page = self
            .submit(&login, &[("username", user), ("password", "pw")])
            .await;
        for (app, decision) in decisions {
            page = match decision {
                Decision::Skip => {
                    let action = format!("skip:{app}");
                    self.submit_consent(&page, &action).await
                }
                Decision::Authorize => {
                    let action = format!("authorize:{app}");
                    let to_provider = self.submit_consent(&page, &action).await;
                    self.approve_at_provider(&to_provider, &format!("{user}-{app}"))
                        .await
                }
            };
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        }
        let done = self.submit_consent(&page, "continue").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let params = location_params(&done);
        assert_eq!(param(&params, "state"), Some("xyz"));
        param(&params, "code").unwrap().to_owned()
    }

    /// Presses a consent button, with the checkboxes as the page shows them.
    pub async fn submit_consent(&self, page: &Reply, action: &str) -> Reply {
        let tools = crate::oauth::checked_tools(&page.body);
        let mut fields = vec![("action", action)];
        fields.extend(tools.iter().map(|t| ("tool", t.as_str())));
        self.submit(page, &fields).await
    }
}

/// The `action` of a page's form.
pub fn form_action(page: &str) -> String {
    let start = page
        .find("<form method=\"post\" action=\"")
        .expect("a form")
        + 28;
    page[start..].split('"').next().unwrap().to_owned()
}

/// Every hidden field of a page's first form.
pub fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let first_form = page.split("</form>").next().unwrap_or(page);
    first_form
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split_once("value=\"")
                .unwrap()
                .1
                .split('"')
                .next()
                .unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// The statuses on a consent page, by app name, in page order.
pub fn badges(page: &str) -> Vec<(String, String)> {
    page.split("<section class=\"app\"")
        .skip(1)
        .map(|card| {
            let name = card
                .split_once("<h2")
                .and_then(|(_, r)| r.split_once('>'))
                .map(|(_, r)| r.split('<').next().unwrap().to_owned())
                .unwrap();
            let badge = card
                .split_once("class=\"badge ")
                .and_then(|(_, r)| r.split_once('>'))
                .map(|(_, r)| r.split('<').next().unwrap().to_owned())
                .unwrap();
            (name, badge)
        })
        .collect()
}

/// An MCP client with a session token.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    bearer: String,
    /// Its MCP session.
    pub session: String,
}

impl Client {
    /// Initializes an MCP session with `token`, declaring `capabilities`.
    pub async fn connect(http: &Http, token: &str, capabilities: Value) -> Self {
        let bearer = format!("Bearer {token}");
        let reply = http
            .post(
                &[("authorization", &bearer)],
                initialize_body("2025-11-25", capabilities).to_string(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let session = reply.header("mcp-session-id").unwrap().to_owned();
        Self {
            http: http.clone(),
            bearer,
            session,
        }
    }

    /// Opens the session's server-to-client stream (`GET /mcp`).
    pub async fn event_stream(&self) -> EventStream {
        let response = HTTP
            .get(&self.http.url)
            .header("authorization", &self.bearer)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &self.session)
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), 200);
        EventStream::new(response)
    }

    /// A request in the session: the whole reply.
    pub async fn send(&self, body: &Value) -> Reply {
        self.http
            .post(
                &[
                    ("authorization", &self.bearer),
                    ("mcp-session-id", &self.session),
                ],
                body.to_string(),
            )
            .await
    }

    /// `tools/call` of `tool` without arguments: the whole reply.
    pub async fn call_reply(&self, tool: &str) -> Reply {
        self.send(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": tool, "arguments": {}}}))
            .await
    }

    /// `tools/call` of `tool` without arguments: the JSON-RPC `result` or `error`.
    pub async fn call(&self, tool: &str) -> Value {
        self.call_json(json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": tool, "arguments": {}}}))
            .await
    }

    /// A request in the session: the JSON-RPC `result` or `error`.
    pub async fn call_json(&self, body: Value) -> Value {
        let reply = self.send(&body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let json = reply.json();
        json.get("result")
            .or_else(|| json.get("error"))
            .cloned()
            .unwrap()
    }

    /// The text of a successful call's first content block.
    pub async fn call_ok(&self, tool: &str) -> String {
        let result = self.call(tool).await;
        assert!(
            result.get("isError").is_none() && result.get("code").is_none(),
            "{tool} failed: {result}"
        );
        result["content"][0]["text"].as_str().unwrap().to_owned()
    }

    /// The `auth_url` of a call that answers `AUTH_REQUIRED`.
    pub async fn auth_link(&self, tool: &str) -> String {
        self.auth_required(tool).await["auth_url"]
            .as_str()
            .expect("an auth_url")
            .to_owned()
    }

    /// A call that answers `AUTH_REQUIRED` as an `isError` result: the seeds' object.
    pub async fn auth_required(&self, tool: &str) -> Value {
        let result = self.call(tool).await;
        assert_eq!(result["isError"], true, "{tool}: {result}");
        auth_notice(&result)
    }
}

/// The seeds' `AUTH_REQUIRED` object of an `isError` tool result: in `_meta`, and in
/// `structuredContent` too only when that is valid (the tool declares no `outputSchema`).
pub fn auth_notice(result: &Value) -> Value {
    let object = result["_meta"]["dev.frontmcp/authorization"].clone();
    assert_eq!(object["code"], "AUTH_REQUIRED", "{result}");
    if let Some(structured) = result.get("structuredContent") {
        assert_eq!(structured, &object, "{result}");
    }
    object
}

/// A 2026-07-28 client with a session token: every request stands alone, with `capabilities`
/// declared in its `_meta`.
#[derive(Debug, Clone)]
pub struct StatelessClient {
    http: Http,
    bearer: String,
    capabilities: Value,
}

/// The key of the URL elicitation an `InputRequiredResult` asks to authorize `app` with.
pub fn authorize_key(app: &str) -> String {
    format!("authorize-{app}")
}

impl StatelessClient {
    /// A client of `http` with `token`, declaring `capabilities` on every request.
    pub fn new(http: &Http, token: &str, capabilities: Value) -> Self {
        Self {
            http: http.clone(),
            bearer: format!("Bearer {token}"),
            capabilities,
        }
    }

    /// A client declaring URL elicitation, as a client that can open links for the user does.
    pub fn with_url_elicitation(http: &Http, token: &str) -> Self {
        Self::new(http, token, json!({"elicitation": {"url": {}}}))
    }

    /// A request: the whole reply.
    pub async fn send(&self, method: &str, params: Value) -> Reply {
        self.http
            .stateless(
                method,
                params,
                self.capabilities.clone(),
                &[("authorization", &self.bearer)],
            )
            .await
    }

    /// `tools/call` of `tool` with `arguments` and any of `inputResponses` and `requestState`
    /// in `retry`: the JSON-RPC `result` or `error`.
    pub async fn call_with(&self, tool: &str, arguments: Value, retry: Value) -> Value {
        let mut params = json!({"name": tool, "arguments": arguments});
        if let Value::Object(fields) = retry {
            params.as_object_mut().unwrap().extend(fields);
        }
        let reply = self.send("tools/call", params).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let json = reply.json();
        json.get("result")
            .or_else(|| json.get("error"))
            .cloned()
            .unwrap()
    }

    /// `tools/call` of `tool` without arguments.
    pub async fn call(&self, tool: &str) -> Value {
        self.call_with(tool, json!({}), json!({})).await
    }

    /// A call answered `input_required` asking to authorize `app`: the link, and the retry's
    /// `inputResponses` and `requestState` once the user has followed it.
    pub async fn authorization_asked(&self, tool: &str, app: &str) -> (String, Value) {
        let result = self.call(tool).await;
        input_required_link(&result, app)
    }

    /// Opens a subscription (`subscriptions/listen` request `id`) for `notifications`: its
    /// event stream.
    pub async fn listen(&self, id: u64, notifications: Value) -> EventStream {
        let mut params = json!({"notifications": notifications});
        params["_meta"] = crate::stateless_meta(self.capabilities.clone());
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": params});
        let mut request = HTTP
            .post(&self.http.url)
            .header("authorization", &self.bearer)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        for (name, value) in crate::stateless_headers(&body) {
            request = request.header(name, value);
        }
        let response = request
            .body(body.to_string())
            .send()
            .await
            .expect("the subscription opens");
        assert_eq!(response.status(), 200);
        EventStream::new(response)
    }

    /// The retry of `tool` (no arguments) with what [`authorization_asked`](Self::authorization_asked) gave.
    pub async fn retry(&self, tool: &str, retry: &Value) -> Value {
        self.call_with(tool, json!({}), retry.clone()).await
    }
}

/// The link of an `InputRequiredResult` asking to authorize `app`, and the retry's
/// `inputResponses` (accepted) and `requestState`.
pub fn input_required_link(result: &Value, app: &str) -> (String, Value) {
    assert_eq!(result["resultType"], "input_required", "{result}");
    let key = authorize_key(app);
    let request = &result["inputRequests"][&key];
    assert_eq!(request["method"], "elicitation/create", "{result}");
    assert_eq!(request["params"]["mode"], "url", "{result}");
    let link = request["params"]["url"].as_str().expect("a URL").to_owned();
    let state = result["requestState"].as_str().expect("a requestState");
    let retry = json!({
        "inputResponses": {key: {"action": "accept"}},
        "requestState": state,
    });
    (link, retry)
}

/// A session's server-to-client stream.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    seen: String,
    /// How much of `seen` earlier receives matched up to: each message is received once.
    taken: usize,
}

impl EventStream {
    /// The stream of `response` (an event stream).
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            seen: String::new(),
            taken: 0,
        }
    }

    /// Whether `message` arrives within five seconds (after the messages earlier calls
    /// received).
    pub async fn receives(&mut self, message: &Value) -> bool {
        self.receives_within(message, std::time::Duration::from_secs(5))
            .await
    }

    /// Whether `message` arrives within `wait` (after the messages earlier calls received).
    pub async fn receives_within(&mut self, message: &Value, wait: std::time::Duration) -> bool {
        let wait = tokio::time::timeout(wait, async {
            loop {
                if self.take(message) {
                    return true;
                }
                match self.response.chunk().await.expect("the stream reads") {
                    Some(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                    None => return false,
                }
            }
        });
        wait.await.unwrap_or(false)
    }

    /// Finds `message` among the complete lines not taken yet; takes everything up to it.
    fn take(&mut self, message: &Value) -> bool {
        let mut at = self.taken;
        for line in self.seen[self.taken..].split_inclusive('\n') {
            at += line.len();
            if !line.ends_with('\n') {
                break;
            }
            let matches = line.trim_end().strip_prefix("data: ").is_some_and(|data| {
                serde_json::from_str::<Value>(data).ok().as_ref() == Some(message)
            });
            if matches {
                self.taken = at;
                return true;
            }
        }
        false
    }

    /// The next message (after the ones earlier calls received), within five seconds; `None`
    /// when the stream ends or stays quiet.
    pub async fn next_message(&mut self) -> Option<Value> {
        let wait = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            loop {
                let mut at = self.taken;
                for line in self.seen[self.taken..].split_inclusive('\n') {
                    if !line.ends_with('\n') {
                        break;
                    }
                    at += line.len();
                    let data = line
                        .trim_end()
                        .strip_prefix("data: ")
                        .filter(|d| !d.is_empty());
                    if let Some(data) = data {
                        self.taken = at;
                        return serde_json::from_str(data).ok();
                    }
                }
                self.taken = at;
                match self.response.chunk().await.expect("the stream reads") {
                    Some(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                    None => return None,
                }
            }
        });
        wait.await.ok().flatten()
    }

    /// Everything the stream carried so far.
    pub fn seen(&self) -> &str {
        &self.seen
    }
}

/// `notifications/elicitation/complete` for `elicitation_id`.
pub fn elicitation_complete(elicitation_id: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "notifications/elicitation/complete",
        "params": {"elicitationId": elicitation_id},
    })
}
