//! Signing in through a real third-party OpenID provider (`auth(type = "remote", ...)`): npm
//! `oidc-provider` (pinned in `tests/interop/idp`), started by the test. The server stays the
//! authorization server of its MCP clients, and progressive authorization is unchanged: an app's
//! link signs its user in at the provider too, and only the session's own user may complete it.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use frontmcp::auth::{ConsentConfig, RemoteProvider, ServerAuth, ServerAuthMode, ServerAuthType};
use frontmcp::env::Environment;
use frontmcp_tests::oauth::{VERIFIER, exchange, register};
use frontmcp_tests::progressive::{Client, UserAgent, demo_builder, suite_builder};
use frontmcp_tests::tools::node_package;
use frontmcp_tests::{Http, Reply};
use hyper::StatusCode;
use serde_json::{Value, json};

const CLIENT_ID: &str = "frontmcp-test";
const CLIENT_SECRET: &str = "frontmcp-test-secret-0123456789";

/// The provider as a child process, killed when dropped.
struct Idp {
    child: Child,
    issuer: String,
}

impl Idp {
    /// Starts it for a relying party whose callback is `redirect_uri`; `None` without Node.js
    /// outside CI.
    fn start(redirect_uri: &str) -> Option<Self> {
        let dir = node_package("idp", &["oidc-provider"], "OpenID provider")?;
        let mut child = Command::new("node")
            .arg("idp.mjs")
            .current_dir(&dir)
            .env("PORT", "0")
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .env("ID_TOKEN_ALG", "RS256")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the provider says it is ready");
        let issuer = line
            .trim()
            .strip_prefix("IDP READY ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Some(Self { child, issuer })
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The seeds' suite (CRM, Slack and GitHub at the demo provider), signing users in at `idp`,
/// serving on `listener`.
async fn suite_at(
    listener: std::net::TcpListener,
    idp: &Idp,
    demo: &frontmcp_demo_provider::RunningDemo,
) -> Http {
    let addr = listener.local_addr().unwrap();
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        kind: ServerAuthType::Remote,
        consent: ConsentConfig { enabled: true },
        remote: Some(RemoteProvider {
            scopes: vec!["email".into()],
            client_id: Some(CLIENT_ID.into()),
            ..RemoteProvider::new(idp.issuer.clone())
        }),
        ..Default::default()
    };
    let server = suite_builder(demo)
        .auth(auth)
        .environment(Environment::empty().with("FRONTMCP_SIGNIN_CLIENT_SECRET", CLIENT_SECRET))
        .build()
        .unwrap();
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::spawn(server.serve_listener(listener, std::future::pending()));
    Http::new(&format!("http://{addr}/mcp"))
}

/// At the provider, from the redirect `to_idp` our server answered: signs in as `login` on the
/// provider's form (unless the provider remembers the browser), and stops where the provider
/// sends the browser back: the callback URL, not followed.
async fn provider_answer(browser: &UserAgent, idp: &Idp, to_idp: &Reply, login: &str) -> String {
    assert_eq!(to_idp.status, StatusCode::SEE_OTHER, "{}", to_idp.body);
    let mut reply = browser.get(to_idp.header("location").unwrap()).await;
    for _ in 0..8 {
        if reply.status == StatusCode::OK && reply.body.contains("name=\"login\"") {
            let action = reply
                .body
                .split("action=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_owned();
            reply = browser
                .send(
                    hyper::Method::POST,
                    &format!("{}{action}", idp.issuer),
                    Some("application/x-www-form-urlencoded"),
                    format!("prompt=login&login={login}&password=x"),
                )
                .await;
            continue;
        }
        let location = reply
            .header("location")
            .unwrap_or_else(|| panic!("{} {}", reply.status, reply.body));
        let absolute = if location.starts_with('/') {
            format!("{}{location}", idp.issuer)
        } else {
            location.to_owned()
        };
        if !absolute.starts_with(&idp.issuer) {
            return absolute;
        }
        reply = browser.get(&absolute).await;
    }
    panic!("the provider never sent the browser back");
}

/// [`provider_answer`], followed: what the server's callback answers.
async fn sign_in_at_idp(browser: &UserAgent, idp: &Idp, to_idp: &Reply, login: &str) -> Reply {
    let callback = provider_answer(browser, idp, to_idp, login).await;
    browser.get(&callback).await
}

/// A client's authorization request from `browser`: the redirect to the provider.
async fn to_idp_again(browser: &UserAgent, client_id: &str) -> Reply {
    browser
        .get(&frontmcp_tests::oauth::authorize_query(client_id, &[]))
        .await
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_sign_in_at_a_real_openid_provider() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let Some(idp) = Idp::start(&format!("{root}/oauth/signin/callback")) else {
        return;
    };
    let demo = demo_builder().bind("127.0.0.1:0").await.unwrap();
    let http = suite_at(listener, &idp, &demo).await;

    // An MCP client's authorization request sends the browser to the provider, with PKCE, a
    // nonce and a state, to come back to the server's callback.
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = UserAgent::new(&http);
    let to_idp = browser
        .get(&frontmcp_tests::oauth::authorize_query(&client_id, &[]))
        .await;
    let location = url::Url::parse(to_idp.header("location").expect("a redirect")).unwrap();
    assert!(location.as_str().starts_with(&idp.issuer), "{location}");
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["redirect_uri"],
        format!("{root}/oauth/signin/callback")
    );
    assert!(query["scope"].split(' ').any(|s| s == "openid"));
    assert!(query.contains_key("nonce") && query.contains_key("state"));

    let consent = sign_in_at_idp(&browser, &idp, &to_idp, "alice").await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert!(
        consent.body.contains("Authorize Access"),
        "{}",
        consent.body
    );
    let done = browser.submit_consent(&consent, "continue").await;
    let code = frontmcp_tests::oauth::param(&frontmcp_tests::oauth::location_params(&done), "code")
        .unwrap()
        .to_owned();
    let tokens = exchange(&http, &client_id, &code, VERIFIER).await.json();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        claims(&access)["sub"],
        "alice",
        "the provider's sub is the user"
    );

    // Progressive authorization is unchanged: Slack's link, opened in a browser the server does
    // not know, signs alice in at the provider, then goes to Slack.
    let client = Client::connect(&http, &access, json!({})).await;
    client.call_ok("crm:get_contacts").await;
    let link = client.auth_link("slack:send_message").await;
    let fresh = UserAgent::new(&http);
    let to_idp = fresh.get(&link).await;
    let card = sign_in_at_idp(&fresh, &idp, &to_idp, "alice").await;
    assert!(
        card.body.contains("value=\"authorize:slack\""),
        "{}",
        card.body
    );
    let to_slack = fresh.submit_consent(&card, "authorize:slack").await;
    let authorized = fresh.approve_at_provider(&to_slack, "alice-slack").await;
    assert!(
        authorized.body.contains("Slack authorized"),
        "{}",
        authorized.body
    );
    assert_eq!(
        client.call_ok("slack:send_message").await,
        "sent as alice-slack"
    );

    // Someone else signed in at the provider cannot complete alice's link.
    let link = client.auth_link("github:create_issue").await;
    let mallory = UserAgent::new(&http);
    let to_idp = mallory.get(&link).await;
    let refused = sign_in_at_idp(&mallory, &idp, &to_idp, "mallory").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("belongs to another account"),
        "{}",
        refused.body
    );
    client.auth_required("github:create_issue").await;

