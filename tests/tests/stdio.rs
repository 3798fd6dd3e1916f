//! The stdio transport: newline-delimited JSON-RPC through the same dispatcher.

use frontmcp::prelude::*;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(Deserialize, JsonSchema)]
struct Shout {
    text: String,
}

fn server() -> frontmcp::Server {
    let app = AppBuilder::new("loud", "Loud").tool(
        ToolDescriptor::new("shout").description("Upper-cases text."),
        |_ctx, input: Shout| async move { input.text.to_uppercase() },
    );
    let http = frontmcp::HttpConfig {
        max_body_bytes: 4096,
        ..Default::default()
    };
    frontmcp_tests::builder("stdio-test", "1.0.0")
        .app(app)
        .http(http)
        .build()
        .unwrap()
}

/// Closes the client's side and waits for the server to end cleanly.
async fn stops_when_input_closes(
    mut client_write: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    serving: tokio::task::JoinHandle<Result<(), frontmcp::Error>>,
) {
    // Split halves share the stream: only shutdown closes it for the server.
    client_write.shutdown().await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), serving)
        .await
        .expect("the server stops when its input closes")
        .unwrap()
        .expect("stdio ends cleanly");
}

#[tokio::test]
async fn a_whole_conversation_over_stdio() {
    let (client, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server().serve_io(server_read, server_write));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();

    let mut send = async |line: String| {
        client_write.write_all(line.as_bytes()).await.unwrap();
        client_write.write_all(b"\n").await.unwrap();
    };
    send(json!({"jsonrpc":"2.0","id":"early","method":"tools/list"}).to_string()).await;
    send(frontmcp_tests::initialize_body("2025-06-18", json!({})).to_string()).await;
    send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string()).await;
    send(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"loud:shout","arguments":{"text":"hi"}}}).to_string()).await;
    send("{not json".to_owned()).await;
    send(format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(8192)
    ))
    .await;
    send(String::new()).await;
    send(json!({"jsonrpc":"2.0","id":4,"method":"ping"}).to_string()).await;

    let mut replies = Vec::new();
    for _ in 0..6 {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no reply line within 5 s; got {replies:?}"))
            .unwrap()
            .expect("a reply line");
        replies.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    let by_id = |id: Value| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no reply {id}"))
    };
    assert_eq!(
        by_id(json!("early"))["error"]["code"],
        -32600,
        "requests before initialize are refused"
    );
    assert_eq!(by_id(json!(0))["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(by_id(json!(2))["result"]["content"][0]["text"], "HI");
    assert_eq!(by_id(json!(4))["result"], json!({}));
    let errors: Vec<i64> = replies
        .iter()
        .filter(|r| r["id"].is_null())
        .map(|r| r["error"]["code"].as_i64().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{replies:?}");
    assert!(errors.contains(&-32700), "malformed line");
    assert!(errors.contains(&-32600), "oversized line");

    stops_when_input_closes(client_write, serving).await;
}

/// 2026-07-28 over stdio: `server/discover` is the probe a dual-era client sends first, and
/// every request stands alone (no `initialize`); a client that initializes later gets its
/// handshake revision on the same stream.
#[tokio::test]
async fn stateless_requests_over_stdio() {
    let (client, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server().serve_io(server_read, server_write));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let meta = frontmcp_tests::stateless_meta(json!({}));
    let requests = [
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta": meta}}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"loud:shout","arguments":{"text":"hi"},"_meta": meta}}),
        json!({"jsonrpc":"2.0","id":3,"method":"server/discover","params":{}}),
        json!({"jsonrpc":"2.0","id":4,"method":"ping","params":{"_meta": meta}}),
        frontmcp_tests::initialize_body("2025-11-25", json!({})),
    ];
    for request in &requests {
        client_write
            .write_all(format!("{request}\n").as_bytes())
            .await
            .unwrap();
    }
    let mut replies = Vec::new();
    for _ in 0..requests.len() {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no reply line within 5 s; got {replies:?}"))
            .unwrap()
            .expect("a reply line");
        replies.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    let by_id = |id: i64| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no reply {id}: {replies:?}"))
    };
    let discovered = by_id(1)["result"].clone();
    assert_eq!(discovered["resultType"], "complete");
    assert_eq!(discovered["supportedVersions"][0], "2026-07-28");
    assert_eq!(
        discovered["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "stdio-test"
    );
    let called = by_id(2)["result"].clone();
    assert_eq!(called["content"][0]["text"], "HI");
    assert_eq!(called["resultType"], "complete");
    assert_eq!(by_id(3)["error"]["code"], -32602, "discover without _meta");
    assert_eq!(
        by_id(4)["error"]["code"],
        -32601,
        "ping is gone on 2026-07-28"
    );
    assert_eq!(by_id(0)["result"]["protocolVersion"], "2025-11-25");

    stops_when_input_closes(client_write, serving).await;
}

/// `subscriptions/listen` over stdio: acknowledged on the shared channel, tagged with its ID,
/// and ended by `notifications/cancelled` naming it; a listen without a filter is refused and a
/// cancellation of an unknown request changes nothing.
#[tokio::test]
async fn subscriptions_over_stdio() {
    let (client, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let server = server();
    let serving = tokio::spawn(server.clone().serve_io(server_read, server_write));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let meta = frontmcp_tests::stateless_meta(json!({}));
    let mut send = async |message: Value| {
        client_write
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    };
    let mut next = async || -> Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), lines.next_line())
            .await
            .expect("a line within 5 s")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap()
    };

    send(
        json!({"jsonrpc":"2.0","id":"sub","method":"subscriptions/listen",
                "params":{"notifications":{"toolsListChanged":true},"_meta": meta}}),
    )
    .await;
    assert_eq!(
        next().await,
        json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged",
               "params":{"notifications":{},"_meta":{"io.modelcontextprotocol/subscriptionId":"sub"}}}),
        "a public server's tools never change: nothing asked is honored"
    );
    assert_eq!(server.subscription_count(), 1);

    // The same ID again replaces the open subscription.
    send(
        json!({"jsonrpc":"2.0","id":"sub","method":"subscriptions/listen",
                "params":{"notifications":{"toolsListChanged":true},"_meta": meta}}),
    )
    .await;
    assert_eq!(
        next().await["method"],
        "notifications/subscriptions/acknowledged"
    );
    send(json!({"jsonrpc":"2.0","id":2,"method":"subscriptions/listen","params":{"_meta": meta}}))
        .await;
    let refused = next().await;
    assert_eq!(refused["id"], 2);
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    send(
        json!({"jsonrpc":"2.0","id":3,"method":"subscriptions/listen",
                "params":{"notifications":{}}}),
    )
    .await;
    assert_eq!(next().await["error"]["code"], -32602, "without _meta");

    send(
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"other"}}),
    )
    .await;
    send(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"sub"}}))
        .await;
    frontmcp_tests::eventually("cancelling ended the subscription", || async {
        server.subscription_count() == 0
    })
    .await;
    // The channel still serves requests.
    send(json!({"jsonrpc":"2.0","id":4,"method":"server/discover","params":{"_meta": meta}})).await;
    assert_eq!(next().await["result"]["resultType"], "complete");

    stops_when_input_closes(client_write, serving).await;
}

