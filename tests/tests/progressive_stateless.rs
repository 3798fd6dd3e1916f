//! Progressive authorization on MCP 2026-07-28: a tool whose app is not authorized answers an
//! `InputRequiredResult` carrying the authorization link as a URL elicitation and a sealed
//! `requestState`; the retry runs the tool once the vault holds the app. Everything is keyed by
//! the auth session in the token: no MCP session exists on this wire. Bad states are refused
//! and nothing runs.

use frontmcp_tests::progressive::{
    Decision, StatelessClient, Suite, UserAgent, auth_notice, authorize_key, input_required_link,
};
use hyper::StatusCode;
use serde_json::{Value, json};

use Decision::Skip;

fn token(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

/// Per listed tool: its app, and whether the user may call it now.
fn readiness(listed: &Value) -> Vec<(String, String, bool)> {
    listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["_meta"]["dev.frontmcp/app"].as_str().unwrap().to_owned(),
                t["_meta"]["dev.frontmcp/authorized"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Ada and Bob signed in, Slack and GitHub skipped: Ada's browser and tokens, and a client each
/// that declares URL elicitation.
async fn ada_and_bob(suite: &Suite) -> (UserAgent, Value, StatelessClient, StatelessClient) {
    let browser = suite.browser();
    let (_, ada) = browser
        .sign_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let (_, bob) = suite
        .browser()
        .sign_in("bob", &[("slack", Skip), ("github", Skip)])
        .await;
    let ada_client = StatelessClient::with_url_elicitation(&suite.http, token(&ada));
    let bob_client = StatelessClient::with_url_elicitation(&suite.http, token(&bob));
    (browser, ada, ada_client, bob_client)
}

fn ready(listed: &Value, tool: &str) -> bool {
    readiness(listed)
        .into_iter()
        .find(|(name, _, _)| name == tool)
        .unwrap_or_else(|| panic!("{tool} not listed"))
        .2
}

/// The seeds on the modern wire: sign in once; CRM works; Slack answers input_required with
/// the link; the retry before the user followed it asks again; after it, the retry runs with
/// the same token; GitHub the same way. `tools/list` tells which tools are ready throughout.
#[tokio::test]
async fn the_seeds_as_input_required_results() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (_, tokens) = browser
        .sign_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let client = StatelessClient::with_url_elicitation(&suite.http, token(&tokens));

    let listed = client.send("tools/list", json!({})).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed = listed.json()["result"].clone();
    assert_eq!(listed["cacheScope"], "private", "it depends on the user");
    assert_eq!(
        readiness(&listed)
            .into_iter()
            .filter(|(name, _, _)| name != "billing:list_invoices")
            .collect::<Vec<_>>(),
        [
            ("crm:get_contacts".into(), "crm".into(), true),
            ("slack:send_message".into(), "slack".into(), false),
            ("slack:list_channels".into(), "slack".into(), false),
            ("github:create_issue".into(), "github".into(), false),
        ]
    );

    let crm = client.call("crm:get_contacts").await;
    assert_eq!(crm["resultType"], "complete");
    assert_eq!(crm["content"][0]["text"], "Ada Lovelace");

    let asked = client.call("slack:send_message").await;
    let (link, retry) = input_required_link(&asked, "slack");
    assert_eq!(
        asked["inputRequests"][authorize_key("slack")]["params"]["message"],
        "Click the authorization link to grant access to Slack."
    );
    assert!(
        asked["inputRequests"][authorize_key("slack")]["params"]
            .get("elicitationId")
            .is_none(),
        "2026-07-28 URL elicitations carry no id"
    );
    assert!(link.contains("/oauth/authorize?app=slack&scope=chat%3Awrite&ticket="));

    // The client retries before the user is done: asked again, with a fresh link and state.
    let again = client.retry("slack:send_message", &retry).await;
    let (second_link, second_retry) = input_required_link(&again, "slack");
    assert_ne!(second_link, link);
    assert_ne!(second_retry["requestState"], retry["requestState"]);

    let done = browser.authorize_link(&link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    let sent = client.retry("slack:send_message", &retry).await;
    assert_eq!(sent["resultType"], "complete", "{sent}");
    assert_eq!(sent["content"][0]["text"], "sent as ada-slack");
    // The vault holds Slack now: its other tool needs no round trip, and the list says so.
    let channels = client.call("slack:list_channels").await;
    assert_eq!(channels["resultType"], "input_required", "{channels}");
    let listed = client.send("tools/list", json!({})).await.json()["result"].clone();
    assert!(ready(&listed, "slack:send_message"));
    assert!(
        !ready(&listed, "slack:list_channels"),
        "channels:read not granted yet"
    );

    let (link, retry) = client
        .authorization_asked("github:create_issue", "github")
        .await;
    browser.authorize_link(&link, "ada", "ada-gh").await;
    let opened = client.retry("github:create_issue", &retry).await;
    assert_eq!(opened["content"][0]["text"], "opened by ada-gh", "{opened}");
    assert!(ready(
        &client.send("tools/list", json!({})).await.json()["result"],
        "github:create_issue"
    ));
    assert_eq!(
        suite.server.server.session_count(),
        0,
        "no MCP session at all"
    );
}

/// A client that cannot open links gets the seeds' object, as on the handshake revisions; one
/// that declined the elicitation gets it too, and the tool does not run.
#[tokio::test]
async fn without_url_elicitation_or_declined_the_seeds_object() {
    let suite = Suite::start().await;
    let (_, tokens) = suite
        .browser()
        .sign_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let plain = StatelessClient::new(&suite.http, token(&tokens), json!({}));
    let result = plain.call("slack:send_message").await;
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["isError"], true);
    let notice = auth_notice(&result);
    assert_eq!(notice["app"], "slack");
    assert_eq!(notice["required_scopes"], json!(["chat:write"]));
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains(notice["auth_url"].as_str().unwrap())
    );

    let client = StatelessClient::with_url_elicitation(&suite.http, token(&tokens));
    let (_, mut retry) = client
        .authorization_asked("slack:send_message", "slack")
        .await;
    retry["inputResponses"][authorize_key("slack")] = json!({"action": "decline"});
    let declined = client.retry("slack:send_message", &retry).await;
    assert_eq!(declined["isError"], true, "{declined}");
    assert!(
        declined["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("the user declined"),
        "{declined}"
    );
    auth_notice(&declined);
}

/// The state is the client's to echo, not to write: garbage, an altered byte, another user's,
/// another tool's or other arguments' state is refused with one message, and nothing runs, even
/// once the vault holds the app.
#[tokio::test]
async fn request_states_that_are_not_this_calls_are_refused() {
    let suite = Suite::start().await;
    let (ada_browser, _, ada_client, bob_client) = ada_and_bob(&suite).await;
    let (link, retry) = ada_client
        .authorization_asked("slack:send_message", "slack")
        .await;
    ada_browser.authorize_link(&link, "ada", "ada-slack").await;
    let state = retry["requestState"].as_str().unwrap().to_owned();

    let refused = |result: &Value| {
        assert_eq!(result["code"], -32602, "{result}");
        assert_eq!(result["message"], "Invalid or expired requestState");
    };
    let with_state = |state: &str| json!({"inputResponses": retry["inputResponses"].clone(), "requestState": state});
    let mut flipped = state.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for bad in [
        "garbage".to_owned(),
        String::new(),
        format!("{state}-TAMPERED"),
        flipped,
        "A".repeat(5000),
    ] {
        refused(
            &ada_client
                .retry("slack:send_message", &with_state(&bad))
                .await,
        );
    }
    // Bob presents Ada's state.
    refused(&bob_client.retry("slack:send_message", &retry).await);
    // Ada presents it on another tool, or with other arguments.
    refused(&ada_client.retry("slack:list_channels", &retry).await);
    refused(
        &ada_client
            .call_with(
                "slack:send_message",
                json!({"channel": "random"}),
                retry.clone(),
            )
            .await,
    );
    // Malformed input responses are refused before anything.
    let mut malformed = retry.clone();
    malformed["inputResponses"][authorize_key("slack")] = json!("accept");
    let result = ada_client.retry("slack:send_message", &malformed).await;
    assert_eq!(result["code"], -32602, "{result}");
    // The state of this very call still works: the refusals changed nothing.
    let sent = ada_client.retry("slack:send_message", &retry).await;
    assert_eq!(sent["content"][0]["text"], "sent as ada-slack", "{sent}");
}

/// The vault is the auth session's: an app authorized from the modern wire serves a legacy MCP
/// session of the same token, and the other way round.
#[tokio::test]
async fn both_wires_share_the_vault_of_the_auth_session() {
    let suite = Suite::start().await;
    let (browser, legacy, tokens) = suite
        .signed_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let modern = StatelessClient::with_url_elicitation(&suite.http, token(&tokens));
    let (link, retry) = modern
        .authorization_asked("slack:send_message", "slack")
        .await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    assert_eq!(
        modern.retry("slack:send_message", &retry).await["content"][0]["text"],
        "sent as ada-slack"
    );
    assert_eq!(
        legacy.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );

    let link = legacy.auth_link("github:create_issue").await;
    browser.authorize_link(&link, "ada", "ada-gh").await;
    assert_eq!(
        modern.call("github:create_issue").await["content"][0]["text"],
        "opened by ada-gh"
    );
}

/// `notifications/tools/list_changed` for the message `id` of a subscription.
fn tools_changed(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
           "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": id}}})
}

