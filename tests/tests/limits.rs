//! What anonymous callers can make the authorization server do is bounded: sign-in attempts per
//! client IP and per user, registrations per IP, token requests per client (429 with
//! `Retry-After`), a cap on live registrations (503), unused registrations expire, and an optional
//! initial access token and redirect-host allow-list guard registration. With Redis, processes
//! share the limits.

use std::sync::Arc;
use std::time::Duration;

use frontmcp::auth::oauth::{
    Authenticator, LoginAttempt, LoginError, Rate, RateLimits, RegistrationPolicy,
};
use frontmcp::auth::store::RedisStore;
use frontmcp::auth::vault::VaultKeys;
use frontmcp::auth::{ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_tests::apps::NotesApp;
use frontmcp_tests::oauth::{REDIRECT, form, open_authorize, register};
use frontmcp_tests::{Http, TestServer, shared_redis};
use hyper::{Method, StatusCode};
use serde_json::json;

/// One account: `ada` with password `correct horse`.
struct OneAccount;

#[frontmcp::async_trait]
impl Authenticator for OneAccount {
    async fn authenticate(&self, attempt: &LoginAttempt<'_>) -> Result<String, LoginError> {
        assert!(
            attempt.client_ip.is_some(),
            "the attempt says where it came from"
        );
        match (attempt.username, attempt.password) {
            ("ada", "correct horse") => Ok("ada".into()),
            _ => Err(LoginError::InvalidCredentials),
        }
    }
}

fn orchestrated() -> ServerAuth {
    ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        ..Default::default()
    }
}

