//! The orchestrating server's own OAuth 2.1 authorization server, end to end over loopback HTTP:
//! discovery, registration, login, consent, code with PKCE, tokens, refresh rotation, revocation,
//! bearer checks on /mcp; and every bad input of the issue refused with the RFC's error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_tests::apps::NotesApp;
use frontmcp_tests::oauth::{
    REDIRECT, VERIFIER, exchange, form, location_params, open_authorize, param, register, root,
    tokens,
};
use frontmcp_tests::{Http, Reply, TestServer, initialize_body};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

/// Signs in as `user` with only `crm:get_contacts` selected.
async fn sign_in(http: &Http, client_id: &str, user: &str) -> String {
    frontmcp_tests::oauth::sign_in(http, client_id, user, Some(&["crm:get_contacts"])).await
}

async fn start() -> (TestServer, Http) {
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    let server = TestServer::start(
        frontmcp_tests::builder("AgentSuite", "1.0.0")
            .app(CrmApp)
            .app(NotesApp)
            .auth(auth),
    )
    .await;
    let http = Http::new(&server.url);
    (server, http)
}

#[derive(Deserialize, JsonSchema)]
struct Query {
    #[serde(default)]
    search: String,
}

#[derive(Default)]
struct CrmApp;

#[app(name = "CRM")]
impl CrmApp {
    /// Finds contacts.
    #[tool(scopes("crm:read"))]
    async fn get_contacts(&self, ctx: &ToolContext, input: Query) -> String {
        format!(
            "{} searched {:?}",
            ctx.user().unwrap_or("nobody"),
            input.search
        )
    }

    /// Changes a contact.
    #[tool(scopes("crm:write"))]
    async fn update_contact(&self) -> &'static str {
        "updated"
    }

    /// Merges two contacts: reads both, writes one.
    #[tool(scopes("crm:read", "crm:write"))]
    async fn merge_contacts(&self) -> &'static str {
        "merged"
    }
}

async fn mcp(http: &Http, token: &str, session: Option<&str>, body: Value) -> Reply {
    let bearer = format!("Bearer {token}");
    let mut headers = vec![("authorization", bearer.as_str())];
    if let Some(session) = session {
        headers.push(("mcp-session-id", session));
    }
    http.post(&headers, body.to_string()).await
}

async fn mcp_session(http: &Http, token: &str) -> String {
    let reply = mcp(http, token, None, initialize_body("2025-11-25", json!({}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.header("mcp-session-id").unwrap().to_owned()
}

fn call(tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": {"search": "ada"}}})
}

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn discovery_documents() {
    let (_server, http) = start().await;
    let root = root(&http);
    let unauthenticated = http
        .post(&[], initialize_body("2025-11-25", json!({})).to_string())
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    let challenge = unauthenticated.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with(&format!(
            "Bearer resource_metadata=\"{root}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"crm:read crm:write\""),
        "{challenge}"
    );

    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let prm = http.request(Method::GET, path, &[], "").await.json();
        assert_eq!(prm["resource"], format!("{root}/mcp"));
        assert_eq!(prm["authorization_servers"], json!([root]));
    }
    let meta = http
        .request(
            Method::GET,
            "/.well-known/oauth-authorization-server",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(meta["issuer"], root);
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        meta["registration_endpoint"],
        format!("{root}/oauth/register")
    );
    assert_eq!(meta["revocation_endpoint"], format!("{root}/oauth/revoke"));
    assert_eq!(
        meta["scopes_supported"],
        json!(["crm:read", "crm:write", "offline_access"]),
        "refresh tokens are the authorization server's to list"
    );
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let prm = http.request(Method::GET, path, &[], "").await.json();
        assert_eq!(
            prm["scopes_supported"],
            json!(["crm:read", "crm:write"]),
            "no offline_access for the resource (MCP 2026-07-28)"
        );
    }
    assert!(!challenge.contains("offline_access"), "{challenge}");
    let jwks = http
        .request(Method::GET, "/.well-known/jwks.json", &[], "")
        .await
        .json();
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    assert_eq!(jwks["keys"][0]["kty"], "EC");
}

#[tokio::test]
async fn the_whole_flow_then_mcp_with_the_token() {
    let (_server, http) = start().await;
    let (_, tokens) = tokens(&http, "ada").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(
        tokens["scope"], "crm:read crm:write",
        "no scope requested: the defaults"
    );
    let c = claims(access);
    assert_eq!(c["sub"], "ada");
    assert_eq!(c["aud"], format!("{}/mcp", root(&http)));
    assert_eq!(c["authorized_apps"], json!(["crm", "notes"]));
    assert!(c["session_id"].as_str().unwrap().starts_with("sess_"));
    assert!(c.get("access_token").is_none() && !access.contains("upstream"));

    let session = mcp_session(&http, access).await;
    let reply = mcp(&http, access, Some(&session), call("crm:get_contacts")).await;
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "ada searched \"ada\""
    );
}

