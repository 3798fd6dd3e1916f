//! A tool that asks the client something (a form: `elicitation/create`; its model:
//! `sampling/createMessage`): on 2025-11-25 the request goes out on the call's event stream, the
//! client answers in a POST of its own, and the tool goes on with the answer; on 2026-07-28 the
//! call answers `input_required` and runs again with the answers. Answers that do not fit,
//! refusals, answers from another session, tampered states, and clients that cannot be asked.

use frontmcp::prelude::*;
use frontmcp::{ElicitAction, Elicitation, Questions};
use frontmcp_tests::progressive::EventStream;
use frontmcp_tests::{Http, TestServer, builder};
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct Person {
    /// Your name.
    name: String,
    /// Your age.
    age: u8,
}

/// Set by the `watch` tool's own task when its call is cancelled.
static CANCELLED_SEEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

async fn server() -> TestServer {
    let app = AppBuilder::new("asks", "Asks")
        .tool(
            ToolDescriptor::new("quick"),
            |_ctx: ToolContext, _: NoArguments| async move { "quick" },
        )
        .tool(
            ToolDescriptor::new("watch"),
            |ctx: ToolContext, _: NoArguments| async move {
                let watcher = ctx.clone();
                tokio::spawn(async move {
                    watcher.cancelled().await;
                    assert!(watcher.is_cancelled());
                    CANCELLED_SEEN.store(true, std::sync::atomic::Ordering::SeqCst);
                });
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                "woke up"
            },
        )
        .tool(
            ToolDescriptor::new("ask"),
            |ctx: ToolContext, _: NoArguments| async move {
                Ok::<_, ToolError>(match ctx.elicit::<Person>("Who are you?").await? {
                    Elicitation::Accept(p) => format!("{} is {}", p.name, p.age),
                    Elicitation::Decline => "declined".to_owned(),
                    Elicitation::Cancel => "cancelled".to_owned(),
                })
            },
        )
        .tool(
            ToolDescriptor::new("pick"),
            |ctx: ToolContext, _: NoArguments| async move {
                let schema = json!({"type": "object", "properties": {
                    "color": {"type": "string", "enum": ["red", "blue"]}}, "required": ["color"]});
                let answer = ctx.elicit_with("Pick a color", schema).await?;
                assert_eq!(answer.action, ElicitAction::Accept);
                Ok::<_, ToolError>(answer.content.unwrap()["color"].to_string())
            },
        )
        .tool(
            ToolDescriptor::new("two"),
            |ctx: ToolContext, _: NoArguments| async move {
                let Elicitation::Accept(person) = ctx.elicit::<Person>("Who are you?").await?
                else {
                    return Ok::<_, ToolError>("no one".to_owned());
                };
                let answer = ctx
                    .sample(CreateMessageRequest::user(
                        format!("Greet {}", person.name),
                        10,
                    ))
                    .await?;
                Ok(format!(
                    "{}: {}",
                    person.name,
                    answer.text().unwrap_or_default()
                ))
            },
        )
        .tool(
            ToolDescriptor::new("many"),
            |ctx: ToolContext, _: NoArguments| async move {
                let form = json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
                let answers = ctx
                    .ask(
                        Questions::new()
                            .form("who", "Who?", form)
                            .sample("hi", CreateMessageRequest::user("Say hi", 5))
                            .roots("where"),
                    )
                    .await?;
                let name = answers.form("who")?.content.unwrap()["name"].clone();
                let roots: Vec<String> = answers.roots("where")?.into_iter().map(|r| r.uri).collect();
                Ok::<_, ToolError>(format!(
                    "{} {name} in {}",
                    answers.sample("hi")?.text().unwrap_or_default(),
                    roots.join(",")
                ))
            },
        )
        .tool(
            ToolDescriptor::new("think"),
            |ctx: ToolContext, _: NoArguments| async move {
                let answer = ctx
                    .sample(CreateMessageRequest::user("Say hi", 10).system_prompt("Be brief"))
                    .await?;
                Ok::<_, ToolError>(format!(
                    "{} said {}",
                    answer.model,
                    answer.text().unwrap_or_default()
                ))
            },
        );
    TestServer::start(
        builder("asks", "1.0.0")
            .app(app)
            .tool_naming(frontmcp::ToolNaming {
                namespaced: false,
                ..Default::default()
            }),
    )
    .await
}

/// A session whose client declared `capabilities`.
async fn session(server: &TestServer, capabilities: Value) -> String {
    Http::new(&server.url)
        .initialize_with("2025-11-25", capabilities)
        .await
}

