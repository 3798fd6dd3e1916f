//! What the macros parse reaches the runtime intact: every option of the seeds, on apps and on
//! the server.

use frontmcp::App;
use frontmcp::auth::{AppAuthMode, ServerAuthMode, ServerAuthType, SessionMode, TokenStorage};
use frontmcp::prelude::*;
use frontmcp::{ResponseMode, ToolNaming};

#[derive(Deserialize, JsonSchema)]
struct SendMessage {
    channel: String,
    message: String,
}

#[derive(Default)]
struct SlackApp;

#[app(
    name = "Slack",
    description = "Team messaging.",
    standalone = true,
    auth(
        mode = "transparent",
        remote(
            provider = "https://slack.com/oauth",
            scopes("chat:write", "channels:read"),
            client_id_env = "SLACK_CLIENT_ID",
            client_secret_env = "SLACK_CLIENT_SECRET",
            token_endpoint = "https://slack.com/api/oauth.v2.access"
        )
    )
)]
impl SlackApp {
    /// Post a message to a channel.
    ///
    /// The channel must exist.
    #[tool(
        name = "send_message",
        scopes("chat:write"),
        destructive = false,
        open_world = true
    )]
    async fn send(&self, _ctx: &ToolContext, input: SendMessage) -> ToolResult<String> {
        Ok(format!("{}: {}", input.channel, input.message))
    }

    #[tool(
        title = "Channels",
        description = "Lists channels.",
        read_only = true,
        idempotent = true
    )]
    async fn r#list_channels(&self) -> Vec<Content> {
        vec![Content::text("general")]
    }
}

#[derive(Default)]
struct GitHubApp;

#[app(
    name = "GitHub",
    id = "gh",
    exclude_from_parent = true,
    standalone = true
)]
impl GitHubApp {
    #[tool]
    async fn create_issue(&self) -> &'static str {
        "opened"
    }
}

#[front_mcp(
    info(
        name = "AgentSuite",
        version = "1.0.0",
        title = "Agent Suite",
        website_url = "https://example.com"
    ),
    apps(SlackApp, GitHubApp),
    auth(
        mode = "orchestrated",
        r#type = "local",
        consent(enabled = true),
        session_mode = "stateful",
        token_storage(redis(url_env = "MY_REDIS", key_prefix = "suite:"))
    ),
    http(
        host = "0.0.0.0",
        port = 8080,
        allowed_origins("https://app.example.com"),
        max_body_bytes = 65536,
        response_mode = "sse",
        max_sessions = 10
    ),
    tool_naming(separator = "_")
)]
struct Server;

#[test]
fn app_options_reach_the_descriptor() {
    let d = SlackApp.descriptor();
    assert_eq!(d.id(), "slack");
    assert_eq!(d.name(), "Slack");
    let auth = d.auth_config();
    assert_eq!(auth.mode, AppAuthMode::Transparent);
    let remote = auth.remote.as_ref().unwrap();
    assert_eq!(remote.provider, "https://slack.com/oauth");
    assert_eq!(remote.scopes, ["chat:write", "channels:read"]);
    assert_eq!(remote.client_id_env.as_deref(), Some("SLACK_CLIENT_ID"));
    assert_eq!(
        remote.client_secret_env.as_deref(),
        Some("SLACK_CLIENT_SECRET")
    );
    assert_eq!(
        remote.token_endpoint.as_deref(),
        Some("https://slack.com/api/oauth.v2.access")
    );
    assert_eq!(remote.authorization_endpoint, None);

    let tools = d.tools();
    assert_eq!(
        tools[0].name(),
        "send_message",
        "the name option wins over the method name"
    );
    assert_eq!(tools[0].required_scopes(), ["chat:write"]);
    assert_eq!(
        tools[1].name(),
        "list_channels",
        "raw identifiers lose their r#"
    );
    assert_eq!(GitHubApp.descriptor().id(), "gh");
}