    // The password form is not this server's way in; the callback's answer is single use.
    let form =
        frontmcp_tests::oauth::form(&http, "/oauth/login", None, &[("username", "alice")]).await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST);
    let again = UserAgent::new(&http);
    let to_idp = again
        .get(&frontmcp_tests::oauth::authorize_query(&client_id, &[]))
        .await;
    let callback = provider_answer(&again, &idp, &to_idp, "alice").await;
    assert_eq!(again.get(&callback).await.status, StatusCode::OK);
    let replayed = again.get(&callback).await;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert!(replayed.body.contains("already used"), "{}", replayed.body);
    // Another browser cannot use a callback meant for this one, nor a forged state.
    let stolen = provider_answer(
        &again,
        &idp,
        &to_idp_again(&again, &client_id).await,
        "alice",
    )
    .await;
    let thief = UserAgent::new(&http).get(&stolen).await;
    assert_eq!(thief.status, StatusCode::FORBIDDEN, "{}", thief.body);
    assert!(
        thief.body.contains("browser that started"),
        "{}",
        thief.body
    );
    let tampered = callback.replace("state=", "state=x");
    assert_eq!(
        UserAgent::new(&http).get(&tampered).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_environment_moves_the_sign_in_to_a_provider() {
    let demo = demo_builder().bind("127.0.0.1:0").await.unwrap();
    // A server that signs users in itself, told by its environment to use a provider: a bad URL
    // or a missing client stops the start, naming the variable.
    for (env, variable) in [
        (
            vec![("FRONTMCP_SIGNIN_PROVIDER", "ftp://idp.example")],
            "FRONTMCP_SIGNIN_PROVIDER",
        ),
        (
            vec![("FRONTMCP_SIGNIN_PROVIDER", "https://idp.example")],
            "FRONTMCP_SIGNIN_CLIENT_ID",
        ),
    ] {
        let server = suite_builder(&demo)
            .environment(Environment::from_pairs(env))
            .build()
            .unwrap();
        let err = server
            .bind("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(variable), "{err}");
    }
    // With both, it starts, and its authorization requests go to the provider.
    let server = frontmcp_tests::TestServer::start(suite_builder(&demo).environment(
        Environment::from_pairs([
            ("FRONTMCP_SIGNIN_PROVIDER", "https://idp.example"),
            ("FRONTMCP_SIGNIN_CLIENT_ID", "rp"),
        ]),
    ))
    .await;
    let http = Http::new(&server.url);
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = UserAgent::new(&http)
        .get(&frontmcp_tests::oauth::authorize_query(&client_id, &[]))
        .await;
    // The provider cannot be reached here: the page says so, and nothing is signed in.
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert!(reply.body.contains("Sign-in unavailable"), "{}", reply.body);
}