/// Calls `tool` in `session`: the call's event stream.
async fn call(server: &TestServer, session: &str, tool: &str) -> EventStream {
    let response = reqwest::Client::new()
        .post(&server.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .body(
            json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                   "params": {"name": tool, "arguments": {}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    EventStream::new(response)
}

/// POSTs the client's `message` in `session`.
async fn answer(server: &TestServer, session: &str, message: Value) {
    let reply = Http::new(&server.url)
        .post(&[("mcp-session-id", session)], message.to_string())
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
}

/// The request the server sent on `stream`, checked to be `method`: its ID and params.
async fn asked(stream: &mut EventStream, method: &str) -> (Value, Value) {
    let request = stream.next_message().await.expect("the server asks");
    assert_eq!(request["method"], method, "{request}");
    (request["id"].clone(), request["params"].clone())
}

/// The call's result text, and whether it is an error.
async fn outcome(stream: &mut EventStream) -> (String, bool) {
    let response = stream.next_message().await.expect("the call answers");
    let result = &response["result"];
    (
        result["content"][0]["text"].as_str().unwrap().to_owned(),
        result["isError"] == true,
    )
}

const FORMS: &str = r#"{"elicitation": {"form": {}}, "sampling": {}}"#;

#[tokio::test]
async fn a_form_is_asked_answered_and_checked() {
    let server = server().await;
    let session = session(&server, serde_json::from_str(FORMS).unwrap()).await;

    let mut stream = call(&server, &session, "ask").await;
    let (id, params) = asked(&mut stream, "elicitation/create").await;
    assert_eq!(params["message"], "Who are you?");
    assert_eq!(params["mode"], "form");
    let schema = &params["requestedSchema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["properties"]["name"]["description"], "Your name.");
    assert_eq!(schema["required"], json!(["name", "age"]));
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"name": "Ada", "age": 36}}}),
    )
    .await;
    assert_eq!(outcome(&mut stream).await, ("Ada is 36".to_owned(), false));

    // Declined.
    let mut stream = call(&server, &session, "ask").await;
    let (id, _) = asked(&mut stream, "elicitation/create").await;
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "result": {"action": "decline"}}),
    )
    .await;
    assert_eq!(outcome(&mut stream).await, ("declined".to_owned(), false));

    // An answer that does not fit the form: a tool error, the server goes on.
    let mut stream = call(&server, &session, "pick").await;
    let (id, _) = asked(&mut stream, "elicitation/create").await;
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"color": "green"}}}),
    )
    .await;
    let (text, is_error) = outcome(&mut stream).await;
    assert!(is_error && text.contains("does not fit the form"), "{text}");
    let mut stream = call(&server, &session, "ask").await;
    let (id, _) = asked(&mut stream, "elicitation/create").await;
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"name": "Ada", "age": "old"}}}),
    )
    .await;
    let (text, is_error) = outcome(&mut stream).await;
    assert!(is_error && text.contains("does not fit the form"), "{text}");

    // The client refuses with an error.
    let mut stream = call(&server, &session, "ask").await;
    let (id, _) = asked(&mut stream, "elicitation/create").await;
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "user is away"}}),
    )
    .await;
    let (text, is_error) = outcome(&mut stream).await;
    assert!(is_error && text.contains("user is away"), "{text}");
    server.shutdown().await;
}

#[tokio::test]
async fn only_the_asked_session_answers() {
    let server = server().await;
    let asked_session = session(&server, serde_json::from_str(FORMS).unwrap()).await;
    let other = session(&server, serde_json::from_str(FORMS).unwrap()).await;
    let mut stream = call(&server, &asked_session, "think").await;
    let (id, params) = asked(&mut stream, "sampling/createMessage").await;
    assert_eq!(params["maxTokens"], 10);
    assert_eq!(params["systemPrompt"], "Be brief");
    assert_eq!(params["messages"][0]["content"]["text"], "Say hi");
    let reply = json!({"jsonrpc": "2.0", "id": id, "result": {
        "role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m1"}});
    // Another session's answer, and an answer to nothing, are ignored.
    answer(&server, &other, reply.clone()).await;
    answer(
        &server,
        &asked_session,
        json!({"jsonrpc": "2.0", "id": "frontmcp-nothing", "result": {}}),
    )
    .await;
    answer(&server, &asked_session, reply).await;
    assert_eq!(outcome(&mut stream).await, ("m1 said hi".to_owned(), false));
    server.shutdown().await;
}