async fn start(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> (TestServer, Http) {
    let server = TestServer::start(configure(
        frontmcp_tests::builder("limits", "1")
            .app(NotesApp)
            .auth(orchestrated()),
    ))
    .await;
    let http = Http::new(&server.url);
    (server, http)
}

async fn post_registration(
    http: &Http,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> frontmcp_tests::Reply {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    http.request(Method::POST, "/oauth/register", &all, body.to_string())
        .await
}

#[tokio::test]
async fn two_hundred_wrong_passwords_are_slowed_down() {
    let (_server, http) = start(|b| b.authenticator(OneAccount)).await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, browser) = open_authorize(&http, &client_id, &[]).await;
    let browser = browser.unwrap();
    let mut statuses = Vec::new();
    let mut last = None;
    for attempt in 0..200 {
        if attempt == 12 {
            // Another user from the same address is within the per-IP limit still.
            let other = browser
                .submit(
                    &http,
                    "/oauth/login",
                    &[("username", "bob"), ("password", "x")],
                )
                .await;
            assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.body);
            assert!(other.body.contains("value=\"bob\""), "{}", other.body);
        }
        let reply = browser
            .submit(
                &http,
                "/oauth/login",
                &[("username", "ada"), ("password", "guess")],
            )
            .await;
        statuses.push(reply.status);
        last = Some(reply);
    }
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        wrong, 10,
        "the per-user burst, then one every 6 s: {statuses:?}"
    );
    assert_eq!(limited, 190);
    let last = last.unwrap();
    let retry: u64 = last.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=6).contains(&retry), "{retry}");
    assert!(
        last.body.contains("Too many sign-in attempts"),
        "{}",
        last.body
    );
    assert!(last.body.contains("value=\"ada\""), "the user name is kept");
    // Even the right password waits: the limit comes before the check.
    let right = browser
        .submit(
            &http,
            "/oauth/login",
            &[("username", "ada"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn registrations_are_rate_limited_per_ip_behind_trusted_proxies_only() {
    let limits = RateLimits {
        register_per_ip: Some(Rate::new(3, Duration::from_secs(60))),
        ..RateLimits::default()
    };
    let (_server, http) = start(|b| b.rate_limits(limits)).await;
    let body = json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    for n in 0..3 {
        // A forwarded address from a peer that is not a trusted proxy changes nothing.
        let forwarded = format!("203.0.113.{n}");
        let reply =
            post_registration(&http, &[("x-forwarded-for", &forwarded)], body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let refused =
        post_registration(&http, &[("x-forwarded-for", "203.0.113.9")], body.clone()).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["error"], "temporarily_unavailable");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // Behind a trusted proxy, each forwarded client has its own limit.
    let (_server, http) = start(|b| {
        b.rate_limits(limits)
            .trusted_proxies(["127.0.0.1".parse().unwrap()])
    })
    .await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..3 {
            let forwarded = format!("{client}, 127.0.0.1");
            let reply =
                post_registration(&http, &[("x-forwarded-for", &forwarded)], body.clone()).await;
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "{client}: {}",
                reply.body
            );
        }
        let reply = post_registration(&http, &[("x-forwarded-for", client)], body.clone()).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{client}");
    }
}

#[tokio::test]
async fn registrations_are_capped_and_unused_ones_expire() {
    let policy = RegistrationPolicy {
        client_ttl: Duration::from_secs(2),
        max_clients: 2,
        ..RegistrationPolicy::default()
    };
    let (_server, http) = start(|b| b.registration(policy)).await;
    let used = register(&http, json!({})).await;
    assert!(used["client_id_issued_at"].is_u64());
    let unused = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = used["client_id"].as_str().unwrap().to_owned();
    let full = post_registration(&http, &[], json!({"redirect_uris": [REDIRECT]})).await;
    assert_eq!(
        full.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        full.body
    );
    assert_eq!(full.json()["error"], "temporarily_unavailable");
    assert!(full.header("retry-after").is_some());

    // Using a registration extends its life; the unused one expires and makes room.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (page, browser) = open_authorize(&http, &used, &[]).await;
    assert!(browser.is_some(), "{}", page.body);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (page, browser) = open_authorize(&http, &used, &[]).await;
    assert!(browser.is_some(), "still registered: {}", page.body);
    let (page, browser) = open_authorize(&http, &unused, &[]).await;
    assert!(browser.is_none());
    assert!(page.body.contains("Unknown client"), "{}", page.body);
    let token = form(
        &http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", &unused),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);
    register(&http, json!({})).await;
}

#[tokio::test]
async fn an_initial_access_token_and_a_redirect_allow_list_guard_registration() {
    let token = "iat-0123456789abcdef0123456789abcdef";
    let policy = RegistrationPolicy {
        initial_access_token: Some(token.into()),
        redirect_hosts: Some(vec!["app.example.com".into(), "127.0.0.1".into()]),
        ..RegistrationPolicy::default()
    };
    let (_server, http) = start(|b| b.registration(policy)).await;
    let body = json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    for headers in [vec![], vec![("authorization", "Bearer wrong")]] {
        let refused = post_registration(&http, &headers, body.clone()).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(refused.json()["error"], "invalid_token");
        assert!(
            refused
                .header("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
    }
    let bearer = format!("Bearer {token}");
    let ok = post_registration(&http, &[("authorization", &bearer)], body).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    for uri in ["https://evil.example/cb", "http://localhost:9999/cb"] {
        let refused = post_registration(
            &http,
            &[("authorization", &bearer)],
            json!({"redirect_uris": ["https://app.example.com/cb", uri]}),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(refused.json()["error"], "invalid_redirect_uri");
    }
    let listed = post_registration(
        &http,
        &[("authorization", &bearer)],
        json!({"redirect_uris": ["https://APP.example.com/cb"]}),
    )
    .await;
    assert_eq!(listed.status, StatusCode::CREATED, "{}", listed.body);
}

#[tokio::test]
async fn token_requests_are_limited_per_client() {
    let limits = RateLimits {
        token_per_client: Some(Rate::new(3, Duration::from_secs(60))),
        ..RateLimits::default()
    };
    let (_server, http) = start(|b| b.rate_limits(limits)).await;
    let client_id = register(&http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", "nope"),
        ("client_id", client_id.as_str()),
    ];
    let request = || form(&http, "/oauth/token", None, &pairs);
    for _ in 0..3 {
        assert_eq!(request().await.json()["error"], "invalid_grant");
    }
    let limited = request().await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn processes_sharing_redis_share_the_limits() {
    let Some(redis) = shared_redis("processes_sharing_redis_share_the_limits") else {
        return;
    };
    let prefix = format!("limits-{}:", frontmcp::auth::random::id());
    let keys = VaultKeys::generate();
    let limits = RateLimits {
        login_per_user: Some(Rate::new(4, Duration::from_secs(60))),
        ..RateLimits::default()
    };
    let mut servers = Vec::new();
    for _ in 0..2 {
        let store = RedisStore::connect(&redis, &prefix).await.unwrap();
        let keys = keys.clone();
        servers.push(
            start(|b| {
                b.store(Arc::new(store))
                    .vault_keys(keys)
                    .rate_limits(limits)
                    .authenticator(OneAccount)
            })
            .await,
        );
    }
    let client_id = register(&servers[0].1, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statuses = Vec::new();
    for round in 0..3 {
        for (_, http) in &servers {
            let (_, browser) = open_authorize(http, &client_id, &[]).await;
            let reply = browser
                .unwrap()
                .submit(
                    http,
                    "/oauth/login",
                    &[("username", "ada"), ("password", "no")],
                )
                .await;
            statuses.push((round, reply.status));
        }
    }
    let limited: Vec<_> = statuses
        .iter()
        .filter(|(_, s)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(
        limited.len(),
        2,
        "4 attempts over both processes, then none: {statuses:?}"
    );
}
