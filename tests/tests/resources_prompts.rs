//! Resources, prompts, completions, progress and log messages over real HTTP on both wires, with
//! their bad inputs; and a resource and a prompt of an app the user has not authorized yet,
//! answered like a tool is (the link; `InputRequiredResult` on 2026-07-28), then served once the
//! user followed it.

use std::time::Duration;

use frontmcp::prelude::*;
use frontmcp::{CompletionTarget, LogLevel, ResourceUri};
use frontmcp_tests::progressive::{Decision, StatelessClient, Suite, input_required_link};
use frontmcp_tests::{Http, TestServer, builder};
use hyper::StatusCode;
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct Greeting {
    /// Who to greet.
    name: String,
    /// How.
    #[serde(default)]
    style: Option<String>,
}

/// A public server with a resource, a template, a prompt, a completer and a tool that reports
/// progress and logs.
async fn server() -> TestServer {
    let app = AppBuilder::new("notes", "Notes")
        .resource(
            ResourceDescriptor::new("readme", "notes://readme")
                .description("The README.")
                .mime_type("text/markdown"),
            |_ctx, _uri| async { "# Notes" },
        )
        .resource(
            ResourceDescriptor::new("logo", "notes://logo").mime_type("image/png"),
            |_ctx, _uri| async { vec![0u8, 1, 2, 255] },
        )
        .resource(
            ResourceDescriptor::template("note", "notes://notes/{id}").mime_type("text/plain"),
            |_ctx, uri: ResourceUri| async move {
                let id: u32 = uri.variables["id"].parse().ok()?;
                (id < 3).then(|| format!("note {id}"))
            },
        )
        .prompt(
            PromptDescriptor::new("greet").description("Greets someone."),
            |_ctx, args: Greeting| async move {
                format!(
                    "Say hello to {} {}.",
                    args.name,
                    args.style.as_deref().unwrap_or("warmly")
                )
            },
        )
        .completer(
            CompletionTarget::Prompt("greet"),
            |_ctx, argument: CompletionArgument, _context| async move {
                ["ada", "alan", "grace"]
                    .into_iter()
                    .filter(|n| n.starts_with(&argument.value))
                    .collect::<Vec<_>>()
            },
        )
        .tool(
            ToolDescriptor::new("work"),
            |ctx: ToolContext, _: NoArguments| async move {
                ctx.log(LogLevel::Debug, "starting");
                for step in 1..=2 {
                    ctx.progress(f64::from(step), Some(2.0), Some("working"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                ctx.log(LogLevel::Warning, json!({"done": true}));
                "done"
            },
        );
    TestServer::start(
        builder("notes", "1.0.0")
            .app(app)
            .tool_naming(frontmcp::ToolNaming {
                namespaced: false,
                ..Default::default()
            }),
    )
    .await
}

fn result(reply: &frontmcp_tests::Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["result"].clone()
}

/// Every `data:` of an event stream body, as JSON.
fn events(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn both_wires_list_read_get_and_complete() {
    let server = server().await;
    let http = Http::new(&server.url);
    let session = http.initialize("2025-11-25").await;
    let legacy = |method: &'static str, params: Value| {
        let http = http.clone();
        let session = session.clone();
        async move { http.rpc(&session, method, params).await }
    };
    let modern = |method: &'static str, params: Value| {
        let http = http.clone();
        async move { http.stateless(method, params, json!({}), &[]).await }
    };

    let listed = result(&legacy("resources/list", json!({})).await);
    let uris: Vec<&str> = listed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["notes://readme", "notes://logo"]);
    assert_eq!(listed["resources"][0]["description"], "The README.");
    let listed = result(&modern("resources/list", json!({})).await);
    assert_eq!(listed["resultType"], "complete");
    assert_eq!(listed["cacheScope"], "public");
    let templates = result(&legacy("resources/templates/list", json!({})).await);
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        "notes://notes/{id}"
    );

    for read in [
        result(&legacy("resources/read", json!({"uri": "notes://readme"})).await),
        result(&modern("resources/read", json!({"uri": "notes://readme"})).await),
    ] {
        assert_eq!(
            read["contents"],
            json!([{"uri": "notes://readme", "mimeType": "text/markdown", "text": "# Notes"}])
        );
    }
    let logo = result(&legacy("resources/read", json!({"uri": "notes://logo"})).await);
    assert_eq!(logo["contents"][0]["blob"], "AAEC/w==");
    let note = result(&modern("resources/read", json!({"uri": "notes://notes/2"})).await);
    assert_eq!(note["contents"][0]["text"], "note 2");
    assert_eq!(note["ttlMs"], 0);

    // Unknown URIs, a template variable that does not parse, one the app does not have.
    for uri in [
        "notes://nothing",
        "notes://notes/x",
        "notes://notes/7",
        "notes://notes/1/2",
    ] {
        let reply = legacy("resources/read", json!({"uri": uri})).await;
        assert_eq!(reply.error_code(), -32002, "{uri}: {}", reply.body);
        let reply = modern("resources/read", json!({"uri": uri})).await;
        assert_eq!(reply.error_code(), -32602, "{uri}: {}", reply.body);
        assert_eq!(reply.json()["error"]["data"]["uri"], uri);
    }

    let prompts = result(&legacy("prompts/list", json!({})).await);
    assert_eq!(
        prompts["prompts"][0]["arguments"],
        json!([
            {"name": "name", "description": "Who to greet.", "required": true},
            {"name": "style", "description": "How."}
        ])
    );
    let got = result(
        &modern(
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ada"}}),
        )
        .await,
    );
    assert_eq!(
        got["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Say hello to Ada warmly."}}])
    );
    // A missing argument, an argument of the wrong type, an unknown prompt.
    for params in [
        json!({"name": "greet", "arguments": {}}),
        json!({"name": "greet", "arguments": {"name": 3}}),
        json!({"name": "greet", "arguments": ["Ada"]}),
        json!({"name": "nope"}),
    ] {
        let reply = legacy("prompts/get", params.clone()).await;
        assert_eq!(reply.error_code(), -32602, "{params}: {}", reply.body);
    }

    let completed = result(
        &legacy(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "a"}}),
        )
        .await,
    );
    assert_eq!(completed["completion"]["values"], json!(["ada", "alan"]));
    for params in [
        json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "name", "value": ""}}),
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "nope", "value": ""}}),
        json!({"ref": {"type": "ref/resource", "uri": "notes://nope/{x}"}, "argument": {"name": "x", "value": ""}}),
        json!({"ref": {"type": "ref/other"}, "argument": {"name": "x", "value": ""}}),
    ] {
        let reply = modern("completion/complete", params.clone()).await;
        assert_eq!(reply.error_code(), -32602, "{params}: {}", reply.body);
    }
    // The template has no completer: no suggestions.
    let none = result(
        &modern(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "notes://notes/{id}"}, "argument": {"name": "id", "value": "1"}}),
        )
        .await,
    );
    assert_eq!(none["completion"]["values"], json!([]));

    // The server still serves after all that.
    let read = result(&legacy("resources/read", json!({"uri": "notes://readme"})).await);
    assert_eq!(read["contents"][0]["text"], "# Notes");
    server.shutdown().await;
}