#[tokio::test]
async fn clients_that_cannot_be_asked_get_a_tool_error() {
    let server = server().await;
    let http = Http::new(&server.url);
    // No capability.
    let plain = session(&server, json!({})).await;
    let result = http.call(&plain, "ask", json!({})).await;
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("did not declare"),
        "{result}"
    );
    // Elicitation only: it cannot be asked to sample.
    let forms_only = session(&server, json!({"elicitation": {}})).await;
    let result = http.call(&forms_only, "think", json!({})).await;
    assert_eq!(result["isError"], true, "{result}");
    // 2026-07-28, a client that declared sampling only: the request fails with -32021 naming
    // the capability it needs (SEP-2575), HTTP 400.
    let reply = http
        .stateless(
            "tools/call",
            json!({"name": "ask", "arguments": {}}),
            json!({"sampling": {}}),
            &[],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], -32021, "{error}");
    assert_eq!(
        error["data"]["requiredCapabilities"],
        json!({"elicitation": {}})
    );
    server.shutdown().await;
}

/// `notifications/cancelled` stops a call that waits for the client: its stream ends without an
/// answer, and a late answer to its question is ignored.
#[tokio::test]
async fn a_cancelled_call_ends_without_an_answer() {
    let server = server().await;
    let session = session(&server, serde_json::from_str(FORMS).unwrap()).await;
    let mut stream = call(&server, &session, "think").await;
    let (id, _) = asked(&mut stream, "sampling/createMessage").await;
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5, "reason": "changed my mind"}}),
    )
    .await;
    assert_eq!(stream.next_message().await, None, "{}", stream.seen());
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "id": id, "result": {"role": "assistant", "content": {"type": "text", "text": "late"}, "model": "m"}}),
    )
    .await;
    // Cancelling what is unknown or finished changes nothing.
    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5}}),
    )
    .await;
    let reply = Http::new(&server.url)
        .rpc(&session, "ping", json!({}))
        .await;
    assert_eq!(reply.json()["result"], json!({}));
    server.shutdown().await;
}

/// On 2026-07-28 a tool that asks answers `input_required` with the question and a sealed state;
/// the retry with the answer runs it again from the start, and it goes on to its next question
/// or its result. The client cannot change earlier answers (they ride sealed in the state).
#[tokio::test]
async fn on_2026_07_28_questions_are_input_required_rounds() {
    let server = server().await;
    let http = Http::new(&server.url);
    let capabilities = json!({"elicitation": {"form": {}}, "sampling": {}});
    let call = |retry: Value| {
        let http = http.clone();
        let capabilities = capabilities.clone();
        async move {
            let mut params = json!({"name": "two", "arguments": {}});
            params
                .as_object_mut()
                .unwrap()
                .extend(retry.as_object().unwrap().clone());
            let reply = http
                .stateless("tools/call", params, capabilities, &[])
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.json()
        }
    };

    let first = call(json!({})).await["result"].clone();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let asked = &first["inputRequests"]["ask-0"];
    assert_eq!(asked["method"], "elicitation/create", "{first}");
    assert_eq!(
        asked["params"]["requestedSchema"]["properties"]["age"]["type"],
        "integer"
    );
    let state = first["requestState"].as_str().unwrap().to_owned();

    // A retry that answers something else is asked again.
    let again =
        call(json!({"inputResponses": {"other": {"action": "accept"}}, "requestState": state}))
            .await;
    assert_eq!(
        again["result"]["inputRequests"]["ask-0"]["method"],
        "elicitation/create"
    );

    let person = json!({"action": "accept", "content": {"name": "Ada", "age": 36}});
    let second =
        call(json!({"inputResponses": {"ask-0": person}, "requestState": state})).await["result"]
            .clone();
    assert_eq!(second["resultType"], "input_required", "{second}");
    assert_eq!(
        second["inputRequests"]["ask-1"]["method"],
        "sampling/createMessage"
    );
    assert_eq!(
        second["inputRequests"]["ask-1"]["params"]["messages"][0]["content"]["text"],
        "Greet Ada"
    );
    let state2 = second["requestState"].as_str().unwrap().to_owned();
    let sampled =
        json!({"role": "assistant", "content": {"type": "text", "text": "hello"}, "model": "m"});
    let done =
        call(json!({"inputResponses": {"ask-1": sampled}, "requestState": state2})).await["result"]
            .clone();
    assert_eq!(done["resultType"], "complete", "{done}");
    assert_eq!(done["content"][0]["text"], "Ada: hello");

    // A tampered state, or one of another call, is refused.
    let mut tampered = state2.clone();
    tampered.replace_range(10..11, if &state2[10..11] == "A" { "B" } else { "A" });
    let refused =
        call(json!({"inputResponses": {"ask-1": sampled}, "requestState": tampered})).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let other = http
        .stateless(
            "tools/call",
            json!({"name": "ask", "arguments": {}, "requestState": state2}),
            capabilities.clone(),
            &[],
        )
        .await;
    assert_eq!(other.json()["error"]["code"], -32602, "{}", other.body);

    // An answer that does not fit the form is a tool error.
    let bad = json!({"action": "accept", "content": {"name": "Ada", "age": "old"}});
    let unfit =
        call(json!({"inputResponses": {"ask-0": bad}, "requestState": state})).await["result"]
            .clone();
    assert_eq!(unfit["isError"], true, "{unfit}");
    server.shutdown().await;
}