fn acknowledged(id: u64, honored: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
           "params": {"notifications": honored, "_meta": {"io.modelcontextprotocol/subscriptionId": id}}})
}

/// When an app is authorized or revoked for a user, that user's clients hear that the tool list
/// (and the resource and prompt lists, which this suite has) changed: their subscriptions that
/// asked for it (2026-07-28) and their sessions' GET streams (handshake revisions, whose
/// initialize declares `listChanged`). Nobody else hears it.
#[tokio::test]
async fn list_changes_reach_the_users_subscriptions_and_streams() {
    let suite = Suite::start().await;
    let (browser, ada, ada_client, bob_client) = ada_and_bob(&suite).await;

    let mut tools = ada_client
        .listen(
            41,
            json!({"toolsListChanged": true, "resourcesListChanged": true}),
        )
        .await;
    assert!(
        tools
            .receives(&acknowledged(
                41,
                json!({"toolsListChanged": true, "resourcesListChanged": true})
            ))
            .await,
        "the acknowledgment first, with what is honored: {}",
        tools.seen()
    );
    let mut prompts = ada_client
        .listen(42, json!({"promptsListChanged": true}))
        .await;
    assert!(
        prompts
            .receives(&acknowledged(42, json!({"promptsListChanged": true})))
            .await,
        "{}",
        prompts.seen()
    );
    let mut bobs = bob_client
        .listen(43, json!({"toolsListChanged": true}))
        .await;
    assert!(
        bobs.receives(&acknowledged(43, json!({"toolsListChanged": true})))
            .await
    );
    assert_eq!(suite.server.server.subscription_count(), 3);

    let bearer = format!("Bearer {}", token(&ada));
    let initialized = suite
        .http
        .post(
            &[("authorization", &bearer)],
            frontmcp_tests::initialize_body("2025-11-25", json!({})).to_string(),
        )
        .await;
    assert_eq!(
        initialized.json()["result"]["capabilities"]["tools"]["listChanged"],
        true
    );
    let legacy =
        frontmcp_tests::progressive::Client::connect(&suite.http, token(&ada), json!({})).await;
    let mut stream = legacy.event_stream().await;
    let legacy_changed =
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}});

    let (link, retry) = ada_client
        .authorization_asked("slack:send_message", "slack")
        .await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    assert!(tools.receives(&tools_changed(41)).await, "{}", tools.seen());
    assert!(stream.receives(&legacy_changed).await, "{}", stream.seen());
    let quiet = std::time::Duration::from_millis(300);
    assert!(!prompts.receives_within(&tools_changed(42), quiet).await);
    let prompts_changed = json!({"jsonrpc": "2.0", "method": "notifications/prompts/list_changed",
        "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": 42}}});
    assert!(
        prompts.receives(&prompts_changed).await,
        "the prompts of the app changed too: {}",
        prompts.seen()
    );
    assert!(!bobs.receives_within(&tools_changed(43), quiet).await);
    assert_eq!(
        ada_client.retry("slack:send_message", &retry).await["content"][0]["text"],
        "sent as ada-slack"
    );

    // The user revokes Slack at Slack: the next call finds the token rejected, and the list
    // changed again.
    suite.demo.revoke_all("slack");
    let again = ada_client.call("slack:send_message").await;
    assert_eq!(again["resultType"], "input_required", "{again}");
    assert!(tools.receives(&tools_changed(41)).await, "{}", tools.seen());
    assert!(stream.receives(&legacy_changed).await);

    // Closing a stream ends its subscription.
    drop((tools, prompts, bobs));
    frontmcp_tests::eventually("the subscriptions ended", || async {
        suite.server.server.subscription_count() == 0
    })
    .await;
}
