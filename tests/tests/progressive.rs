//! Progressive authorization end to end, in process over loopback HTTP: the seeds' scenario
//! (CRM with the sign-in, Slack skipped then authorized from its tool's link, GitHub later) with
//! the same session token throughout; AUTH_REQUIRED in both shapes; the elicitation completion
//! notification; scope upgrades, refresh, revocation, standalone apps; and every bad input and
//! upstream fault of the issue. The DEMO provider plays the apps' providers.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontmcp_demo_provider::FaultSettings;
use frontmcp_tests::oauth::{exchange, form, register};
use frontmcp_tests::progressive::{
    Client, Decision, Suite, UserAgent, auth_notice, badges, demo_builder, elicitation_complete,
    hidden_fields,
};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use Decision::{Authorize, Skip};

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn access_token(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn refresh(suite: &Suite, client_id: &str, tokens: &Value) -> Value {
    let reply = form(
        &suite.http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", client_id),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// The seeds, line by line: sign in once, CRM authorized, Slack and GitHub skipped; Slack's tool
/// answers AUTH_REQUIRED with a link; after it, the same call with the same token succeeds; then
/// GitHub the same way. The vault grows, the token does not change.
#[tokio::test]
async fn the_seed_scenario_with_one_unchanging_token() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (client_id, tokens) = browser
        .sign_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let token = access_token(&tokens);
    let issued = claims(&token);
    assert_eq!(issued["authorized_apps"], json!(["crm"]));
    assert_eq!(issued["pending_apps"], json!(["slack", "github"]));
    assert!(issued["session_id"].as_str().unwrap().starts_with("sess_"));

    let client = Client::connect(&suite.http, &token, json!({})).await;
    assert_eq!(client.call_ok("crm:get_contacts").await, "Ada Lovelace");

    // Slack: the seeds' object, as an isError result for a client without URL elicitation.
    let result = client.call("slack:send_message").await;
    assert_eq!(result["isError"], true);
    let object = &auth_notice(&result);
    let link = object["auth_url"].as_str().unwrap().to_owned();
    assert_eq!(
        object,
        &json!({
            "error": "authorization_required",
            "code": "AUTH_REQUIRED",
            "app": "slack",
            "tool": "slack:send_message",
            "required_scopes": ["chat:write"],
            "auth_url": link,
            "message": "Slack authorization required",
            "hint": "Click the authorization link to grant access to Slack",
        })
    );
    let root = frontmcp_tests::oauth::root(&suite.http);
    assert!(
        link.starts_with(&format!(
            "{root}/oauth/authorize?app=slack&scope=chat%3Awrite&ticket="
        )),
        "{link}"
    );
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("Slack authorization required") && text.contains(&link),
        "{text}"
    );

    // The user follows the link: remembered from the sign-in, straight to Slack and back.
    let done = browser.authorize_link(&link, "ada", "ada-slack").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("<h1>Slack authorized</h1>"),
        "{}",
        done.body
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );

    // GitHub later, the same way.
    let github = client.auth_required("github:create_issue").await;
    assert_eq!(github["required_scopes"], json!(["repo"]));
    browser
        .authorize_link(github["auth_url"].as_str().unwrap(), "ada", "ada-gh")
        .await;
    assert_eq!(
        client.call_ok("github:create_issue").await,
        "opened by ada-gh"
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );

    // The client never needed another token; a refreshed one lists what the vault now holds.
    let refreshed = access_token(&refresh(&suite, &client_id, &tokens).await);
    let refreshed = claims(&refreshed);
    assert_eq!(refreshed["session_id"], issued["session_id"]);
    assert_eq!(
        refreshed["authorized_apps"],
        json!(["crm", "slack", "github"])
    );
    assert_eq!(refreshed["pending_apps"], json!([]));
}