#[tokio::test]
async fn server_options_reach_the_builder() {
    let builder = Server::builder();
    let auth = builder.auth_config();
    assert_eq!(auth.mode, ServerAuthMode::Orchestrated);
    assert_eq!(auth.kind, ServerAuthType::Local);
    assert!(auth.consent.enabled);
    assert_eq!(auth.session_mode, SessionMode::Stateful);
    assert_eq!(
        auth.token_storage,
        TokenStorage::Redis {
            url: None,
            url_env: "MY_REDIS".into(),
            key_prefix: "suite:".into()
        }
    );
    let http = builder.http_config();
    assert_eq!(http.allowed_origins, ["https://app.example.com"]);
    assert_eq!(http.max_body_bytes, 65536);
    assert_eq!(http.response_mode, ResponseMode::Sse);
    assert_eq!(http.max_sessions, 10);
    // Orchestrated, local: the composition builds (the authorization server starts when bound).
    assert!(builder.build().is_ok());
}

#[tokio::test]
async fn descriptions_annotations_and_naming_reach_tools_list() {
    let server = Server::builder()
        .tool_naming(ToolNaming {
            namespaced: true,
            separator: "_".into(),
        })
        .build()
        .unwrap();
    let session = frontmcp::Session::default();
    let init = frontmcp_tests_init(&server, &session).await;
    assert_eq!(init["serverInfo"]["title"], "Agent Suite");
    let list = request(
        &server,
        &session,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    )
    .await;
    let tools = list["tools"].as_array().unwrap();
    assert_eq!(tools[0]["name"], "slack_send_message");
    assert_eq!(
        tools[0]["description"],
        "Post a message to a channel.\n\nThe channel must exist."
    );
    assert_eq!(
        tools[0]["annotations"],
        serde_json::json!({"destructiveHint": false, "openWorldHint": true})
    );
    assert_eq!(tools[1]["title"], "Channels");
    assert_eq!(tools[1]["description"], "Lists channels.");
    assert_eq!(tools[1]["annotations"]["title"], "Channels");
    assert_eq!(tools[2]["name"], "gh_create_issue");
    let call = request(
        &server,
        &session,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slack_send_message","arguments":{"channel":"general","message":"hi"}}}"#,
    )
    .await;
    assert_eq!(call["content"][0]["text"], "general: hi");
}

async fn frontmcp_tests_init(
    server: &frontmcp::Server,
    session: &frontmcp::Session,
) -> serde_json::Value {
    let body = frontmcp_tests::initialize_body("2025-11-25", serde_json::json!({})).to_string();
    request(server, session, &body).await
}

/// Sends one message through the transport-independent dispatcher; returns the `result`.
async fn request(
    server: &frontmcp::Server,
    session: &frontmcp::Session,
    body: &str,
) -> serde_json::Value {
    let incoming = frontmcp::protocol::jsonrpc::parse(body.as_bytes()).unwrap();
    match server.handle_incoming(session, incoming).await {
        frontmcp::Reply::Single(resp) => {
            serde_json::from_str::<serde_json::Value>(&resp.to_json()).unwrap()["result"].clone()
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// `adapters(openapi(...))`: the spec's operations are tools of an app named by `id`.
#[front_mcp(
    info(name = "gateway", version = "1.0.0"),
    adapters(openapi(
        spec = "openapi/petstore-extra.yaml",
        id = "pets",
        name = "Pets",
        base_url = "http://127.0.0.1:9/rest",
        allow_private_network = true,
        timeout_secs = 5
    ))
)]
struct Gateway;

#[tokio::test]
async fn openapi_adapters_from_the_macro() {
    assert!(
        Gateway::builder().build().is_err(),
        "adapters load asynchronously"
    );
    let server = Gateway::builder().build_async().await.unwrap();
    let session = frontmcp::Session::default();
    frontmcp_tests_init(&server, &session).await;
    let list = request(
        &server,
        &session,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    )
    .await;
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pets:export"]);
}

#[front_mcp(
    info(name = "federated", version = "1.0.0"),
    apps(GitHubApp),
    auth(
        mode = "orchestrated",
        r#type = "remote",
        remote(
            provider = "https://idp.example.com",
            client_id_env = "IDP_CLIENT_ID",
            client_secret_env = "IDP_CLIENT_SECRET",
            scopes("email", "profile")
        )
    )
)]
struct Federated;