#[tokio::test]
async fn skip_and_tool_selection_shape_the_session() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, browser) = open_authorize(&http, &client_id, &[("scope", "crm:read")]).await;
    let b = browser.unwrap();
    let login = b
        .submit(&http, "/oauth/login", &[("username", "grace")])
        .await;
    assert!(login.body.contains("Authorized"));
    let skipped = b
        .submit(&http, "/oauth/consent", &[("action", "skip:notes")])
        .await;
    assert_eq!(skipped.status, StatusCode::OK);
    assert!(
        skipped.body.contains("Skipped") && skipped.body.contains("Authorize Later"),
        "{}",
        skipped.body
    );
    let done = b
        .submit(
            &http,
            "/oauth/consent",
            &[("action", "continue"), ("tool", "crm:get_contacts")],
        )
        .await;
    let code = param(&location_params(&done), "code").unwrap().to_owned();
    let tokens = exchange(&http, &client_id, &code, VERIFIER).await.json();
    let c = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(c["authorized_apps"], json!(["crm"]));
    assert_eq!(c["pending_apps"], json!(["notes"]));
    assert_eq!(c["scopes"], json!(["crm:read"]));
}

#[tokio::test]
async fn bad_client_or_redirect_never_redirects() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (unknown, _) = open_authorize(&http, "nope", &[]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.header("location").is_none());
    assert!(
        unknown
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    for bad in [
        "http://127.0.0.1:9999/other",
        "https://evil.example/callback",
        "http://127.0.0.1:9999/callback/",
    ] {
        let (reply, _) = open_authorize(&http, &client_id, &[("redirect_uri", bad)]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.header("location").is_none(), "{bad}");
    }
}

#[tokio::test]
async fn bad_authorization_parameters_redirect_with_errors() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (extra, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("code_challenge", "short")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "crm:read admin")], "invalid_scope"),
        (
            vec![("resource", "https://other.example/mcp")],
            "invalid_target",
        ),
    ] {
        let (reply, _) = open_authorize(&http, &client_id, &extra).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{extra:?}");
        let params = location_params(&reply);
        assert_eq!(param(&params, "error"), Some(error), "{extra:?}");
        assert_eq!(param(&params, "state"), Some("xyz"));
    }
}