/// Authorize on the consent screen itself: the browser goes to the provider and comes back to
/// the consent screen with the app Authorized; its tools work at once.
#[tokio::test]
async fn authorizing_on_the_consent_screen() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let register = register(&suite.http, json!({})).await;
    let client_id = register["client_id"].as_str().unwrap();
    let login = browser
        .get(&frontmcp_tests::oauth::authorize_query(client_id, &[]))
        .await;
    let consent = browser
        .submit(&login, &[("username", "grace"), ("password", "pw")])
        .await;
    // Billing is left out of the server's consent screen.
    assert_eq!(
        badges(&consent.body),
        [
            ("CRM".into(), "Authorized".into()),
            ("Slack".into(), "Pending".into()),
            ("GitHub".into(), "Pending".into()),
        ]
    );
    let skipped = browser.submit_consent(&consent, "skip:slack").await;
    assert_eq!(badges(&skipped.body)[1], ("Slack".into(), "Skipped".into()));
    assert!(skipped.body.contains("Authorize Later"));
    let to_github = browser.submit_consent(&skipped, "authorize:github").await;
    let location = to_github.header("location").unwrap();
    assert!(
        location.starts_with(&suite.demo.url("github"))
            && location.contains("code_challenge_method=S256"),
        "{location}"
    );
    assert!(
        location.contains("scope=repo"),
        "least privilege: {location}"
    );
    let back = browser.approve_at_provider(&to_github, "grace-gh").await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(
        badges(&back.body),
        [
            ("CRM".into(), "Authorized".into()),
            ("Slack".into(), "Skipped".into()),
            ("GitHub".into(), "Authorized".into()),
        ]
    );
    let done = browser.submit_consent(&back, "continue").await;
    let params = frontmcp_tests::oauth::location_params(&done);
    let code = frontmcp_tests::oauth::param(&params, "code").unwrap();
    let tokens = exchange(
        &suite.http,
        client_id,
        code,
        frontmcp_tests::oauth::VERIFIER,
    )
    .await;
    let token = access_token(&tokens.json());
    assert_eq!(claims(&token)["authorized_apps"], json!(["crm", "github"]));
    assert_eq!(claims(&token)["pending_apps"], json!(["slack"]));
    let client = Client::connect(&suite.http, &token, json!({})).await;
    assert_eq!(
        client.call_ok("github:create_issue").await,
        "opened by grace-gh"
    );
    client.auth_required("slack:send_message").await;
}

/// A client that declared URL elicitation gets -32042 with the elicitation, and the completion
/// notification on its GET stream once the user authorized the app.
#[tokio::test]
async fn url_elicitation_and_its_completion_notification() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (_, tokens) = browser.sign_in("ada", &[("slack", Skip)]).await;
    let token = access_token(&tokens);
    let client = Client::connect(&suite.http, &token, json!({"elicitation": {"url": {}}})).await;

    let mut stream = client.event_stream().await;

    let error = client.call("slack:send_message").await;
    assert_eq!(error["code"], -32042, "{error}");
    assert_eq!(error["message"], "Slack authorization required");
    let data = &error["data"];
    assert_eq!(data["code"], "AUTH_REQUIRED");
    assert_eq!(data["error"], "authorization_required");
    assert_eq!(data["required_scopes"], json!(["chat:write"]));
    let elicitation = &data["elicitations"][0];
    assert_eq!(elicitation["mode"], "url");
    assert_eq!(elicitation["url"], data["auth_url"]);
    assert!(elicitation["message"].as_str().unwrap().contains("Slack"));
    let elicitation_id = elicitation["elicitationId"].as_str().unwrap().to_owned();

    browser
        .authorize_link(data["auth_url"].as_str().unwrap(), "ada", "ada-slack")
        .await;
    assert!(
        stream
            .receives(&elicitation_complete(&elicitation_id))
            .await,
        "no completion notification in {:?}",
        stream.seen()
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );
}

/// A tool needing a scope the vault's grant lacks asks for an upgrade: what was granted plus
/// what is missing; afterwards both tools work.
#[tokio::test]
async fn incremental_scope_upgrade() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let first = client.auth_required("slack:send_message").await;
    browser
        .authorize_link(first["auth_url"].as_str().unwrap(), "ada", "ada-slack")
        .await;
    client.call_ok("slack:send_message").await;

    let upgrade = client.auth_required("slack:list_channels").await;
    assert_eq!(upgrade["required_scopes"], json!(["channels:read"]));
    let link = upgrade["auth_url"].as_str().unwrap();
    assert!(
        link.contains("scope=chat%3Awrite+channels%3Aread"),
        "the upgrade keeps what was granted: {link}"
    );
    browser.authorize_link(link, "ada", "ada-slack").await;
    assert_eq!(
        client.call_ok("slack:list_channels").await,
        "channels of ada-slack"
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );
}

