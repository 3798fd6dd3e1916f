//! Client ID Metadata Documents: a client whose `client_id` is a URL is described by the JSON at
//! that URL. The flow with such a client end to end, every way a document can be refused, the
//! cache, and the SSRF guard (documents on this machine only with the development flag).

use std::time::Duration;

use frontmcp::auth::oauth::{ClientMetadataPolicy, Rate, RateLimits};
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp_tests::apps::NotesApp;
use frontmcp_tests::documents::{Document, DocumentServer};
use frontmcp_tests::oauth::{REDIRECT, VERIFIER, exchange, location_params, open_authorize, param};
use frontmcp_tests::{Http, TestServer, initialize_body};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

async fn start(policy: ClientMetadataPolicy) -> (TestServer, Http) {
    start_limited(policy, RateLimits::off()).await
}

async fn start_limited(policy: ClientMetadataPolicy, limits: RateLimits) -> (TestServer, Http) {
    let auth = ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    };
    let server = TestServer::start(
        frontmcp_tests::builder("cimd", "1")
            .app(NotesApp)
            .auth(auth)
            .client_metadata(policy)
            .rate_limits(limits),
    )
    .await;
    let http = Http::new(&server.url);
    (server, http)
}

fn development() -> ClientMetadataPolicy {
    ClientMetadataPolicy {
        enabled: true,
        allow_loopback: true,
    }
}

fn document(client_id: &str) -> Value {
    json!({
        "client_id": client_id,
        "client_name": "Doc Client",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "logo_uri": "https://example.com/logo.png"
    })
}