#[tokio::test]
async fn capabilities_say_what_is_served() {
    let server = server().await;
    let http = Http::new(&server.url);
    let reply = http
        .post(
            &[],
            frontmcp_tests::initialize_body("2025-11-25", json!({})).to_string(),
        )
        .await;
    let capabilities = &reply.json()["result"]["capabilities"];
    assert_eq!(capabilities["resources"]["subscribe"], true);
    assert!(capabilities["prompts"].is_object());
    assert!(capabilities["completions"].is_object());
    assert!(capabilities["logging"].is_object());
    let discovered = result(
        &http
            .stateless("server/discover", json!({}), json!({}), &[])
            .await,
    );
    let capabilities = &discovered["capabilities"];
    assert_eq!(capabilities["resources"]["subscribe"], false);
    assert!(capabilities.get("logging").is_none(), "{capabilities}");
    server.shutdown().await;
}

/// Progress and log messages come on the request's stream before the answer; without a
/// progress token or a log level, the answer comes alone.
#[tokio::test]
async fn progress_and_log_messages_stream_before_the_answer() {
    let server = server().await;
    let http = Http::new(&server.url);
    let session = http.initialize("2025-11-25").await;
    let call = json!({"name": "work", "arguments": {}, "_meta": {"progressToken": "p1"}});

    let reply = http.rpc(&session, "tools/call", call.clone()).await;
    assert!(reply.is_sse(), "{}", reply.body);
    let messages = events(&reply.body);
    let methods: Vec<&str> = messages
        .iter()
        .map(|m| m["method"].as_str().unwrap_or("(response)"))
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/progress",
            "notifications/progress",
            "(response)"
        ],
        "no log level set yet: no log messages"
    );
    assert_eq!(
        messages[1]["params"],
        json!({"progressToken": "p1", "progress": 2.0, "total": 2.0, "message": "working"})
    );
    assert_eq!(messages[2]["result"]["content"][0]["text"], "done");

    let set = http
        .rpc(&session, "logging/setLevel", json!({"level": "warning"}))
        .await;
    assert_eq!(set.json()["result"], json!({}));
    let reply = http
        .rpc(
            &session,
            "tools/call",
            json!({"name": "work", "arguments": {}}),
        )
        .await;
    let messages = events(&reply.body);
    assert_eq!(messages.len(), 2, "{}", reply.body);
    assert_eq!(
        messages[0]["params"],
        json!({"level": "warning", "logger": "notes", "data": {"done": true}}),
        "only warning and above"
    );
    let bad = http
        .rpc(&session, "logging/setLevel", json!({"level": "loud"}))
        .await;
    assert_eq!(bad.error_code(), -32602);

    // 2026-07-28: the request names its log level.
    let mut meta = frontmcp_tests::stateless_meta(json!({}));
    meta["io.modelcontextprotocol/logLevel"] = json!("debug");
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "work", "arguments": {}, "_meta": meta}});
    let reply = http.stateless_body(&body, &[]).await;
    let messages = events(&reply.body);
    let levels: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["params"]["level"].as_str())
        .collect();
    assert_eq!(levels, ["debug", "warning"], "{}", reply.body);
    assert_eq!(messages.last().unwrap()["result"]["resultType"], "complete");

    // Nothing to hear: one plain answer.
    let reply = http
        .stateless(
            "tools/call",
            json!({"name": "work", "arguments": {}}),
            json!({}),
            &[],
        )
        .await;
    assert!(!reply.is_sse(), "{}", reply.body);
    assert_eq!(reply.json()["result"]["content"][0]["text"], "done");
    server.shutdown().await;
}