/// The link is bound to its session's user: another user cannot complete it (signing in as
/// someone else is refused), and the owner's browser is asked to sign in when not remembered.
#[tokio::test]
async fn a_leaked_link_cannot_attach_an_account_to_another_session() {
    let suite = Suite::start().await;
    let victim = suite.browser();
    let (_, tokens) = victim.sign_in("ada", &[("slack", Skip)]).await;
    let client = Client::connect(&suite.http, &access_token(&tokens), json!({})).await;
    let link = client.auth_link("slack:send_message").await;

    // Mallory, signed in as herself in her own browser, opens Ada's link: she must sign in, and
    // signing in as herself is refused. (Her sign-in cookie names another user, so it does not
    // count.)
    let mallory = suite.browser();
    mallory.sign_in("mallory", &[]).await;
    let login = mallory.get(&link).await;
    assert!(login.body.contains("<h1>Sign in</h1>"), "{}", login.body);
    let refused = mallory
        .submit(&login, &[("username", "mallory"), ("password", "pw")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("belongs to another account"),
        "{}",
        refused.body
    );
    assert_eq!(
        suite.demo.authorize_requests("slack"),
        0,
        "nobody reached Slack"
    );

    // Nothing was used up: the link is still Ada's, and her browser completes it.
    victim.forget_cookies("frontmcp_signin");
    let done = victim.authorize_link(&link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    client.call_ok("slack:send_message").await;
    // Once used, the link says so and where Slack stands, with no button that can only fail.
    let used = victim.get(&link).await;
    assert_eq!(used.status, StatusCode::BAD_REQUEST, "{}", used.body);
    assert!(
        used.body.contains("This link was already used"),
        "{}",
        used.body
    );
    assert!(
        used.body
            .contains("Slack is authorized for Test client: its tools work."),
        "{}",
        used.body
    );
    assert!(!used.body.contains("<button"), "{}", used.body);
    assert_eq!(suite.demo.authorize_requests("slack"), 1);
}

/// Tampered, altered, replayed, expired and foreign tickets are refused with a page, and none
/// reaches the provider.
#[tokio::test]
async fn bad_links_are_refused() {
    let suite = Suite::start_with(demo_builder(), |b| {
        b.authorization_link_ttl(Duration::from_secs(1))
    })
    .await;
    let (browser, client, tokens) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    let ticket = link.split("ticket=").nth(1).unwrap().to_owned();
    let refused = |reply: frontmcp_tests::Reply, needle: &str| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains(needle), "{needle}: {}", reply.body);
    };

    // A forged payload (another session) under the original signature.
    let mut parts: Vec<String> = ticket.split('.').map(str::to_owned).collect();
    let mut payload = claims(&ticket);
    payload["sid"] = json!("sess_someone_else");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    refused(
        browser.get(&link.replace(&ticket, &parts.join("."))).await,
        "not valid",
    );
    // Garbage, and a session token presented as a ticket.
    refused(
        browser.get(&link.replace(&ticket, "garbage")).await,
        "not valid",
    );
    refused(
        browser
            .get(&link.replace(&ticket, &access_token(&tokens)))
            .await,
        "not valid",
    );
    // The readable parameters altered.
    refused(
        browser.get(&link.replace("app=slack", "app=github")).await,
        "altered",
    );
    refused(
        browser
            .get(&link.replace("scope=chat%3Awrite", "scope=chat%3Awrite+admin"))
            .await,
        "altered",
    );
    // An app name without a ticket.
    refused(
        browser
            .get("/oauth/authorize?app=slack&prompt=consent")
            .await,
        "ticket",
    );
    // Through the wrong entry point (Slack is not standalone).
    let wrong_door = browser
        .get(&link.replace("/oauth/authorize", "/slack/oauth/authorize"))
        .await;
    assert_eq!(wrong_door.status, StatusCode::NOT_FOUND);
    // Expired: the page says so, and that Slack is still not authorized.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = browser.get(&link).await;
    refused(expired, "This link has expired");
    let expired = browser.get(&link).await;
    assert!(
        expired
            .body
            .contains("Slack is not authorized for Test client."),
        "{}",
        expired.body
    );
    assert!(!expired.body.contains("<button"), "{}", expired.body);
    assert_eq!(suite.demo.authorize_requests("slack"), 0);
}

/// A link shows the app's own card before anything goes to its provider (with or without
/// `prompt=consent`): no client can complete an authorization the user did not choose. Skip
/// there ends the flow without authorizing.
#[tokio::test]
async fn the_app_card_comes_before_its_provider() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    for url in [link.clone(), format!("{link}&prompt=consent")] {
        let card = browser.get(&url).await;
        assert_eq!(card.status, StatusCode::OK, "{}", card.body);
        assert_eq!(badges(&card.body), [("Slack".into(), "Skipped".into())]);
        // The user came to authorize now: no "Authorize Later" here, and the card says which
        // tool asked for which permissions.
        assert!(!card.body.contains("Authorize Later"), "{}", card.body);
        assert!(card.body.contains(">Not now</button>"), "{}", card.body);
        assert!(
            card.body
                .contains("for the tool <code>slack:send_message</code>"),
            "{}",
            card.body
        );
        assert!(
            card.body.contains("<b>Permissions asked:</b> chat:write"),
            "{}",
            card.body
        );
        assert!(
            card.body.contains("Test client</strong> needs access"),
            "names the client"
        );
        assert!(!card.body.contains("Continue with authorized apps"));
    }
    assert_eq!(suite.demo.authorize_requests("slack"), 0);
    let card = browser.get(&link).await;
    let skipped = browser.submit_consent(&card, "skip:slack").await;
    assert!(skipped.body.contains("Slack skipped"), "{}", skipped.body);
    client.auth_required("slack:send_message").await;

    let card = browser.get(&format!("{link}&prompt=consent")).await;
    let to_slack = browser.submit_consent(&card, "authorize:slack").await;
    let done = browser.approve_at_provider(&to_slack, "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    client.call_ok("slack:send_message").await;
}