#[tokio::test]
async fn a_client_identified_by_its_document_signs_in_end_to_end() {
    let (_server, http) = start(development()).await;
    let docs = DocumentServer::start().await;
    let client_id = docs.url("/oauth/client.json");
    docs.set(
        "/oauth/client.json",
        Document::json(&document(&client_id)).with_header("cache-control", "public, max-age=600"),
    );
    let meta = http
        .request(
            Method::GET,
            "/.well-known/oauth-authorization-server",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(meta["client_id_metadata_document_supported"], true);

    let (login, browser) = open_authorize(&http, &client_id, &[]).await;
    let browser = browser.unwrap_or_else(|| panic!("{}", login.body));
    assert!(
        login
            .body
            .contains("<strong>Doc Client</strong> <span class=\"host\">(127.0.0.1)</span>"),
        "the page names the client and where it is: {}",
        login.body
    );
    let consent = browser
        .submit(&http, "/oauth/login", &[("username", "ada")])
        .await;
    assert!(
        consent
            .body
            .contains("You will return to <strong>127.0.0.1</strong>"),
        "{}",
        consent.body
    );
    let done = browser
        .submit(&http, "/oauth/consent", &[("action", "continue")])
        .await;
    let code = param(&location_params(&done), "code").unwrap().to_owned();
    let tokens = exchange(&http, &client_id, &code, VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let reply = http
        .post(
            &[("authorization", &format!("Bearer {access}"))],
            initialize_body("2025-11-25", json!({})).to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        docs.hits("/oauth/client.json"),
        1,
        "kept as its Cache-Control allows"
    );
    // No secret to present: anyone may name the client, but only its redirect URIs get codes.
    let (elsewhere, browser) = open_authorize(
        &http,
        &client_id,
        &[("redirect_uri", "https://evil.example/cb")],
    )
    .await;
    assert!(browser.is_none());
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn documents_that_cannot_identify_their_client_are_refused() {
    let (_server, http) = start(development()).await;
    let docs = DocumentServer::start().await;
    let url = |path: &str| docs.url(path);
    let cases: Vec<(&str, Document, &str)> = vec![
        (
            "/other-id.json",
            Document::json(&document(&url("/somewhere-else.json"))),
            "its client_id is not the URL",
        ),
        (
            "/plain.json",
            Document {
                headers: vec![("content-type".into(), "text/plain".into())],
                ..Document::json(&document(&url("/plain.json")))
            },
            "not served as application/json",
        ),
        (
            "/huge.json",
            Document::json(&{
                let mut d = document(&url("/huge.json"));
                d["padding"] = json!("x".repeat(6000));
                d
            }),
            "larger than the limit",
        ),
        (
            "/moved.json",
            Document {
                status: StatusCode::FOUND,
                headers: vec![("location".into(), url("/elsewhere.json"))],
                body: Vec::new(),
            },
            "redirects",
        ),
        (
            "/secret.json",
            Document::json(&{
                let mut d = document(&url("/secret.json"));
                d["client_secret"] = json!("s3cr3t");
                d
            }),
            "carries a client secret",
        ),
        (
            "/basic.json",
            Document::json(&{
                let mut d = document(&url("/basic.json"));
                d["token_endpoint_auth_method"] = json!("client_secret_basic");
                d
            }),
            "only `none`",
        ),
        (
            "/nameless.json",
            Document::json(&{
                let mut d = document(&url("/nameless.json"));
                d.as_object_mut().unwrap().remove("client_name");
                d
            }),
            "no client_name",
        ),
        (
            "/javascript.json",
            Document::json(&{
                let mut d = document(&url("/javascript.json"));
                d["redirect_uris"] = json!(["javascript:alert(1)"]);
                d
            }),
            "must be https",
        ),
        (
            "/array.json",
            Document::json(&json!([1, 2])),
            "not a JSON object",
        ),
        ("/missing.json", Document::json(&json!({})), "answered 404"),
    ];
    for (path, doc, reason) in cases {
        if path != "/missing.json" {
            docs.set(path, doc);
        }
        let (page, browser) = open_authorize(&http, &url(path), &[]).await;
        assert!(browser.is_none(), "{path}");
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            page.header("location").is_none(),
            "never redirected: {path}"
        );
        assert!(
            page.body.contains(reason),
            "{path}: {reason}: {}",
            page.body
        );
        // Refused at the token endpoint too.
        let token = exchange(&http, &url(path), "code", VERIFIER).await;
        assert_eq!(token.json()["error"], "invalid_client", "{path}");
    }
    // The client ID itself: a URL without path, or not in normal form.
    for id in [url(""), url("/a/../client.json")] {
        let (page, _) = open_authorize(&http, &id, &[]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{id}");
        assert!(page.body.contains("cannot be identified"), "{id}");
    }
    // A redirect URI the document does not list.
    docs.set("/good.json", Document::json(&document(&url("/good.json"))));
    let (page, browser) = open_authorize(
        &http,
        &url("/good.json"),
        &[("redirect_uri", "http://127.0.0.1:9999/other")],
    )
    .await;
    assert!(browser.is_none());
    assert!(page.body.contains("Invalid redirect"), "{}", page.body);
}

#[tokio::test]
async fn documents_are_kept_only_as_their_headers_allow_and_failures_never() {
    let (_server, http) = start(development()).await;
    let docs = DocumentServer::start().await;
    let id = docs.url("/fresh.json");
    docs.set(
        "/fresh.json",
        Document::json(&document(&id)).with_header("cache-control", "no-store"),
    );
    for _ in 0..2 {
        let (page, browser) = open_authorize(&http, &id, &[]).await;
        assert!(browser.is_some(), "{}", page.body);
    }
    assert_eq!(docs.hits("/fresh.json"), 2, "no-store: fetched each time");

    let id = docs.url("/flaky.json");
    docs.set(
        "/flaky.json",
        Document {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Document::json(&document(&id))
        },
    );
    let (page, _) = open_authorize(&http, &id, &[]).await;
    assert!(page.body.contains("answered 500"), "{}", page.body);
    docs.set("/flaky.json", Document::json(&document(&id)));
    let (page, browser) = open_authorize(&http, &id, &[]).await;
    assert!(browser.is_some(), "an error is not kept: {}", page.body);
    assert_eq!(docs.hits("/flaky.json"), 2);
}

#[tokio::test]
async fn documents_on_this_machine_need_the_development_flag() {
    let (_server, http) = start(ClientMetadataPolicy::default()).await;
    let docs = DocumentServer::start().await;
    let id = docs.url("/client.json");
    docs.set("/client.json", Document::json(&document(&id)));
    let (page, browser) = open_authorize(&http, &id, &[]).await;
    assert!(browser.is_none());
    assert!(page.body.contains("only https://"), "{}", page.body);
    let https_loopback = id.replace("http://", "https://");
    let (page, _) = open_authorize(&http, &https_loopback, &[]).await;
    assert!(page.body.contains("loopback"), "{}", page.body);
    for private in ["https://10.0.0.1/client.json", "https://[::1]/client.json"] {
        let (page, _) = open_authorize(&http, private, &[]).await;
        assert!(page.body.contains("refused"), "{private}: {}", page.body);
    }
    assert_eq!(docs.hits("/client.json"), 0, "nothing was fetched");

    // Turned off, the server does not say it reads documents, and reads none.
    let (_server, http) = start(ClientMetadataPolicy {
        enabled: false,
        allow_loopback: true,
    })
    .await;
    let meta = http
        .request(
            Method::GET,
            "/.well-known/oauth-authorization-server",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(meta["client_id_metadata_document_supported"], false);
    let (page, _) = open_authorize(&http, &id, &[]).await;
    assert!(page.body.contains("does not read"), "{}", page.body);
    assert_eq!(docs.hits("/client.json"), 0);
}

#[tokio::test]
async fn fetches_count_against_the_registration_limit() {
    // Each document fetched is a client the server learns of, as a registration would be: an
    // anonymous caller cannot make the server fetch without bound.
    let limits = RateLimits {
        register_per_ip: Some(Rate::new(2, Duration::from_secs(60))),
        ..RateLimits::off()
    };
    let (_server, http) = start_limited(development(), limits).await;
    let docs = DocumentServer::start().await;
    for (n, path) in ["/a.json", "/b.json", "/c.json"].into_iter().enumerate() {
        let id = docs.url(path);
        docs.set(path, Document::json(&document(&id)));
        let (page, browser) = open_authorize(&http, &id, &[]).await;
        assert_eq!(browser.is_some(), n < 2, "{path}: {}", page.body);
        if n == 2 {
            assert!(page.body.contains("too many new clients"), "{}", page.body);
            assert_eq!(docs.hits(path), 0);
        }
    }
    // A kept document costs nothing.
    let (page, browser) = open_authorize(&http, &docs.url("/a.json"), &[]).await;
    assert!(browser.is_some(), "{}", page.body);
}