#[tokio::test]
async fn csrf_is_required_on_every_form() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, browser) = open_authorize(&http, &client_id, &[]).await;
    let b = browser.unwrap();
    let attempts: [(Option<&str>, &str); 3] = [
        (None, b.csrf.as_str()),
        (Some(b.cookie.as_str()), "forged"),
        (Some("frontmcp_csrf=forged"), "forged"),
    ];
    for (cookie, token) in attempts {
        let reply = form(
            &http,
            "/oauth/login",
            cookie,
            &[
                ("pending", &b.pending),
                ("csrf_token", token),
                ("username", "eve"),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{cookie:?} {token}");
    }
    let missing = form(
        &http,
        "/oauth/login",
        Some(&b.cookie),
        &[("pending", &b.pending), ("username", "eve")],
    )
    .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let consent_first = form(
        &http,
        "/oauth/consent",
        Some(&b.cookie),
        &[
            ("pending", &b.pending),
            ("csrf_token", &b.csrf),
            ("action", "continue"),
        ],
    )
    .await;
    assert_eq!(
        consent_first.status,
        StatusCode::BAD_REQUEST,
        "consent before sign-in"
    );
}

#[tokio::test]
async fn codes_are_single_use_bound_and_pkce_checked() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let code = sign_in(&http, &client_id, "ada").await;
    let wrong_client = exchange(&http, &other, &code, VERIFIER).await;
    assert_eq!(wrong_client.json()["error"], "invalid_grant");
    let code = sign_in(&http, &client_id, "ada").await;
    let wrong_verifier = exchange(&http, &client_id, &code, &"x".repeat(43)).await;
    assert_eq!(wrong_verifier.json()["error"], "invalid_grant");
    let code = sign_in(&http, &client_id, "ada").await;
    let no_verifier = form(
        &http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(no_verifier.json()["error"], "invalid_grant");

    // Two concurrent redemptions of one code: exactly one wins.
    let code = sign_in(&http, &client_id, "ada").await;
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (http, client_id, code) = (http.clone(), client_id.clone(), code.clone());
            tokio::spawn(async move { exchange(&http, &client_id, &code, VERIFIER).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    let reused = exchange(&http, &client_id, &code, VERIFIER).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.json()["error"], "invalid_grant");

    // A replayed code revokes what its first redemption issued (OAuth 2.1 section 4.1.3).
    let code = sign_in(&http, &client_id, "ada").await;
    let first = exchange(&http, &client_id, &code, VERIFIER).await.json();
    let access = first["access_token"].as_str().unwrap();
    mcp_session(&http, access).await;
    let replayed = exchange(&http, &client_id, &code, VERIFIER).await.json();
    assert_eq!(replayed["error"], "invalid_grant");
    assert!(
        replayed["error_description"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{replayed}"
    );
    let refreshed = form(
        &http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(
        refreshed.json()["error"],
        "invalid_grant",
        "{}",
        refreshed.body
    );
    let refused = mcp(
        &http,
        access,
        None,
        initialize_body("2025-11-25", json!({})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);

    let unknown_client = exchange(&http, "nobody", "code", VERIFIER).await;
    assert_eq!(unknown_client.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_client.json()["error"], "invalid_client");
    let grant = form(
        &http,
        "/oauth/token",
        None,
        &[("grant_type", "password"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(grant.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn confidential_clients_authenticate() {
    let (_server, http) = start().await;
    let client = register(
        &http,
        json!({"token_endpoint_auth_method": "client_secret_basic"}),
    )
    .await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    let code = sign_in(&http, id, "ada").await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    );
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .finish();
    let ok = http
        .request(
            Method::POST,
            "/oauth/token",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", &basic),
            ],
            body,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let code = sign_in(&http, id, "ada").await;
    let no_secret = exchange(&http, id, &code, VERIFIER).await;
    assert_eq!(no_secret.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let (_server, http) = start().await;
    let (client_id, first) = tokens(&http, "ada").await;
    let refresh = |token: String| {
        let (http, client_id) = (http.clone(), client_id.clone());
        async move {
            form(
                &http,
                "/oauth/token",
                None,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", &client_id),
                ],
            )
            .await
        }
    };
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let second = refresh(r1.clone()).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second = second.json();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        claims(second["access_token"].as_str().unwrap())["session_id"],
        claims(first["access_token"].as_str().unwrap())["session_id"]
    );

    let replay = refresh(r1).await;
    assert_eq!(replay.json()["error"], "invalid_grant");
    let after_reuse = refresh(r2).await;
    assert_eq!(
        after_reuse.json()["error"],
        "invalid_grant",
        "reuse revoked the whole family"
    );
}

#[tokio::test]
async fn revocation_ends_the_refresh_token() {
    let (_server, http) = start().await;
    let (client_id, tokens) = tokens(&http, "ada").await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let revoked = form(
        &http,
        "/oauth/revoke",
        None,
        &[("token", refresh), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    let unknown = form(
        &http,
        "/oauth/revoke",
        None,
        &[("token", "never-issued"), ("client_id", &client_id)],
    )
    .await;
    assert_eq!(
        unknown.status,
        StatusCode::OK,
        "RFC 7009: unknown tokens too"
    );
    let used = form(
        &http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(used.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn bearer_tokens_are_checked() {
    let (_server, http) = start().await;
    let (_, tokens) = tokens(&http, "ada").await;
    let access = tokens["access_token"].as_str().unwrap();
    let init = initialize_body("2025-11-25", json!({}));

    let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
    let mut payload = claims(access);
    payload["sub"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = parts.join(".");
    for bad in [tampered.as_str(), "not-a-jwt", ""] {
        let reply = mcp(&http, bad, None, init.clone()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
        if !bad.is_empty() {
            assert!(
                reply
                    .header("www-authenticate")
                    .unwrap()
                    .contains("error=\"invalid_token\"")
            );
        }
    }
    let basic = http
        .post(&[("authorization", "Basic YTpi")], init.to_string())
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_and_foreign_audience_tokens_are_refused() {
    let secret = [42u8; 32];
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    let signer = || frontmcp::auth::tokens::TokenSigner::hs256(&secret).unwrap();
    let server = TestServer::start(
        frontmcp_tests::builder("s", "1")
            .app(NotesApp)
            .auth(auth)
            .token_signer(signer()),
    )
    .await;
    let http = Http::new(&server.url);
    let now = frontmcp::auth::tokens::now_secs();
    let root = root(&http);
    // A real session: the server accepts only tokens of the sessions it holds, with their user
    // and client.
    let (client_id, issued) = frontmcp_tests::oauth::tokens(&http, "ada").await;
    let session_id = claims(issued["access_token"].as_str().unwrap())["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token_as = |sub: &str, client_id: &str, aud: String, exp: u64| {
        signer().sign(&frontmcp::auth::tokens::SessionClaims {
            sub: sub.into(),
            iss: root.clone(),
            aud,
            iat: now - 100,
            exp,
            jti: "j".into(),
            client_id: client_id.into(),
            session_id: session_id.clone(),
            authorized_apps: vec![],
            pending_apps: vec![],
            scopes: vec![],
            selected_tools: None,
        })
    };
    let token = |aud: String, exp: u64| token_as("ada", &client_id, aud, exp);
    // Signed with the server's own key, but naming another user or client than the session's:
    // what someone who stole the key and saw a session ID would forge.
    for (sub, client) in [("mallory", client_id.as_str()), ("ada", "someone-else")] {
        let forged = mcp(
            &http,
            &token_as(sub, client, format!("{root}/mcp"), now + 60),
            None,
            initialize_body("2025-11-25", json!({})),
        )
        .await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{sub} / {client}");
    }
    let init = initialize_body("2025-11-25", json!({}));
    let good = mcp(
        &http,
        &token(format!("{root}/mcp"), now + 60),
        None,
        init.clone(),
    )
    .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    let expired = mcp(
        &http,
        &token(format!("{root}/mcp"), now - 1),
        None,
        init.clone(),
    )
    .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(
        expired
            .header("www-authenticate")
            .unwrap()
            .contains("expired")
    );
    let foreign = mcp(
        &http,
        &token("https://other.example/mcp".into(), now + 60),
        None,
        init,
    )
    .await;
    assert_eq!(foreign.status, StatusCode::UNAUTHORIZED);
    assert!(
        foreign
            .header("www-authenticate")
            .unwrap()
            .contains("not for this resource")
    );
}

#[tokio::test]
async fn insufficient_scope_is_403_even_with_escaped_names() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // offline_access asks for a refresh token; it is no scope of the resource.
    let (_, browser) =
        open_authorize(&http, &client_id, &[("scope", "crm:read offline_access")]).await;
    let b = browser.unwrap();
    b.submit(&http, "/oauth/login", &[("username", "ada")])
        .await;
    let done = b
        .submit(&http, "/oauth/consent", &[("action", "continue")])
        .await;
    let code = param(&location_params(&done), "code").unwrap().to_owned();
    let tokens = exchange(&http, &client_id, &code, VERIFIER).await.json();
    assert_eq!(tokens["scope"], "crm:read", "{tokens}");
    assert!(tokens["refresh_token"].is_string());
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let session = mcp_session(&http, &access).await;

    let allowed = mcp(&http, &access, Some(&session), call("crm:get_contacts")).await;
    assert_eq!(allowed.status, StatusCode::OK);
    let forbidden = mcp(&http, &access, Some(&session), call("crm:update_contact")).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let challenge = forbidden.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"crm:write\""),
        "{challenge}"
    );
    // One challenge names every scope the call needs, held ones too (MCP 2026-07-28).
    let both = mcp(&http, &access, Some(&session), call("crm:merge_contacts")).await;
    assert_eq!(both.status, StatusCode::FORBIDDEN);
    let challenge = both.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("scope=\"crm:read crm:write\""),
        "{challenge}"
    );
    let escaped = r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"crm:update\u005fcontact","arguments":{}}}"#;
    let bearer = format!("Bearer {access}");
    let sneaky = http
        .post(
            &[("authorization", &bearer), ("mcp-session-id", &session)],
            escaped,
        )
        .await;
    assert_eq!(sneaky.status, StatusCode::FORBIDDEN, "{}", sneaky.body);

    // The same on 2026-07-28, without a session: the one gate answers both wires.
    let modern = frontmcp_tests::progressive::StatelessClient::new(&http, &access, json!({}));
    let forbidden = modern
        .send(
            "tools/call",
            json!({"name": "crm:update_contact", "arguments": {}}),
        )
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
    assert!(
        forbidden
            .header("www-authenticate")
            .unwrap()
            .contains("scope=\"crm:write\""),
    );
    let allowed = modern
        .send(
            "tools/call",
            json!({"name": "crm:get_contacts", "arguments": {}}),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.json()["result"]["resultType"], "complete");

    // Inside a 2025-03-26 batch the call cannot be answered 403 alone: it gets an error of its
    // own, and nothing runs (the check used to look at single requests only).
    let init = initialize_body("2025-03-26", json!({}));
    let reply = http
        .post(&[("authorization", &bearer)], init.to_string())
        .await;
    let old = reply.header("mcp-session-id").unwrap().to_owned();
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "crm:get_contacts", "arguments": {}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "crm:update_contact", "arguments": {}}},
    ]);
    let answered = http
        .post(
            &[("authorization", &bearer), ("mcp-session-id", &old)],
            batch.to_string(),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let answers = answered.json();
    let second = answers
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == 2)
        .unwrap();
    assert_eq!(second["error"]["code"], -32600, "{answers}");
    assert_eq!(second["error"]["data"]["scopes"], json!(["crm:write"]));
}

#[tokio::test]
async fn an_mcp_session_belongs_to_its_auth_session() {
    let (_server, http) = start().await;
    let (_, ada) = tokens(&http, "ada").await;
    let (_, eve) = tokens(&http, "eve").await;
    let ada_token = ada["access_token"].as_str().unwrap();
    let session = mcp_session(&http, ada_token).await;
    let stolen = mcp(
        &http,
        eve["access_token"].as_str().unwrap(),
        Some(&session),
        call("notes:list"),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let own = mcp(&http, ada_token, Some(&session), call("notes:list")).await;
    assert_eq!(own.status, StatusCode::OK);
}

#[tokio::test]
async fn registration_is_validated() {
    let (_server, http) = start().await;
    let post = |body: String| {
        let http = http.clone();
        async move {
            http.request(
                Method::POST,
                "/oauth/register",
                &[("content-type", "application/json")],
                body,
            )
            .await
        }
    };
    for (body, error) in [
        (
            json!({"redirect_uris": []}).to_string(),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}).to_string(),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb#x"]}).to_string(),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": vec!["https://a.example/cb"; 11]}).to_string(),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"})
                .to_string(),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["implicit"]}).to_string(),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "client_name": "x".repeat(300)}).to_string(),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "application_type": "desktop"}).to_string(),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["com.example.app:/cb"]}).to_string(),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["http://app.example/cb"], "application_type": "native"})
                .to_string(),
            "invalid_redirect_uri",
        ),
        ("{not json".to_owned(), "invalid_client_metadata"),
    ] {
        let reply = post(body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.json()["error"], error, "{body}");
    }
    let huge =
        post(json!({"redirect_uris": [REDIRECT], "client_name": "x".repeat(20_000)}).to_string())
            .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A native application (MCP 2026-07-28 clients say which they are) may use a private-use
    // scheme; the answer echoes the type, "web" when none was given.
    let native = post(
        json!({"redirect_uris": ["com.example.app:/cb", REDIRECT], "application_type": "native"})
            .to_string(),
    )
    .await;
    assert_eq!(native.status, StatusCode::CREATED, "{}", native.body);
    assert_eq!(native.json()["application_type"], "native");
    assert_eq!(register(&http, json!({})).await["application_type"], "web");
}