/// The provider's callback: missing, unknown and replayed states, another app's path, another
/// browser, and the provider's own errors.
#[tokio::test]
async fn bad_callbacks_are_refused() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "demo-user").await;

    assert_eq!(
        browser.get("/oauth/callback/slack?code=x").await.status,
        StatusCode::BAD_REQUEST
    );
    let unknown = browser
        .get("/oauth/callback/slack?code=x&state=never-issued")
        .await;
    assert!(unknown.body.contains("unknown"), "{}", unknown.body);
    // Another browser (no CSRF cookie of this flow) cannot land the answer; it uses up the state.
    let elsewhere = UserAgent::new(&suite.http).get(&callback).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "{}",
        elsewhere.body
    );
    assert_eq!(
        browser.get(&callback).await.status,
        StatusCode::BAD_REQUEST,
        "the state is single use"
    );
    client.auth_required("slack:send_message").await;

    // A good answer, then the same answer again.
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "demo-user").await;
    // The path must be the state's app.
    let wrong_app = browser
        .get(&callback.replace("/callback/slack", "/callback/github"))
        .await;
    assert_eq!(wrong_app.status, StatusCode::BAD_REQUEST);
    assert!(wrong_app.body.contains("another app"), "{}", wrong_app.body);
    client.auth_required("slack:send_message").await;

    // RFC 9207: an answer claiming another issuer than the app's provider is a mix-up.
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "demo-user").await;
    assert!(callback.contains("&iss="), "{callback}");
    let without_iss = callback.split("&iss=").next().unwrap().to_owned();
    let missing_iss = browser.get(&without_iss).await;
    assert_eq!(
        missing_iss.status,
        StatusCode::BAD_REQUEST,
        "the provider always names itself"
    );
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "demo-user").await;
    let mixed_up = browser.get(&callback.replace("%2Fslack", "%2Fevil")).await;
    assert_eq!(mixed_up.status, StatusCode::BAD_REQUEST);
    assert!(
        mixed_up.body.contains("does not come from the provider"),
        "{}",
        mixed_up.body
    );
    client.auth_required("slack:send_message").await;

    // The user denies at the provider: the app's card again, with the reason and the buttons.
    let link = client.auth_link("slack:send_message").await;
    let to_slack = browser.to_provider(&link, "ada").await;
    let denied = browser
        .get(&format!(
            "{}&demo_auto=deny",
            to_slack.header("location").unwrap()
        ))
        .await;
    let page = browser.get(denied.header("location").unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("access was denied"), "{}", page.body);
    assert!(
        page.body.contains("authorize:slack"),
        "the user can try again"
    );
    // ... and can: Authorize on that card goes to Slack again and completes.
    let again = browser.submit_consent(&page, "authorize:slack").await;
    let done = browser.approve_at_provider(&again, "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    client.call_ok("slack:send_message").await;
}

/// The provider failing the code exchange (invalid_grant, 5xx, a timeout) leaves the app
/// unauthorized and says so; the user can retry.
#[tokio::test]
async fn upstream_failures_at_the_code_exchange() {
    let suite = Suite::start_with(demo_builder(), |b| {
        b.upstream_timeout(Duration::from_millis(500))
    })
    .await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let faults = suite.demo.faults("slack");
    for (fault, status, needle) in [
        (
            FaultSettings {
                token_server_error: true,
                ..Default::default()
            },
            StatusCode::BAD_GATEWAY,
            "cannot be reached",
        ),
        (
            FaultSettings {
                token_delay: Some(Duration::from_secs(2)),
                ..Default::default()
            },
            StatusCode::BAD_GATEWAY,
            "cannot be reached",
        ),
    ] {
        faults.set(fault);
        let link = client.auth_link("slack:send_message").await;
        let page = browser.authorize_link(&link, "ada", "ada-slack").await;
        assert_eq!(page.status, status, "{}", page.body);
        assert!(page.body.contains(needle), "{}", page.body);
        faults.clear();
        client.auth_required("slack:send_message").await;
    }
    // A replayed code: the provider refuses it (invalid_grant).
    let link = client.auth_link("slack:send_message").await;
    let callback = browser.provider_answer(&link, "ada", "demo-user").await;
    let code = callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let stolen = reqwest::Client::new()
        .post(format!("{}/token", suite.demo.url("slack")))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", "suite"),
            ("redirect_uri", "x"),
            ("code_verifier", &"v".repeat(43)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), 400, "the code fails PKCE for a thief");
    let refused = browser.get(&callback).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("refused"), "{}", refused.body);
    client.auth_required("slack:send_message").await;
}