/// Several questions at once, under keys of the tool's choosing: one round on 2026-07-28 (a
/// retry that answers some is asked the rest), one request after the other on 2025-11-25.
#[tokio::test]
async fn several_questions_at_once() {
    let server = server().await;
    let http = Http::new(&server.url);
    let capabilities = json!({"elicitation": {"form": {}}, "sampling": {}, "roots": {}});
    let who = json!({"action": "accept", "content": {"name": "Ada"}});
    let hi = json!({"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"});
    let roots = json!({"roots": [{"uri": "file:///work"}]});

    let call = |retry: Value| {
        let http = http.clone();
        let capabilities = capabilities.clone();
        async move {
            let mut params = json!({"name": "many", "arguments": {}});
            params
                .as_object_mut()
                .unwrap()
                .extend(retry.as_object().unwrap().clone());
            http.stateless("tools/call", params, capabilities, &[])
                .await
                .json()["result"]
                .clone()
        }
    };
    let first = call(json!({})).await;
    let mut keys: Vec<&String> = first["inputRequests"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["hi", "where", "who"], "{first}");
    assert_eq!(first["inputRequests"]["where"]["method"], "roots/list");
    let state = first["requestState"].clone();
    let partial = call(json!({"inputResponses": {"who": who}, "requestState": state})).await;
    let mut rest: Vec<&String> = partial["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    rest.sort();
    assert_eq!(
        rest,
        ["hi", "where"],
        "the answered one is not asked again: {partial}"
    );
    let state = partial["requestState"].clone();
    let done =
        call(json!({"inputResponses": {"hi": hi, "where": roots}, "requestState": state})).await;
    assert_eq!(
        done["content"][0]["text"], "hi \"Ada\" in file:///work",
        "{done}"
    );

    // 2025-11-25: one request after the other on the call's stream.
    let session = session(&server, capabilities.clone()).await;
    let mut stream = self::call(&server, &session, "many").await;
    for (method, answer) in [
        ("elicitation/create", who),
        ("sampling/createMessage", hi),
        ("roots/list", roots),
    ] {
        let (id, _) = asked(&mut stream, method).await;
        self::answer(
            &server,
            &session,
            json!({"jsonrpc": "2.0", "id": id, "result": answer}),
        )
        .await;
    }
    assert_eq!(
        outcome(&mut stream).await,
        ("hi \"Ada\" in file:///work".to_owned(), false)
    );
    server.shutdown().await;
}

/// `ctx.cancelled()` tells the tasks a tool started that its call was cancelled; a progress
/// token in use by a call in progress cannot be used by another of the session's.
#[tokio::test]
async fn cancellation_reaches_the_tools_tasks_and_progress_tokens_are_unique() {
    let server = server().await;
    let session = session(&server, serde_json::from_str(FORMS).unwrap()).await;
    let http = Http::new(&server.url);

    let running = tokio::spawn({
        let (url, session) = (server.url.clone(), session.clone());
        async move {
            reqwest::Client::new()
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("mcp-session-id", &session)
                .body(
                    json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                    "params": {"name": "watch", "arguments": {}, "_meta": {"progressToken": "p"}}})
                    .to_string(),
                )
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    });
    // The same token while the first call runs: refused; the server goes on.
    let reused = std::sync::Mutex::new(String::new());
    frontmcp_tests::eventually("the first call holds its token", || async {
        let reply = http
            .rpc(
                &session,
                "tools/call",
                json!({"name": "quick", "arguments": {}, "_meta": {"progressToken": "p"}}),
            )
            .await;
        let refused = reply.body.contains("-32602");
        *reused.lock().unwrap() = reply.body;
        refused
    })
    .await;
    assert!(reused.lock().unwrap().contains("already in use"));
    assert!(!CANCELLED_SEEN.load(std::sync::atomic::Ordering::SeqCst));

    answer(
        &server,
        &session,
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 8}}),
    )
    .await;
    frontmcp_tests::eventually("the tool's task hears of the cancellation", || async {
        CANCELLED_SEEN.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    let body = running.await.unwrap();
    assert!(!body.contains("woke up"), "{body}");
    // The token is free again.
    let free = http
        .rpc(
            &session,
            "tools/call",
            json!({"name": "quick", "arguments": {}, "_meta": {"progressToken": "p"}}),
        )
        .await;
    assert!(free.body.contains("quick"), "{}", free.body);
    server.shutdown().await;
}