#[test]
fn a_server_signing_users_in_at_an_openid_provider() {
    let builder = Federated::builder();
    let auth = builder.auth_config();
    assert_eq!(auth.kind, ServerAuthType::Remote);
    let remote = auth.remote.as_ref().expect("the provider");
    assert_eq!(remote.provider, "https://idp.example.com");
    assert_eq!(remote.client_id_env.as_deref(), Some("IDP_CLIENT_ID"));
    assert_eq!(
        remote.client_secret_env.as_deref(),
        Some("IDP_CLIENT_SECRET")
    );
    assert_eq!(remote.scopes, ["email", "profile"]);
    assert!(builder.build().is_ok());
}

#[tokio::test]
async fn a_missing_identity_provider_client_stops_the_start_naming_its_variable() {
    let server = Federated::builder()
        .environment(frontmcp::env::Environment::empty())
        .build()
        .unwrap();
    let err = server
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("IDP_CLIENT_ID") && err.contains("identity provider"),
        "{err}"
    );
}

/// The context is recognised by its type: after the input, by value, under another name. Each
/// member gets the right values when called through the dispatcher.
#[derive(Deserialize, JsonSchema)]
struct Note {
    text: String,
}

#[derive(Default)]
struct Notebook;

type Ctx = frontmcp::ToolContext;

#[app(name = "Notebook")]
impl Notebook {
    #[tool]
    async fn after_input(&self, input: Note, ctx: &ToolContext) -> String {
        format!("{} in {}", input.text, ctx.app_id())
    }

    #[tool]
    async fn by_value(&self, ctx: ToolContext) -> String {
        ctx.app_id().to_owned()
    }

    #[cfg(any())]
    #[tool]
    async fn compiled_out(&self) -> String {
        String::new()
    }

    #[prompt]
    async fn draft(&self, args: Note, ctx: &Ctx) -> String {
        format!("draft {} in {}", args.text, ctx.app_id())
    }

    #[resource(template = "notes://{id}/{part}")]
    async fn note(&self, part: String, ctx: Ctx, id: u32) -> String {
        format!("{id}/{part} in {}", ctx.app_id())
    }

    #[complete(prompt = "draft")]
    async fn complete_draft(
        &self,
        context: CompletionContext,
        ctx: &Ctx,
        argument: &CompletionArgument,
    ) -> Vec<String> {
        vec![format!(
            "{}:{}:{}:{}",
            argument.name,
            argument.value,
            context.arguments.len(),
            ctx.app_id()
        )]
    }
}

#[tokio::test]
async fn parameters_are_recognised_by_type() {
    let server = frontmcp::Server::builder("notebook", "1")
        .app(Notebook)
        .build()
        .unwrap();
    let session = frontmcp::Session::default();
    frontmcp_tests_init(&server, &session).await;
    let call = |id: u32, method: &str, params: serde_json::Value| {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            .to_string()
    };
    let list = request(
        &server,
        &session,
        &call(2, "tools/list", serde_json::json!({})),
    )
    .await;
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["notebook:after_input", "notebook:by_value"]);
    let body = call(
        3,
        "tools/call",
        serde_json::json!({"name": "notebook:after_input", "arguments": {"text": "hi"}}),
    );
    let result = request(&server, &session, &body).await;
    assert_eq!(result["content"][0]["text"], "hi in notebook");
    let body = call(
        4,
        "tools/call",
        serde_json::json!({"name": "notebook:by_value", "arguments": {}}),
    );
    let result = request(&server, &session, &body).await;
    assert_eq!(result["content"][0]["text"], "notebook");
    let body = call(
        5,
        "prompts/get",
        serde_json::json!({"name": "notebook:draft", "arguments": {"text": "plan"}}),
    );
    let result = request(&server, &session, &body).await;
    assert_eq!(
        result["messages"][0]["content"]["text"],
        "draft plan in notebook"
    );
    let body = call(
        6,
        "resources/read",
        serde_json::json!({"uri": "notes://7/intro"}),
    );
    let result = request(&server, &session, &body).await;
    assert_eq!(result["contents"][0]["text"], "7/intro in notebook");
    let body = call(
        7,
        "completion/complete",
        serde_json::json!({
            "ref": {"type": "ref/prompt", "name": "notebook:draft"},
            "argument": {"name": "text", "value": "pl"},
            "context": {"arguments": {"a": "b"}}
        }),
    );
    let result = request(&server, &session, &body).await;
    assert_eq!(result["completion"]["values"][0], "text:pl:1:notebook");
}