/// Tokens near expiry are refreshed inside the call; a refused refresh drops the entry and the
/// call answers AUTH_REQUIRED; a token the provider rejects (revoked upstream) does the same.
#[tokio::test]
async fn refresh_and_rejected_tokens() {
    let suite = Suite::start_with(
        demo_builder().access_token_ttl("slack", Duration::from_secs(30)),
        |b| b,
    )
    .await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    // 30 s tokens are inside the one-minute margin: every call refreshes first.
    assert_eq!(suite.demo.refresh_requests("slack"), 0);
    client.call_ok("slack:send_message").await;
    client.call_ok("slack:send_message").await;
    assert_eq!(suite.demo.refresh_requests("slack"), 2);

    // Concurrent calls refresh once each in turn, never with a rotated-out refresh token.
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.call_ok("slack:send_message").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }

    // The provider stops refreshing (the user revoked the app there).
    suite.demo.faults("slack").set_refresh_invalid_grant(true);
    let again = client.auth_required("slack:send_message").await;
    assert_eq!(again["required_scopes"], json!(["chat:write"]));
    suite.demo.faults("slack").clear();
    // The entry is gone: the next call asks again without touching the provider.
    let before = suite.demo.refresh_requests("slack");
    client.auth_required("slack:send_message").await;
    assert_eq!(suite.demo.refresh_requests("slack"), before);

    // Rejected upstream: the provider forgets every token; the call answers AUTH_REQUIRED.
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    client.call_ok("slack:send_message").await;
    suite.demo.revoke_all("slack");
    client.auth_required("slack:send_message").await;
}

/// A vault record that does not open (altered bytes) is dropped and the app asked for again.
#[tokio::test]
async fn a_corrupted_vault_entry_means_authorize_again() {
    use frontmcp::auth::store::{MemoryStore, Namespace, Store};
    let store = std::sync::Arc::new(MemoryStore::new());
    let shared: std::sync::Arc<dyn Store> = store.clone();
    let suite = Suite::start_with(demo_builder(), |b| b.store(shared)).await;
    let browser = suite.browser();
    let (_, tokens) = browser.sign_in("ada", &[("slack", Skip)]).await;
    let token = access_token(&tokens);
    let session_id = claims(&token)["session_id"].as_str().unwrap().to_owned();
    let client = Client::connect(&suite.http, &token, json!({})).await;
    let link = client.auth_link("slack:send_message").await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    client.call_ok("slack:send_message").await;

    let key = format!("{session_id}/slack");
    // The last byte of the record is the last of the ciphertext's tag.
    let mut record = store.get(Namespace::Vault, &key).await.unwrap().unwrap();
    *record.last_mut().unwrap() ^= 0x01;
    store
        .put(Namespace::Vault, &key, &record, None)
        .await
        .unwrap();
    client.auth_required("slack:send_message").await;
    assert!(
        store.get(Namespace::Vault, &key).await.unwrap().is_none(),
        "the corrupt record is gone"
    );
}

/// Two links of one session for one app, completed at the same time: one entry, usable.
#[tokio::test]
async fn concurrent_authorizations_of_one_app() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    let mut callbacks = Vec::new();
    for user in ["ada-slack-1", "ada-slack-2"] {
        let link = client.auth_link("slack:send_message").await;
        callbacks.push(browser.provider_answer(&link, "ada", user).await);
    }
    let (one, two) = tokio::join!(browser.get(&callbacks[0]), browser.get(&callbacks[1]));
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    let sent = client.call_ok("slack:send_message").await;
    assert!(
        sent == "sent as ada-slack-1" || sent == "sent as ada-slack-2",
        "{sent}"
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        sent,
        "one entry"
    );
}