#[tokio::test]
async fn a_loopback_redirect_may_name_any_port() {
    let (_server, http) = start().await;
    // RFC 8252 section 7.3: a native client listens on whatever port it got.
    let client_id = register(
        &http,
        json!({"redirect_uris": ["http://127.0.0.1/callback"]}),
    )
    .await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = "http://127.0.0.1:51234/callback";
    let (page, browser) = open_authorize(&http, &client_id, &[("redirect_uri", elsewhere)]).await;
    let b = browser.unwrap_or_else(|| panic!("{}", page.body));
    b.submit(&http, "/oauth/login", &[("username", "ada")])
        .await;
    let done = b
        .submit(&http, "/oauth/consent", &[("action", "continue")])
        .await;
    let location = done.header("location").unwrap();
    assert!(location.starts_with(&format!("{elsewhere}?")), "{location}");
    // The port is the only thing that may differ.
    for other in [
        "http://127.0.0.1:51234/other",
        "http://localhost:51234/callback",
        "https://127.0.0.1:51234/callback",
    ] {
        let (page, browser) = open_authorize(&http, &client_id, &[("redirect_uri", other)]).await;
        assert!(browser.is_none(), "{other}");
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{other}");
    }
    let https =
        register(&http, json!({"redirect_uris": ["https://app.example/cb"]})).await["client_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (page, _) = open_authorize(
        &http,
        &https,
        &[("redirect_uri", "https://app.example:8443/cb")],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "exact elsewhere");
}