/// Over stdio, a tool's progress, log messages and questions to the client go out on stdout
/// before its answer; the client's answer comes back on stdin; `notifications/cancelled` stops a
/// running request, which then sends nothing.
#[tokio::test]
async fn progress_questions_and_cancellation_over_stdio() {
    let app = AppBuilder::new("busy", "Busy")
        .tool(
            ToolDescriptor::new("work"),
            |ctx: ToolContext, _: NoArguments| async move {
                ctx.progress(1.0, Some(2.0), None);
                ctx.log(LogLevel::Info, "half");
                let answer = ctx.sample(CreateMessageRequest::user("go on?", 5)).await?;
                Ok::<_, ToolError>(format!("model said {}", answer.text().unwrap_or_default()))
            },
        )
        .tool(
            ToolDescriptor::new("sleep"),
            |_ctx: ToolContext, _: NoArguments| async move {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                "woke up"
            },
        );
    let server = frontmcp_tests::builder("stdio-busy", "1.0.0")
        .app(app)
        .build()
        .unwrap();
    let (client, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let serving = tokio::spawn(server.serve_io(server_read, server_write));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), lines.next_line())
            .await
            .expect("a line within 5 s")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap()
    };
    let mut send = async |message: Value| {
        client_write
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    };
    send(frontmcp_tests::initialize_body(
        "2025-11-25",
        json!({"sampling": {}}),
    ))
    .await;
    assert_eq!(next().await["id"], 0);
    send(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await;
    send(json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"info"}}))
        .await;
    assert_eq!(next().await["result"], json!({}));

    send(json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"busy:work","arguments":{},"_meta":{"progressToken":7}}}))
    .await;
    let progress = next().await;
    assert_eq!(progress["method"], "notifications/progress", "{progress}");
    assert_eq!(progress["params"]["progressToken"], 7);
    let log = next().await;
    assert_eq!(
        log["params"],
        json!({"level":"info","logger":"busy","data":"half"})
    );
    let asked = next().await;
    assert_eq!(asked["method"], "sampling/createMessage", "{asked}");
    send(json!({"jsonrpc":"2.0","id":asked["id"],"result":{
        "role":"assistant","content":{"type":"text","text":"yes"},"model":"m"}}))
    .await;
    let done = next().await;
    assert_eq!(done["id"], 2);
    assert_eq!(done["result"]["content"][0]["text"], "model said yes");

    // Cancelled while it sleeps: no answer to it; the next request is answered.
    send(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"busy:sleep","arguments":{}}})).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    send(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"bored"}})).await;
    send(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}))
        .await;
    send(json!({"jsonrpc":"2.0","id":4,"method":"ping"})).await;
    let reply = next().await;
    assert_eq!(reply["id"], 4, "request 3 sends nothing: {reply}");
    stops_when_input_closes(client_write, serving).await;
}