/// Revocation: by the client (`/oauth/revoke` with `app=`) and by the user on the apps page;
/// both drop the vault entry and revoke the token at the provider, and the session hears that its
/// tool list changed.
#[tokio::test]
async fn revoking_an_app() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (client_id, tokens) = browser
        .sign_in("ada", &[("slack", Authorize), ("github", Authorize)])
        .await;
    let token = access_token(&tokens);
    let client = Client::connect(&suite.http, &token, json!({})).await;
    client.call_ok("slack:send_message").await;
    client.call_ok("github:create_issue").await;
    let mut stream = client.event_stream().await;
    let changed =
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}});

    // The client revokes Slack for its session.
    let revoked = form(
        &suite.http,
        "/oauth/revoke",
        None,
        &[
            ("token", &token),
            ("app", "slack"),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert!(stream.receives(&changed).await, "{}", stream.seen());
    client.auth_required("slack:send_message").await;
    let unknown_app = form(
        &suite.http,
        "/oauth/revoke",
        None,
        &[("token", &token), ("app", "crm"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(unknown_app.status, StatusCode::BAD_REQUEST);

    // The user opens the apps page: GitHub authorized with its scopes, Slack not.
    let page = browser.get("/oauth/apps").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Signed in as <strong>ada</strong>"),
        "{}",
        page.body
    );
    assert_eq!(
        badges(&page.body),
        [
            ("CRM".into(), "Authorized".into()),
            ("Slack".into(), "Pending".into()),
            ("GitHub".into(), "Authorized".into()),
        ]
    );
    assert!(
        !page
            .body
            .contains(&claims(&token)["session_id"].as_str().unwrap()[5..])
    );
    // Without the CSRF token, nothing happens.
    let session_ref = hidden_fields(&page.body)
        .into_iter()
        .find(|(k, _)| k == "session")
        .unwrap()
        .1;
    let forged = browser
        .post_form(
            "/oauth/apps",
            &[("session", &session_ref), ("revoke", "github")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    client.call_ok("github:create_issue").await;
    let after = browser.submit(&page, &[("revoke", "github")]).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert!(after.body.contains("GitHub was revoked"), "{}", after.body);
    assert!(stream.receives(&changed).await, "{}", stream.seen());
    client.auth_required("github:create_issue").await;

    // Another browser is asked to sign in first, and comes back to the page.
    let other = suite.browser();
    let login = other.get("/oauth/apps").await;
    assert!(login.body.contains("<h1>Sign in</h1>"));
    let back = other
        .submit(&login, &[("username", "ada"), ("password", "pw")])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(back.header("location"), Some("/oauth/apps"));
    let page = other.get("/oauth/apps").await;
    assert!(page.body.contains("Test client"), "{}", page.body);
}

/// The apps page lists each client session (a client that registered again has a session of its
/// own) and ends one on request: its token is refused, its apps' tokens are gone, the other
/// session keeps working.
#[tokio::test]
async fn the_user_ends_a_client_session_from_the_apps_page() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    let (_, first) = browser.sign_in("ada", &[("slack", Authorize)]).await;
    let (_, second) = browser.sign_in("ada", &[("slack", Authorize)]).await;
    let (first, second) = (
        Client::connect(&suite.http, &access_token(&first), json!({})).await,
        Client::connect(&suite.http, &access_token(&second), json!({})).await,
    );
    let page = browser.get("/oauth/apps").await;
    // One form per session.
    let fields: Vec<_> = page.body.split("</form>").flat_map(hidden_fields).collect();
    let refs: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "session")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(refs.len(), 2, "{}", page.body);
    assert_eq!(page.body.matches(">End this session</button>").count(), 2);
    let csrf = &fields.iter().find(|(k, _)| k == "csrf_token").unwrap().1;
    // Newest first: the second sign-in's session.
    let ended = browser
        .post_form(
            "/oauth/apps",
            &[
                ("csrf_token", csrf),
                ("session", refs[0]),
                ("end_session", "1"),
            ],
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert!(
        ended.body.contains("Test client&#39;s session was ended."),
        "{}",
        ended.body
    );
    assert_eq!(ended.body.matches(">End this session</button>").count(), 1);
    assert_eq!(
        second.call_reply("slack:send_message").await.status,
        StatusCode::UNAUTHORIZED
    );
    first.call_ok("slack:send_message").await;
    // Without the CSRF token, nothing ends.
    let forged = browser
        .post_form("/oauth/apps", &[("session", refs[1]), ("end_session", "1")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    first.call_ok("slack:send_message").await;
}

/// A standalone app left out of the server's consent screen: its link goes to its own entry
/// point; a client can also sign in there for that app alone.
#[tokio::test]
async fn standalone_apps_have_their_own_entry_point() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite
        .signed_in("ada", &[("slack", Skip), ("github", Skip)])
        .await;
    let billing = client.auth_required("billing:list_invoices").await;
    let link = billing["auth_url"].as_str().unwrap();
    let root = frontmcp_tests::oauth::root(&suite.http);
    assert!(
        link.starts_with(&format!("{root}/billing/oauth/authorize?app=billing")),
        "{link}"
    );
    // The parent entry point refuses it.
    let parent = browser
        .get(&link.replace("/billing/oauth/authorize", "/oauth/authorize"))
        .await;
    assert_eq!(parent.status, StatusCode::BAD_REQUEST);
    browser.authorize_link(link, "ada", "ada-billing").await;
    assert_eq!(
        client.call_ok("billing:list_invoices").await,
        "invoices of ada-billing"
    );

    // A client signs in at Billing's own entry point: its consent shows Billing alone.
    let other = suite.browser();
    let client_id = register(&suite.http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = other
        .consent_flow(
            &client_id,
            "/billing/oauth/authorize",
            "bob",
            &[("billing", Authorize)],
        )
        .await;
    let tokens = exchange(
        &suite.http,
        &client_id,
        &code,
        frontmcp_tests::oauth::VERIFIER,
    )
    .await;
    let token = access_token(&tokens.json());
    assert_eq!(claims(&token)["authorized_apps"], json!(["billing"]));
    let client = Client::connect(&suite.http, &token, json!({})).await;
    assert_eq!(
        client.call_ok("billing:list_invoices").await,
        "invoices of bob-billing"
    );
    // Its session holds no other app.
    let crm = client.call("crm:get_contacts").await;
    assert_eq!(crm["isError"], true, "{crm}");
}

/// Unknown paths under an app name are not entry points; only standalone apps have one.
#[tokio::test]
async fn only_standalone_apps_have_an_entry_point() {
    let suite = Suite::start().await;
    for path in [
        "/slack/oauth/authorize",
        "/nope/oauth/authorize",
        "/billing/oauth/authorize/x",
    ] {
        let reply = suite.http.request(Method::GET, path, &[], "").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// The apps page refuses forms without the sign-in, the CSRF token or its fields, other users'
/// sessions, apps without a provider, oversized bodies, and forged sign-in cookies.
#[tokio::test]
async fn the_apps_page_refuses_bad_forms() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Authorize)]).await;
    let page = browser.get("/oauth/apps").await;
    let fields = hidden_fields(&page.body);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let (csrf, session) = (field("csrf_token"), field("session"));
    let refused = |reply: frontmcp_tests::Reply, status: StatusCode, needle: &str| {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(reply.body.contains(needle), "{needle}: {}", reply.body);
    };

    // No sign-in cookie.
    let stranger = suite.browser();
    refused(
        stranger
            .post_form(
                "/oauth/apps",
                &[
                    ("csrf_token", &csrf),
                    ("session", &session),
                    ("revoke", "slack"),
                ],
            )
            .await,
        StatusCode::FORBIDDEN,
        "Sign in first",
    );
    // Fields missing, an app without a provider, a session that is not the user's.
    refused(
        browser
            .post_form("/oauth/apps", &[("csrf_token", &csrf)])
            .await,
        StatusCode::BAD_REQUEST,
        "names no session",
    );
    refused(
        browser
            .post_form(
                "/oauth/apps",
                &[
                    ("csrf_token", &csrf),
                    ("session", &session),
                    ("revoke", "crm"),
                ],
            )
            .await,
        StatusCode::BAD_REQUEST,
        "cannot be revoked",
    );
    let mallory = suite.browser();
    mallory.sign_in("mallory", &[]).await;
    let mallory_page = mallory.get("/oauth/apps").await;
    let mallory_csrf = hidden_fields(&mallory_page.body)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .unwrap()
        .1;
    refused(
        mallory
            .post_form(
                "/oauth/apps",
                &[
                    ("csrf_token", &mallory_csrf),
                    ("session", &session),
                    ("revoke", "slack"),
                ],
            )
            .await,
        StatusCode::BAD_REQUEST,
        "not one of yours",
    );
    // Oversized.
    let big = "x".repeat(20_000);
    refused(
        browser
            .post_form(
                "/oauth/apps",
                &[
                    ("csrf_token", &csrf),
                    ("session", &session),
                    ("revoke", &big),
                ],
            )
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too large",
    );
    // A forged sign-in cookie is no sign-in.
    let forger = suite.browser();
    let forged = forger
        .http_with_cookie(
            "/oauth/apps",
            "frontmcp_signin=eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.",
        )
        .await;
    assert!(forged.body.contains("<h1>Sign in</h1>"), "{}", forged.body);
    // Through all that, Slack stayed authorized.
    client.call_ok("slack:send_message").await;
}

/// Ending a session (its client revokes its refresh token, or a rotated refresh token is
/// replayed) drops its apps' tokens: nothing it authorized outlives it.
#[tokio::test]
async fn an_ended_session_keeps_no_app_tokens() {
    let suite = Suite::start().await;
    for replay in [false, true] {
        let browser = suite.browser();
        let (client_id, tokens) = browser.sign_in("ada", &[("slack", Authorize)]).await;
        let client = Client::connect(&suite.http, &access_token(&tokens), json!({})).await;
        client.call_ok("slack:send_message").await;
        let refresh_token = tokens["refresh_token"].as_str().unwrap();
        if replay {
            refresh(&suite, &client_id, &tokens).await;
            let reused = form(
                &suite.http,
                "/oauth/token",
                None,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token),
                    ("client_id", &client_id),
                ],
            )
            .await;
            assert_eq!(reused.json()["error"], "invalid_grant");
        } else {
            let revoked = form(
                &suite.http,
                "/oauth/revoke",
                None,
                &[("token", refresh_token), ("client_id", &client_id)],
            )
            .await;
            assert_eq!(revoked.status, StatusCode::OK);
        }
        // The access token is a JWT that has not expired, but its session has ended: it is
        // refused, though it was verified and remembered before, and Slack's tokens are gone.
        let refused = client.call_reply("slack:send_message").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert!(
            refused
                .header("www-authenticate")
                .is_some_and(|h| h.contains("session has ended")),
            "{refused:?}"
        );
        let session_id = claims(&access_token(&tokens))["session_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let auth = suite.server.server.auth_server().unwrap();
        assert!(
            matches!(
                auth.progressive()
                    .app_access(&session_id, "slack", &[])
                    .await,
                Ok(frontmcp::auth::progressive::AppAccess::Required(_))
            ),
            "the vault keeps nothing of an ended session"
        );
    }
}

/// A provider failing a refresh with an error that is not `invalid_grant` (here a 5xx) keeps the
/// tokens: the tool reports the outage, and works once the provider is back.
#[tokio::test]
async fn a_provider_outage_during_refresh_keeps_the_tokens() {
    let suite = Suite::start_with(
        demo_builder().access_token_ttl("slack", Duration::from_secs(30)),
        |b| b,
    )
    .await;
    let (_, client, _) = suite.signed_in("ada", &[("slack", Authorize)]).await;
    client.call_ok("slack:send_message").await;
    suite.demo.faults("slack").set_token_server_error(true);
    let failed = client.call("slack:send_message").await;
    assert_eq!(failed["isError"], true, "{failed}");
    assert!(
        failed.get("structuredContent").is_none(),
        "not AUTH_REQUIRED: {failed}"
    );
    assert!(
        failed["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("cannot be refreshed right now"),
        "{failed}"
    );
    suite.demo.faults("slack").clear();
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as ada-slack"
    );
}

/// A vault entry sealed under a key id this process does not hold (a key ring mid-rotation) is
/// not deleted: the call answers 503 until the ring is right.
#[tokio::test]
async fn an_entry_under_an_unknown_key_is_kept() {
    use frontmcp::auth::store::{MemoryStore, Namespace, Store};
    let store = std::sync::Arc::new(MemoryStore::new());
    let shared: std::sync::Arc<dyn Store> = store.clone();
    let suite = Suite::start_with(demo_builder(), |b| b.store(shared)).await;
    let browser = suite.browser();
    let (_, tokens) = browser.sign_in("ada", &[("slack", Authorize)]).await;
    let token = access_token(&tokens);
    let key = format!("{}/slack", claims(&token)["session_id"].as_str().unwrap());
    let client = Client::connect(&suite.http, &token, json!({})).await;
    let original = store.get(Namespace::Vault, &key).await.unwrap().unwrap();
    // `[version, kid length, kid, ...]`: the same record under another key id.
    let kid_len = usize::from(original[1]);
    let record = [&[original[0], 6][..], b"k-next", &original[2 + kid_len..]].concat();
    store
        .put(Namespace::Vault, &key, &record, None)
        .await
        .unwrap();
    let reply = client.call_reply("slack:send_message").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert!(
        store.get(Namespace::Vault, &key).await.unwrap().is_some(),
        "kept"
    );
    store
        .put(Namespace::Vault, &key, &original, None)
        .await
        .unwrap();
    client.call_ok("slack:send_message").await;
}

/// An older, narrower authorization finishing after a wider one of the same app does not narrow
/// the grant.
#[tokio::test]
async fn a_late_narrower_authorization_does_not_narrow_the_grant() {
    let suite = Suite::start().await;
    let (browser, client, _) = suite.signed_in("ada", &[("slack", Skip)]).await;
    // An authorization for send_message (chat:write) left at the provider's door...
    let old = client.auth_link("slack:send_message").await;
    let late_callback = browser.provider_answer(&old, "ada", "ada-slack").await;
    // ... while another completes, and list_channels upgrades the grant.
    let link = client.auth_link("slack:send_message").await;
    browser.authorize_link(&link, "ada", "ada-slack").await;
    let upgrade = client.auth_link("slack:list_channels").await;
    browser.authorize_link(&upgrade, "ada", "ada-slack").await;
    client.call_ok("slack:list_channels").await;
    // The old one lands last: the wider grant stays.
    let late = browser.get(&late_callback).await;
    assert_eq!(late.status, StatusCode::OK, "{}", late.body);
    client.call_ok("slack:list_channels").await;
    client.call_ok("slack:send_message").await;
}

/// The apps page signs a browser out: its sign-in is no longer remembered.
#[tokio::test]
async fn signing_out() {
    let suite = Suite::start().await;
    let browser = suite.browser();
    browser.sign_in("ada", &[]).await;
    let page = browser.get("/oauth/apps").await;
    assert!(page.body.contains("Sign out"), "{}", page.body);
    let csrf = hidden_fields(&page.body)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .unwrap()
        .1;
    let out = browser
        .post_form("/oauth/apps", &[("csrf_token", &csrf), ("sign_out", "1")])
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(out.body.contains("Signed out"));
    let cleared = out.header("set-cookie").unwrap();
    assert!(
        cleared.starts_with("frontmcp_signin=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let again = browser.get("/oauth/apps").await;
    assert!(again.body.contains("<h1>Sign in</h1>"), "{}", again.body);
}
