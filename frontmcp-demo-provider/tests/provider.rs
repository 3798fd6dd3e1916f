//! End-to-end tests of the demo provider over real HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use frontmcp_demo_provider::{DemoProvider, Error, FaultSettings, ProviderSpec, RunningDemo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use url::Url;

const REDIRECT: &str = "http://127.0.0.1:51234/oauth/callback";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

async fn start() -> RunningDemo {
    DemoProvider::builder()
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

struct Pkce {
    verifier: String,
    challenge: String,
}

fn pkce() -> Pkce {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let verifier = format!("verifier-{n:0>40}-abcdefghijklmnop~._");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// An authorization request with PKCE; `extra` adds or overrides parameters
/// (an empty value removes one).
fn authorize_url(
    demo: &RunningDemo,
    provider: &str,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> String {
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", "frontmcp-test"),
        ("redirect_uri", REDIRECT),
        ("state", "xyz-state"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        if !v.is_empty() {
            params.push(((*k).to_owned(), (*v).to_owned()));
        }
    }
    let mut url = Url::parse(&format!("{}/authorize", demo.url(provider))).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

fn location(resp: &reqwest::Response) -> Url {
    assert_eq!(resp.status(), StatusCode::FOUND, "expected a redirect");
    let loc = resp.headers()["location"].to_str().unwrap();
    Url::parse(loc).unwrap()
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// Authorizes headlessly (`demo_auto=allow`) and returns the code.
async fn code(demo: &RunningDemo, provider: &str, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
    let mut extra = extra.to_vec();
    extra.push(("demo_auto", "allow"));
    let resp = http()
        .get(authorize_url(demo, provider, pkce, &extra))
        .send()
        .await
        .unwrap();
    let loc = location(&resp);
    let q = query(&loc);
    assert_eq!(q.get("state").map(String::as_str), Some("xyz-state"));
    assert_eq!(q.get("iss"), Some(&demo.url(provider)));
    q.get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code in {loc}"))
}

async fn token(demo: &RunningDemo, provider: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = http()
        .post(format!("{}/token", demo.url(provider)))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn exchange(
    demo: &RunningDemo,
    provider: &str,
    code: &str,
    verifier: &str,
) -> (StatusCode, Value) {
    token(
        demo,
        provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", "frontmcp-test"),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Code flow with PKCE via `demo_auto`, returning the token response.
async fn tokens(demo: &RunningDemo, provider: &str) -> Value {
    let p = pkce();
    let code = code(demo, provider, &p, &[]).await;
    let (status, body) = exchange(demo, provider, &code, &p.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn refresh(demo: &RunningDemo, provider: &str, refresh_token: &str) -> (StatusCode, Value) {
    token(
        demo,
        provider,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "frontmcp-test"),
        ],
    )
    .await
}

async fn whoami(
    demo: &RunningDemo,
    provider: &str,
    access_token: Option<&str>,
) -> reqwest::Response {
    let mut req = http().get(format!("{}/api/whoami", demo.url(provider)));
    if let Some(t) = access_token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn echo(
    demo: &RunningDemo,
    provider: &str,
    access_token: &str,
    scope: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut url = Url::parse(&format!("{}/api/echo", demo.url(provider))).unwrap();
    if let Some(scope) = scope {
        url.query_pairs_mut().append_pair("scope", scope);
    }
    http()
        .post(url)
        .bearer_auth(access_token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn assert_error(status: StatusCode, body: &Value, want_status: StatusCode, want: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"], want, "{body}");
}

// ----- flows ----------------------------------------------------------------------

#[tokio::test]
async fn full_code_flow_with_consent_page_for_each_provider() {
    let demo = start().await;
    for (provider, name, scopes) in [
        ("slack", "Slack", "chat:write channels:read users:read"),
        ("github", "GitHub", "repo user read:org"),
    ] {
        let p = pkce();
        let resp = http()
            .get(authorize_url(&demo, provider, &p, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let page = resp.text().await.unwrap();
        assert!(
            page.contains(&format!("DEMO provider (not the real {name})")),
            "{page}"
        );
        assert!(page.contains("frontmcp-test"));
        for scope in scopes.split(' ') {
            assert!(
                page.contains(&format!("<code>{scope}</code>")),
                "{scope} missing"
            );
        }
        assert!(page.contains("value=\"demo-user\""));
        assert!(page.contains(&format!("action=\"/{provider}/authorize/decision\"")));
        assert!(page.contains(">Allow<") && page.contains(">Deny<"));
        let request_id = page
            .split("name=\"request\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("request id")
            .to_owned();

        let resp = http()
            .post(format!("{}/authorize/decision", demo.url(provider)))
            .form(&[
                ("request", request_id.as_str()),
                ("user", "alice"),
                ("decision", "allow"),
            ])
            .send()
            .await
            .unwrap();
        let loc = location(&resp);
        assert!(loc.as_str().starts_with(REDIRECT));
        let q = query(&loc);
        assert_eq!(q["state"], "xyz-state");
        let code = q["code"].clone();

        // A consent page answers once.
        let resp = http()
            .post(format!("{}/authorize/decision", demo.url(provider)))
            .form(&[("request", request_id.as_str()), ("decision", "allow")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

        let (status, body) = exchange(&demo, provider, &code, &p.verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["scope"], scopes);
        assert!(body["refresh_token"].is_string());
        let at = s(&body["access_token"]);

        let resp = whoami(&demo, provider, Some(at)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let me: Value = resp.json().await.unwrap();
        assert_eq!(me["user"], "alice");
        assert_eq!(me["provider"], provider);
        assert_eq!(me["scopes"], json!(scopes.split(' ').collect::<Vec<_>>()));
        assert_eq!(me["client_id"], "frontmcp-test");

        // Tokens of one provider mean nothing to the other.
        let other = if provider == "slack" {
            "github"
        } else {
            "slack"
        };
        assert_eq!(
            whoami(&demo, other, Some(at)).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(demo.token_requests("slack"), 1);
    assert_eq!(demo.token_requests("github"), 1);
    assert_eq!(demo.authorize_requests("slack"), 1);
    demo.shutdown().await;
}

#[tokio::test]
async fn demo_auto_with_user_and_narrow_scope() {
    let demo = start().await;
    let p = pkce();
    let code = code(
        &demo,
        "slack",
        &p,
        &[("scope", "chat:write"), ("demo_user", "bob")],
    )
    .await;
    let (status, body) = exchange(&demo, "slack", &code, &p.verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "chat:write");
    let me: Value = whoami(&demo, "slack", Some(s(&body["access_token"])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"], "bob");
    assert_eq!(me["scopes"], json!(["chat:write"]));
}

#[tokio::test]
async fn deny_via_page_and_via_demo_auto() {
    let demo = start().await;
    let p = pkce();
    let page = http()
        .get(authorize_url(&demo, "github", &p, &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request_id = page
        .split("name=\"request\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let resp = http()
        .post(format!("{}/authorize/decision", demo.url("github")))
        .form(&[("request", request_id.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let q = query(&location(&resp));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "xyz-state");
    assert!(!q.contains_key("code"));

    let resp = http()
        .get(authorize_url(&demo, "github", &p, &[("demo_auto", "deny")]))
        .send()
        .await
        .unwrap();
    let q = query(&location(&resp));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "xyz-state");
}

#[tokio::test]
async fn refresh_rotates_and_old_refresh_token_is_invalid_grant() {
    let demo = start().await;
    let first = tokens(&demo, "slack").await;
    let rt1 = s(&first["refresh_token"]);

    let (status, second) = refresh(&demo, "slack", rt1).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = s(&second["refresh_token"]);
    assert_ne!(rt1, rt2);
    assert_ne!(first["access_token"], second["access_token"]);
    assert_eq!(second["token_type"], "Bearer");
    assert_eq!(second["scope"], first["scope"]);
    assert_eq!(
        whoami(&demo, "slack", Some(s(&second["access_token"])))
            .await
            .status(),
        StatusCode::OK
    );

    let (status, body) = refresh(&demo, "slack", rt1).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Narrowing on refresh; widening is refused.
    let (status, body) = token(
        &demo,
        "slack",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt2),
            ("client_id", "frontmcp-test"),
            ("scope", "chat:write"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "chat:write");
    let rt3 = s(&body["refresh_token"]).to_owned();
    let (status, body) = token(
        &demo,
        "slack",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt3),
            ("client_id", "frontmcp-test"),
            ("scope", "chat:write admin"),
        ],
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_scope");

    // Another client cannot use it.
    let (status, body) = token(
        &demo,
        "slack",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt3),
            ("client_id", "someone-else"),
        ],
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    assert_eq!(demo.refresh_requests("slack"), 5);
    assert_eq!(demo.token_requests("slack"), 6);
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_recovers() {
    let demo = DemoProvider::builder()
        .access_token_ttl("slack", Duration::from_secs(1))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let t = tokens(&demo, "slack").await;
    assert_eq!(t["expires_in"], 1);
    let at = s(&t["access_token"]);
    assert_eq!(
        whoami(&demo, "slack", Some(at)).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let resp = whoami(&demo, "slack", Some(at)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_token"
    );

    let (status, body) = refresh(&demo, "slack", s(&t["refresh_token"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        whoami(&demo, "slack", Some(s(&body["access_token"])))
            .await
            .status(),
        StatusCode::OK
    );
    // GitHub keeps the default lifetime.
    assert_eq!(tokens(&demo, "github").await["expires_in"], 3600);
}

#[tokio::test]
async fn authorization_codes_expire() {
    let demo = DemoProvider::builder()
        .authorization_code_ttl(Duration::from_millis(300))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let p = pkce();
    let code = code(&demo, "slack", &p, &[]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = exchange(&demo, "slack", &code, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
}

// ----- resource API ---------------------------------------------------------------

#[tokio::test]
async fn whoami_and_echo_with_and_without_scopes() {
    let demo = start().await;

    let resp = whoami(&demo, "slack", None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_token"
    );
    let resp = whoami(&demo, "slack", Some("not-a-token")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let p = pkce();
    let code = code(&demo, "slack", &p, &[("scope", "channels:read")]).await;
    let (_, t) = exchange(&demo, "slack", &code, &p.verifier).await;
    let narrow = s(&t["access_token"]).to_owned();
    let full = tokens(&demo, "slack").await;
    let full = s(&full["access_token"]);

    let body = json!({"text": "hello", "n": [1, 2]});
    let resp = echo(&demo, "slack", full, Some("chat:write"), &body).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let out: Value = resp.json().await.unwrap();
    assert_eq!(
        out,
        json!({"user": "demo-user", "provider": "slack", "body": body})
    );

    let resp = echo(&demo, "slack", &narrow, Some("chat:write"), &body).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"insufficient_scope\", scope=\"chat:write\""
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "insufficient_scope"
    );

    // No scope required: any live token.
    assert_eq!(
        echo(&demo, "slack", &narrow, None, &body).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        echo(&demo, "slack", &narrow, Some("channels:read"), &body)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        echo(&demo, "slack", "bogus", Some("chat:write"), &body)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let resp = http()
        .post(format!("{}/api/echo", demo.url("slack")))
        .bearer_auth(full)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

// ----- faults ---------------------------------------------------------------------

#[tokio::test]
async fn fault_token_endpoint_500() {
    let demo = start().await;
    let first = tokens(&demo, "slack").await;
    demo.faults("slack").set_token_server_error(true);
    let (status, body) = refresh(&demo, "slack", s(&first["refresh_token"])).await;
    assert_error(
        status,
        &body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
    );
    // GitHub is unaffected.
    tokens(&demo, "github").await;
    demo.faults("slack").set_token_server_error(false);
    let (status, body) = refresh(&demo, "slack", s(&first["refresh_token"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    demo.faults("slack").fail_next_token_requests(2);
    let (_, t) = refresh(&demo, "slack", s(&body["refresh_token"])).await;
    assert_eq!(t["error"], "server_error");
    let (_, t) = refresh(&demo, "slack", s(&body["refresh_token"])).await;
    assert_eq!(t["error"], "server_error");
    let (status, t) = refresh(&demo, "slack", s(&body["refresh_token"])).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(demo.faults("slack").settings(), FaultSettings::default());
    assert_eq!(demo.refresh_requests("slack"), 5);
}

#[tokio::test]
async fn fault_token_endpoint_hangs() {
    let demo = start().await;
    let p = pkce();
    let code = code(&demo, "github", &p, &[]).await;
    demo.faults("github")
        .set_token_delay(Some(Duration::from_millis(1500)));
    let err = http()
        .post(format!("{}/token", demo.url("github")))
        .timeout(Duration::from_millis(300))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", "frontmcp-test"),
            ("code_verifier", p.verifier.as_str()),
        ])
        .send()
        .await
        .expect_err("should time out");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(demo.token_requests("github"), 1);

    // A delay shorter than the client's patience only slows things down.
    demo.faults("github")
        .set_token_delay(Some(Duration::from_millis(200)));
    let started = std::time::Instant::now();
    tokens(&demo, "github").await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    demo.faults("github").clear();

    // Shutdown does not wait for a hanging request.
    demo.faults("github")
        .set_token_delay(Some(Duration::from_secs(30)));
    let url = format!("{}/token", demo.url("github"));
    let pending = tokio::spawn(async move {
        http()
            .post(url)
            .form(&[("grant_type", "refresh_token")])
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    demo.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let _ = pending.await;
}

#[tokio::test]
async fn fault_refresh_invalid_grant_and_deny_next_authorize() {
    let demo = DemoProvider::builder()
        .faults(
            "slack",
            FaultSettings {
                refresh_invalid_grant: true,
                ..FaultSettings::default()
            },
        )
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let t = tokens(&demo, "slack").await;
    let (status, body) = refresh(&demo, "slack", s(&t["refresh_token"])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
    demo.faults("slack").set_refresh_invalid_grant(false);
    let (status, body) = refresh(&demo, "slack", s(&t["refresh_token"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    demo.faults("slack").deny_next_authorize();
    let p = pkce();
    let resp = http()
        .get(authorize_url(&demo, "slack", &p, &[("demo_auto", "allow")]))
        .send()
        .await
        .unwrap();
    let q = query(&location(&resp));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "xyz-state");
    // One-shot.
    code(&demo, "slack", &p, &[]).await;
}

#[tokio::test]
async fn revoke_all_invalidates_every_token() {
    let demo = start().await;
    let a = tokens(&demo, "slack").await;
    let b = tokens(&demo, "slack").await;
    let g = tokens(&demo, "github").await;
    demo.revoke_all("slack");
    for t in [&a, &b] {
        assert_eq!(
            whoami(&demo, "slack", Some(s(&t["access_token"])))
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        let (status, body) = refresh(&demo, "slack", s(&t["refresh_token"])).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    assert_eq!(
        whoami(&demo, "github", Some(s(&g["access_token"])))
            .await
            .status(),
        StatusCode::OK
    );
    // A new authorization works again.
    tokens(&demo, "slack").await;
}

#[tokio::test]
async fn revocation_endpoint() {
    let demo = start().await;
    let revoke = |token: String| {
        let url = format!("{}/revoke", demo.url("slack"));
        async move {
            http()
                .post(url)
                .form(&[("token", token.as_str()), ("client_id", "frontmcp-test")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let t = tokens(&demo, "slack").await;
    assert_eq!(
        revoke(s(&t["access_token"]).to_owned()).await,
        StatusCode::OK
    );
    assert_eq!(
        whoami(&demo, "slack", Some(s(&t["access_token"])))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The refresh token survives an access token revocation ...
    let (status, t2) = refresh(&demo, "slack", s(&t["refresh_token"])).await;
    assert_eq!(status, StatusCode::OK);
    // ... and revoking a refresh token takes its access tokens along (RFC 7009 §2.1).
    assert_eq!(
        revoke(s(&t2["refresh_token"]).to_owned()).await,
        StatusCode::OK
    );
    assert_eq!(
        whoami(&demo, "slack", Some(s(&t2["access_token"])))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = refresh(&demo, "slack", s(&t2["refresh_token"])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
    // Unknown tokens are fine.
    assert_eq!(revoke("nope".to_owned()).await, StatusCode::OK);
}

// ----- discovery ------------------------------------------------------------------

#[tokio::test]
async fn discovery_documents_in_both_path_forms() {
    let demo = start().await;
    for (provider, scopes) in [
        (
            "slack",
            json!(["chat:write", "channels:read", "users:read"]),
        ),
        ("github", json!(["repo", "user", "read:org"])),
    ] {
        let base = demo.url(provider);
        assert_eq!(base, format!("{}/{provider}", demo.base_url()));
        let a: Value = http()
            .get(format!("{base}/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let resp = http()
            .get(demo.metadata_url(provider))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "application/json");
        let b: Value = resp.json().await.unwrap();
        assert_eq!(a, b);
        assert_eq!(
            demo.metadata_url(provider),
            format!(
                "{}/.well-known/oauth-authorization-server/{provider}",
                demo.base_url()
            )
        );
        assert_eq!(a["issuer"], base);
        assert_eq!(a["authorization_endpoint"], format!("{base}/authorize"));
        assert_eq!(a["token_endpoint"], format!("{base}/token"));
        assert_eq!(a["revocation_endpoint"], format!("{base}/revoke"));
        assert_eq!(a["scopes_supported"], scopes);
        assert_eq!(a["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(
            a["token_endpoint_auth_methods_supported"],
            json!(["client_secret_post", "client_secret_basic", "none"])
        );
        assert_eq!(a["response_types_supported"], json!(["code"]));
        assert_eq!(
            a["grant_types_supported"],
            json!(["authorization_code", "refresh_token"])
        );
    }
    assert!(demo.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(demo.provider_ids(), vec!["slack", "github"]);

    let resp = http()
        .get(format!(
            "{}/.well-known/oauth-authorization-server/nope",
            demo.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let index: Value = http()
        .get(demo.base_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(index["demo"], true);
    assert_eq!(index["providers"][0]["url"], demo.url("slack"));
    let resp = http()
        .get(format!("{}/token", demo.url("slack")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "POST");
}

// ----- bad input ------------------------------------------------------------------

/// POSTs a token request; returns the status, whether `WWW-Authenticate` was set, the body.
async fn send_form(
    demo: &RunningDemo,
    form: Vec<(&'static str, String)>,
) -> (StatusCode, bool, Value) {
    let resp = http()
        .post(format!("{}/token", demo.url("slack")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let www = resp.headers().get("www-authenticate").is_some();
    (status, www, resp.json::<Value>().await.unwrap())
}

#[tokio::test]
async fn unknown_client_is_refused_when_permissive_mode_is_off() {
    let demo = DemoProvider::builder()
        .accept_any_loopback_client(false)
        .client(
            "slack",
            "registered",
            Some("s3cret"),
            &["http://127.0.0.1/oauth/callback"],
        )
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let p = pkce();
    // Unknown client: an error page, never a redirect.
    let resp = http()
        .get(authorize_url(&demo, "slack", &p, &[("demo_auto", "allow")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("unknown client_id"));
    let (status, body) = token(
        &demo,
        "slack",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", "frontmcp-test"),
        ],
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_client");

    // The registered client, with a loopback redirect on another port (RFC 8252 §7.3).
    let code = code(&demo, "slack", &p, &[("client_id", "registered")]).await;
    let form = |secret: &'static str, code: String| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_owned()),
            ("client_id", "registered".to_owned()),
            ("client_secret", secret.to_owned()),
            ("code_verifier", p.verifier.clone()),
        ]
    };
    let (status, www, body) = send_form(&demo, form("wrong", code.clone())).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(www);
    // Missing secret.
    let mut no_secret = form("", code.clone());
    no_secret.retain(|(k, _)| *k != "client_secret");
    let (status, _, body) = send_form(&demo, no_secret).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_client");
    // client_secret_post works (client authentication failures did not burn the code).
    let (status, _, body) = send_form(&demo, form("s3cret", code)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // client_secret_basic works too.
    let code2 = self::code(&demo, "slack", &p, &[("client_id", "registered")]).await;
    let resp = http()
        .post(format!("{}/token", demo.url("slack")))
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode("registered:s3cret")),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code2.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", p.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    // Refresh with Basic auth.
    let resp = http()
        .post(format!("{}/token", demo.url("slack")))
        .basic_auth("registered", Some("s3cret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", s(&t["refresh_token"])),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // Redirect URI not registered: error page.
    let resp = http()
        .get(authorize_url(
            &demo,
            "slack",
            &p,
            &[
                ("client_id", "registered"),
                ("redirect_uri", "http://127.0.0.1:5000/elsewhere"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn redirect_uri_rules() {
    let demo = start().await;
    let p = pkce();
    // Permissive mode accepts any client, but only with loopback redirect URIs.
    for bad in [
        "https://evil.example/cb",
        "http://example.com:8080/cb",
        "http://127.0.0.1:1/cb#frag",
    ] {
        let resp = http()
            .get(authorize_url(
                &demo,
                "slack",
                &p,
                &[("redirect_uri", bad), ("demo_auto", "allow")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(resp.headers().get("location").is_none());
    }
    let code = code(
        &demo,
        "slack",
        &p,
        &[("redirect_uri", "http://localhost:7777/cb")],
    )
    .await;
    // Token request redirect_uri must match the authorization request's.
    let (status, body) = exchange(&demo, "slack", &code, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn pkce_and_code_misuse_are_invalid_grant() {
    let demo = start().await;
    let p = pkce();

    let c = code(&demo, "slack", &p, &[]).await;
    let (status, body) = exchange(&demo, "slack", &c, &pkce().verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
    // The failed attempt consumed the code.
    let (status, body) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Missing verifier.
    let c = code(&demo, "slack", &p, &[]).await;
    let (status, body) = token(
        &demo,
        "slack",
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", REDIRECT),
            ("client_id", "frontmcp-test"),
        ],
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Reused code: invalid_grant, and the tokens it produced are revoked.
    let c = code(&demo, "slack", &p, &[]).await;
    let (status, t) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(
        whoami(&demo, "slack", Some(s(&t["access_token"])))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Code issued to another client.
    let c = code(&demo, "slack", &p, &[("client_id", "other-client")]).await;
    let (status, body) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Code from another provider.
    let c = code(&demo, "github", &p, &[]).await;
    let (status, body) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Unknown code.
    let (status, body) = exchange(&demo, "slack", "made-up", &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");

    // Without PKCE (allowed when no challenge was sent), a verifier is refused.
    let c = code(
        &demo,
        "slack",
        &p,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    )
    .await;
    let (status, body) = exchange(&demo, "slack", &c, &p.verifier).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn authorize_errors_redirect_to_the_client() {
    let demo = start().await;
    let p = pkce();
    for (extra, want) in [
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge", "too-short")], "invalid_request"),
        (vec![("scope", "chat:write admin")], "invalid_scope"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("response_type", "")], "invalid_request"),
        (vec![("demo_auto", "maybe")], "invalid_request"),
    ] {
        let resp = http()
            .get(authorize_url(&demo, "slack", &p, &extra))
            .send()
            .await
            .unwrap();
        let q = query(&location(&resp));
        assert_eq!(q["error"], want, "{extra:?}");
        assert_eq!(q["state"], "xyz-state");
        assert!(!q.contains_key("code"));
    }
    // Duplicate parameters and a missing client_id: error page.
    let url = format!("{}&state=again", authorize_url(&demo, "slack", &p, &[]));
    assert_eq!(
        http().get(url).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let url = authorize_url(&demo, "slack", &p, &[("client_id", "")]);
    assert_eq!(
        http().get(url).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn token_endpoint_errors() {
    let demo = start().await;
    let (status, body) = token(
        &demo,
        "slack",
        &[("grant_type", "password"), ("client_id", "c")],
    )
    .await;
    assert_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    );
    let (status, body) = token(&demo, "slack", &[("client_id", "c")]).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let (status, body) = token(&demo, "slack", &[("grant_type", "refresh_token")]).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_client");
    let (status, body) = token(
        &demo,
        "slack",
        &[("grant_type", "authorization_code"), ("client_id", "c")],
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let resp = http()
        .post(format!("{}/token", demo.url("slack")))
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(demo.token_requests("slack"), 5);
}

// ----- configuration --------------------------------------------------------------

#[tokio::test]
async fn configuration_errors_and_custom_providers() {
    let err = DemoProvider::builder()
        .client("gitlab", "c", None, &[])
        .bind("127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = DemoProvider::builder()
        .access_token_ttl("nope", Duration::from_secs(1))
        .bind("127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = DemoProvider::builder()
        .client("slack", "c", None, &["not a url"])
        .bind("127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = DemoProvider::builder()
        .clear_providers()
        .bind("127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");

    let demo = DemoProvider::builder()
        .clear_providers()
        .provider(ProviderSpec::new(
            "jira",
            "Jira",
            ["read:jira-work", "write:jira-work"],
        ))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    assert_eq!(demo.provider_ids(), vec!["jira"]);
    let t = tokens(&demo, "jira").await;
    assert_eq!(t["scope"], "read:jira-work write:jira-work");
    let page = http()
        .get(authorize_url(&demo, "jira", &pkce(), &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("DEMO provider (not the real Jira)"));
    assert_eq!(
        http()
            .get(demo.metadata_url("jira").replace("jira", "slack"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
#[should_panic(expected = "not configured")]
async fn unknown_provider_panics() {
    let demo = start().await;
    let _ = demo.url("gitlab");
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let demo = start().await;
    let url = demo.url("slack");
    demo.shutdown().await;
    assert!(http().get(url).send().await.is_err());
}