/// `resources/subscribe`: the session hears `notifications/resources/updated` on its stream
/// when the application says the resource changed, and no more once it unsubscribed.
#[tokio::test]
async fn subscribed_sessions_hear_updates() {
    let server = server().await;
    let http = Http::new(&server.url);
    let session = http.initialize("2025-11-25").await;
    let unknown = http
        .rpc(
            &session,
            "resources/subscribe",
            json!({"uri": "notes://nope"}),
        )
        .await;
    assert_eq!(unknown.error_code(), -32002);
    let subscribed = http
        .rpc(
            &session,
            "resources/subscribe",
            json!({"uri": "notes://notes/1"}),
        )
        .await;
    assert_eq!(subscribed.json()["result"], json!({}));
    assert_eq!(
        server.server.notify_resource_updated("notes://notes/1"),
        0,
        "no stream open yet"
    );
    let stream = reqwest::Client::new()
        .get(&server.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    frontmcp_tests::eventually("the update reaches the stream", || async {
        server.server.notify_resource_updated("notes://notes/1") == 1
    })
    .await;
    assert_eq!(server.server.notify_resource_updated("notes://notes/2"), 0);
    let unsubscribed = http
        .rpc(
            &session,
            "resources/unsubscribe",
            json!({"uri": "notes://notes/1"}),
        )
        .await;
    assert_eq!(unsubscribed.json()["result"], json!({}));
    assert_eq!(server.server.notify_resource_updated("notes://notes/1"), 0);
    drop(stream);
    server.shutdown().await;
}

/// A resource and a prompt of GitHub, skipped at sign-in: each asks for the app like a tool
/// does, and is served with the same token once the user followed the link.
#[tokio::test]
async fn unauthorized_resources_and_prompts_ask_for_their_app() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (_, tokens) = browser
        .sign_in(
            "ada",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let token = tokens["access_token"].as_str().unwrap();
    let client = StatelessClient::with_url_elicitation(&suite.http, token);
    let uri = "github://repos/frontmcp/readme";

    let templates = client
        .send("resources/templates/list", json!({}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(templates["cacheScope"], "private");
    let readme = templates["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "readme")
        .expect("listed");
    assert_eq!(readme["_meta"]["dev.frontmcp/authorized"], false);

    let asked = client.send("resources/read", json!({"uri": uri})).await;
    let (link, retry) = input_required_link(&asked.json()["result"], "github");
    // A state sealed for this read serves no other.
    let mut other = json!({"uri": "github://repos/other/readme"});
    other
        .as_object_mut()
        .unwrap()
        .extend(retry.as_object().unwrap().clone());
    assert_eq!(
        client.send("resources/read", other).await.error_code(),
        -32602
    );

    browser.authorize_link(&link, "ada", "ada-gh").await;
    let mut params = json!({"uri": uri});
    params
        .as_object_mut()
        .unwrap()
        .extend(retry.as_object().unwrap().clone());
    let read = client.send("resources/read", params).await.json()["result"].clone();
    assert_eq!(
        read["contents"][0]["text"], "# frontmcp\nread by ada-gh",
        "{read}"
    );
    let prompt = client
        .send("prompts/get", json!({"name": "github:review"}))
        .await
        .json()["result"]
        .clone();
    assert_eq!(
        prompt["messages"][0]["content"]["text"],
        "Review the work of ada-gh."
    );

    // A client without URL elicitation, on a session: the seeds' object in the error.
    let (_, bob) = suite
        .browser()
        .sign_in(
            "bob",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let bob = frontmcp_tests::progressive::Client::connect(
        &suite.http,
        bob["access_token"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let denied = bob
        .send(&json!({"jsonrpc": "2.0", "id": 2, "method": "prompts/get", "params": {"name": "github:review"}}))
        .await
        .json();
    let data = &denied["error"]["data"];
    assert_eq!(data["code"], "AUTH_REQUIRED", "{denied}");
    assert_eq!(data["prompt"], "github:review");
    assert!(data["auth_url"].as_str().unwrap().contains("app=github"));
    assert!(
        denied["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/oauth/authorize?"),
        "{denied}"
    );
}