#[tokio::test]
async fn consent_decisions_are_enforced_on_calls() {
    let (_server, http) = start().await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, browser) = open_authorize(&http, &client_id, &[]).await;
    let b = browser.unwrap();
    b.submit(&http, "/oauth/login", &[("username", "ada")])
        .await;
    b.submit(&http, "/oauth/consent", &[("action", "skip:notes")])
        .await;
    let done = b
        .submit(
            &http,
            "/oauth/consent",
            &[("action", "continue"), ("tool", "crm:get_contacts")],
        )
        .await;
    let code = param(&location_params(&done), "code").unwrap().to_owned();
    let access = exchange(&http, &client_id, &code, VERIFIER).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        claims(&access)["selected_tools"],
        json!(["crm:get_contacts"])
    );
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["typ"], "at+jwt");
    let session = mcp_session(&http, &access).await;

    let allowed = mcp(&http, &access, Some(&session), call("crm:get_contacts"))
        .await
        .json();
    assert!(allowed["result"].get("isError").is_none(), "{allowed}");
    let skipped = mcp(&http, &access, Some(&session), call("notes:list"))
        .await
        .json();
    assert_eq!(skipped["result"]["isError"], true);
    assert!(
        skipped["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("was not authorized"),
        "{skipped}"
    );
    let deselected = mcp(&http, &access, Some(&session), call("crm:update_contact"))
        .await
        .json();
    assert_eq!(deselected["result"]["isError"], true);
    assert!(
        deselected["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("not selected"),
        "{deselected}"
    );
}

#[tokio::test]
async fn an_unreachable_redis_stops_the_start_with_its_address() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        token_storage: frontmcp::auth::TokenStorage::Redis {
            url: Some(format!("redis://:hunter2@127.0.0.1:{port}").into()),
            url_env: "REDIS_URL".into(),
            key_prefix: "t:".into(),
        },
        ..Default::default()
    };
    let server = frontmcp_tests::builder("s", "1")
        .app(NotesApp)
        .auth(auth)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = server
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap_err();
    let message = format!("{err:?}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(
        !message.contains("hunter2"),
        "no password in errors: {message}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "fails fast"
    );
}
