//! One progressive authorization in an `agent_suite` process, exported over OTLP/HTTP to a small
//! receiver of the test's own: the spans arrive named and nested, judged (`mcp.authorization`),
//! and a tool call whose `_meta` carries a `traceparent` continues the client's trace.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontmcp_tests::progressive::{Client, Decision, UserAgent, auth_notice};
use frontmcp_tests::{ExampleServer, Http};
use serde_json::{Value, json};

/// The spans received so far: `(traceId, spanId, parentSpanId, name, attributes as key=value)`.
#[derive(Debug, Clone)]
struct Span {
    trace: String,
    id: String,
    parent: String,
    name: String,
    attributes: Vec<(String, String)>,
}

impl Span {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn spans(exports: &[Value]) -> Vec<Span> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut spans = Vec::new();
    for export in exports {
        for resource in export["resourceSpans"].as_array().into_iter().flatten() {
            for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
                for span in scope["spans"].as_array().into_iter().flatten() {
                    spans.push(Span {
                        trace: text(&span["traceId"]).to_ascii_lowercase(),
                        id: text(&span["spanId"]).to_ascii_lowercase(),
                        parent: text(&span["parentSpanId"]).to_ascii_lowercase(),
                        name: text(&span["name"]),
                        attributes: span["attributes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| {
                                let value = &a["value"];
                                let value = value
                                    .get("stringValue")
                                    .map(text)
                                    .or_else(|| value.get("intValue").map(|i| i.to_string()))
                                    .unwrap_or_else(|| value.to_string());
                                (text(&a["key"]), value.trim_matches('"').to_owned())
                            })
                            .collect(),
                    });
                }
            }
        }
    }
    spans
}

fn send_message(meta: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "slack:send_message", "arguments": {"channel": "general", "message": "hi"}, "_meta": meta}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_authorization_exported_over_otlp() {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let receiver = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post({
            let received = received.clone();
            move |body: axum::body::Bytes| {
                let received = received.clone();
                async move {
                    let export: Value = serde_json::from_slice(&body).expect("OTLP JSON");
                    received.lock().unwrap().push(export);
                    ([("content-type", "application/json")], "{}")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let server = tokio::task::spawn_blocking(move || {
        ExampleServer::start_with(
            "agent_suite",
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                ("OTEL_BSP_SCHEDULE_DELAY", "100"),
                ("OTEL_SERVICE_NAME", "agent-suite-under-test"),
            ],
        )
    })
    .await
    .unwrap();
    let http = Http::new(&server.url);
    let browser = UserAgent::new(&http);
    let (_, tokens) = browser
        .sign_in(
            "ada",
            &[("slack", Decision::Skip), ("github", Decision::Skip)],
        )
        .await;
    let token = tokens["access_token"].as_str().unwrap();
    let client = Client::connect(&http, token, json!({})).await;
    let required = auth_notice(&client.call_json(send_message(json!({}))).await);
    let link = required["auth_url"].as_str().unwrap();
    let done = browser.authorize_link(link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    // The client's own trace, in `_meta`.
    let (trace, parent) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let sent = client
        .call_json(send_message(
            json!({"traceparent": format!("00-{trace}-{parent}-01")}),
        ))
        .await;
    assert_eq!(
        sent["structuredContent"]["posted_as"], "ada-slack",
        "{sent}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let spans = loop {
        let spans = spans(&received.lock().unwrap());
        if spans.iter().any(|s| s.trace == trace) || Instant::now() > deadline {
            break spans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let resource = received.lock().unwrap()[0]["resourceSpans"][0]["resource"].to_string();
    assert!(resource.contains("agent-suite-under-test"), "{resource}");

    // The call asking for Slack: its own trace, inside its HTTP request's span.
    let calls: Vec<&Span> = spans.iter().filter(|s| s.name == "tools/call").collect();
    assert_eq!(calls.len(), 2, "{spans:#?}");
    let asking = calls
        .iter()
        .find(|s| s.attribute("mcp.authorization") == Some("required"))
        .expect("the call that asked for Slack");
    let http_span = spans
        .iter()
        .find(|s| s.id == asking.parent)
        .expect("the call's parent was exported");
    assert_eq!(http_span.name, "http.request");
    assert_eq!(http_span.attribute("url.path"), Some("/mcp"));
    assert_eq!(
        http_span.attribute("http.response.status_code"),
        Some("200")
    );
    assert_eq!(asking.attribute("mcp.tool"), Some("slack:send_message"));
    assert_eq!(asking.attribute("mcp.app"), Some("slack"));
    // The call with a `traceparent`: the client's trace and parent.
    let continued = calls
        .iter()
        .find(|s| s.trace == trace)
        .expect("the call in the client's trace");
    assert_eq!(continued.parent, parent);
    assert_eq!(continued.attribute("mcp.authorization"), Some("granted"));
    assert_eq!(continued.attribute("mcp.outcome"), Some("ok"));
    // The sign-in's requests too, and never a token.
    assert!(
        spans
            .iter()
            .any(|s| s.attribute("url.path") == Some("/oauth/token")),
        "{spans:#?}"
    );
    let exported = format!("{:?}", received.lock().unwrap());
    assert!(!exported.contains(token), "the session token was exported");
    assert!(
        !exported.contains("demo_slack_at_"),
        "Slack's token was exported"
    );
}
