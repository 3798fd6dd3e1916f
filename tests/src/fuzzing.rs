//! The checks the fuzz targets (`fuzz/`) run on mutated input and the property tests
//! (`tests/properties.rs`) run on generated input, in one place so CI runs the very checks the
//! fuzzer runs: JSON-RPC decoding, the OAuth endpoints' request parsing, the session token and
//! authorization ticket verification, and the vault's decryption.
//!
//! Every check panics (which the fuzzer reports as a crash) when the code under test panics or
//! breaks its contract: a 5xx for a request a memory store can always serve, a page without its
//! security headers, a token or ticket accepted that was not issued, a vault record opened that
//! was not sealed by the vault, a bad record removed from the store.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use frontmcp::auth::apps::{AuthApp, UpstreamApp};
use frontmcp::auth::oauth::{AuthConfig, AuthServer, DevLogin};
use frontmcp::auth::request_state::{self, Bound};
use frontmcp::auth::store::{MemoryStore, Namespace, Store};
use frontmcp::auth::tokens::{SessionClaims, SessionGrant, TokenSigner, now_secs};
use frontmcp::auth::ui::DefaultUi;
use frontmcp::auth::upstream::{ClientCredentials, ProviderEndpoints};
use frontmcp::auth::vault::{TokenVault, VaultEntry, VaultError, VaultKeys};
use frontmcp::protocol::jsonrpc::{self, INVALID_REQUEST, Incoming, PARSE_ERROR};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request};

/// The issuer of the harness's authorization server.
pub const ISSUER: &str = "https://fuzz.example";
/// The app with its own provider.
pub const APP: &str = "slack";
/// The tool call the harness's request state is sealed for, and its arguments.
const STATE_REQUEST: &str = "tools/call slack:send_message";
const STATE_ARGUMENTS: &str = r#"{"channel":"general","message":"hi"}"#;

/// The paths the OAuth check sends requests to, chosen by [`OAuthRequest::path`].
pub const OAUTH_PATHS: &[&str] = &[
    "/oauth/authorize",
    "/oauth/token",
    "/oauth/register",
    "/oauth/login",
    "/oauth/consent",
    "/oauth/callback/slack",
    "/oauth/revoke",
    "/oauth/apps",
    "/slack/oauth/authorize",
    "/.well-known/oauth-authorization-server",
    "/.well-known/oauth-protected-resource/mcp",
    "/oauth/jwks.json",
];

/// An arbitrary request to the authorization server.
#[derive(Debug, Clone)]
pub struct OAuthRequest {
    /// GET, POST or DELETE (modulo 3).
    pub method: u8,
    /// An index into [`OAUTH_PATHS`] (modulo its length).
    pub path: u8,
    /// The query string, without `?`.
    pub query: String,
    /// The `Cookie` header.
    pub cookie: String,
    /// The body (sent as a form).
    pub body: Vec<u8>,
}

impl OAuthRequest {
    /// Splits fuzzer bytes: method, path, then query, cookie and body separated by `0xFF`.
    pub fn from_bytes(data: &[u8]) -> Self {
        let (method, path, rest) = match data {
            [m, p, rest @ ..] => (*m, *p, rest),
            _ => (0, 0, &[][..]),
        };
        let mut parts = rest.splitn(3, |b| *b == 0xFF);
        let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let (query, cookie) = (text(), text());
        Self {
            method,
            path,
            query,
            cookie,
            body: parts.next().unwrap_or_default().to_vec(),
        }
    }
}

/// `original` with the byte at each `(position, byte)` pair of `edits` replaced (positions
/// modulo the length): how the fuzz targets explore the neighbourhood of an issued token, ticket
/// or record, which random bytes never reach.
pub fn edited(original: &[u8], edits: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    if !bytes.is_empty() {
        for pair in edits.chunks_exact(2) {
            let at = usize::from(pair[0]) * 7 % bytes.len();
            bytes[at] = pair[1];
        }
    }
    bytes
}

/// An authorization server with one app behind its own provider, a memory store and a vault,
/// plus a token, a ticket and a vault record it issued: what the checks compare
/// fuzzed input against.
#[allow(missing_debug_implementations)] // it holds keys and tokens
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    auth: AuthServer,
    store: Arc<MemoryStore>,
    vault: TokenVault,
    /// The auth session the token, ticket and vault record belong to.
    session: String,
    claims: SessionClaims,
    /// A session token the server issued.
    pub token: String,
    /// A ticket the server issued (from an authorization link).
    pub ticket: String,
    /// The vault record the server sealed for the harness's session and [`APP`].
    pub record: Vec<u8>,
    entry: VaultEntry,
    keys: VaultKeys,
    /// A `requestState` the server sealed for the harness's session, user and tool call.
    pub request_state: String,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// The server and what it issued.
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut config = AuthConfig::new(ISSUER, "Fuzz");
        let mut app = AuthApp::new(APP, "Slack");
        app.standalone = true;
        app.upstream = Some(UpstreamApp {
            // Never contacted: the endpoints are given, and no fuzzed flow gets a code.
            provider: "https://slack.fuzz.example".into(),
            scopes: vec!["chat:write".into()],
            credentials: ClientCredentials {
                client_id: "fuzz".into(),
                client_secret: Some("fuzz-secret".into()),
            },
            endpoints: Some(ProviderEndpoints {
                issuer: "https://slack.fuzz.example".into(),
                authorization_endpoint: "https://slack.fuzz.example/authorize".into(),
                token_endpoint: "https://slack.fuzz.example/token".into(),
                revocation_endpoint: None,
                code_challenge_methods_supported: vec!["S256".into()],
                authorization_response_iss_parameter_supported: false,
                jwks_uri: None,
            }),
        });
        config.apps.push(app);
        config.consent = true;
        let store = Arc::new(MemoryStore::new());
        let keys = VaultKeys::generate();
        let auth = runtime.block_on(async {
            AuthServer::new(
                config,
                store.clone(),
                TokenSigner::hs256(&[7; 32]).expect("a key"),
                Arc::new(DefaultUi),
                Arc::new(DevLogin),
                keys.clone(),
            )
        });
        let now = now_secs();
        // The token comes from a real sign-in: the server accepts only tokens of sessions it
        // holds.
        let token = runtime.block_on(sign_in(&auth));
        let payload = token.split('.').nth(1).expect("a JWT");
        let claims: SessionClaims = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64url"),
        )
        .expect("the token's claims");
        let session = claims.session_id.clone();
        let link = auth.progressive().authorization_url(
            &session,
            "ada",
            APP,
            &["chat:write".to_owned()],
            Some("slack:send_message"),
            None,
        );
        let ticket = url::Url::parse(&link)
            .expect("an absolute link")
            .query_pairs()
            .find(|(k, _)| k == "ticket")
            .map(|(_, v)| v.into_owned())
            .expect("the link carries a ticket");
        let vault = TokenVault::new(store.clone(), keys.clone());
        let entry = VaultEntry::builder("xoxb-fuzz", "https://slack.fuzz.example")
            .refresh_token(Some("xoxr-fuzz"))
            .expires_at(Some(now + 3600))
            .scopes(["chat:write"])
            .obtained_at(now)
            .build();
        let record = runtime.block_on(async {
            vault
                .put(&session, APP, &entry, None)
                .await
                .expect("the vault seals");
            store
                .get(Namespace::Vault, &format!("{session}/{APP}"))
                .await
                .expect("the memory store answers")
                .expect("the record is stored")
        });
        let arguments = serde_json::value::RawValue::from_string(STATE_ARGUMENTS.to_owned())
            .expect("JSON arguments");
        let request_state = request_state::seal(
            &keys,
            &Bound {
                session: &session,
                user: &claims.sub,
                request: STATE_REQUEST,
                arguments: &arguments,
            },
            now,
        );
        Self {
            runtime,
            auth,
            store,
            vault,
            session,
            claims,
            token,
            ticket,
            record,
            entry,
            keys,
            request_state,
        }
    }

    /// JSON-RPC decoding: any bytes give messages or a spec-shaped error, never a panic; an
    /// unreadable body gets -32700 or -32600 with a JSON response.
    pub fn jsonrpc(bytes: &[u8]) {
        match jsonrpc::parse(bytes) {
            Err(jsonrpc::Unparseable(response)) => {
                let code = response.as_error().expect("an error response").code;
                assert!(
                    code == PARSE_ERROR || code == INVALID_REQUEST,
                    "unexpected code {code}"
                );
                let json: serde_json::Value =
                    serde_json::from_str(&response.to_json()).expect("the response is JSON");
                assert_eq!(json["jsonrpc"], "2.0");
            }
            Ok(Incoming::Single(Err(response))) => {
                assert_eq!(response.as_error().expect("an error").code, INVALID_REQUEST);
            }
            Ok(Incoming::Batch(items)) => assert!(!items.is_empty(), "an empty batch parsed"),
            Ok(Incoming::Single(Ok(_))) => {}
        }
    }

    /// The authorization server's endpoints: any request gets an answer below 500 (the memory
    /// store never fails and no provider is contacted), and every HTML page carries its CSP.
    pub fn oauth(&self, request: &OAuthRequest) {
        let method =
            [Method::GET, Method::POST, Method::DELETE][usize::from(request.method % 3)].clone();
        let path = OAUTH_PATHS[usize::from(request.path) % OAUTH_PATHS.len()];
        let uri = if request.query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", request.query)
        };
        let Ok(mut req) = Request::builder()
            .method(method)
            .uri(&uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Bytes::from(request.body.clone()))
        else {
            // Not a URI hyper would ever hand over.
            return;
        };
        if let Ok(cookie) = HeaderValue::from_str(&request.cookie) {
            req.headers_mut().insert(header::COOKIE, cookie);
        }
        let response = self.runtime.block_on(self.auth.handle(req));
        assert!(
            response.status().as_u16() < 500,
            "{} {uri}: {}",
            response.status(),
            String::from_utf8_lossy(response.body())
        );
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        if html {
            assert!(
                response
                    .headers()
                    .contains_key(header::CONTENT_SECURITY_POLICY),
                "a page without its CSP: {uri}"
            );
        }
    }

    /// An authorization link with `ticket`: any ticket is answered below 500. Returns the page.
    /// (The harness's session has no record, so the issued ticket, once verified, leads to a
    /// "Session ended" page.)
    pub fn ticket(&self, ticket: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("app", APP)
            .append_pair("scope", "chat:write")
            .append_pair("ticket", ticket)
            .finish();
        let req = Request::get(format!("/oauth/authorize?{query}"))
            .body(Bytes::new())
            .expect("a request");
        let response = self.runtime.block_on(self.auth.handle(req));
        let status = response.status().as_u16();
        assert!(status < 500, "ticket {ticket:?}: {status}");
        String::from_utf8_lossy(response.body()).into_owned()
    }

    /// The bearer check: an `Authorization` header passes only with the token the server issued,
    /// and then yields exactly its claims.
    pub fn bearer(&self, authorization: &[u8]) -> bool {
        let Ok(value) = HeaderValue::from_bytes(authorization) else {
            return false;
        };
        match self
            .runtime
            .block_on(self.auth.bearer().authenticate(Some(&value)))
        {
            Ok(claims) => {
                assert_eq!(
                    claims,
                    SessionGrant::from(self.claims.clone()),
                    "claims that were never issued"
                );
                true
            }
            Err(_) => false,
        }
    }

    /// A retry's `requestState`: any string is judged without a panic, and only the one sealed
    /// passes (for the call it was sealed for; the same state fails for another user or other
    /// arguments).
    pub fn request_state(&self, state: &str) -> bool {
        let arguments = serde_json::value::RawValue::from_string(STATE_ARGUMENTS.to_owned())
            .expect("JSON arguments");
        let call = Bound {
            session: &self.session,
            user: &self.claims.sub,
            request: STATE_REQUEST,
            arguments: &arguments,
        };
        let now = now_secs();
        let passed = request_state::check(&self.keys, state, &call, now).is_ok();
        if passed {
            assert_eq!(
                state, self.request_state,
                "a state that was never sealed passed"
            );
            let other_arguments =
                serde_json::value::RawValue::from_string("{}".to_owned()).expect("JSON arguments");
            for other in [
                Bound {
                    user: "mallory",
                    ..call
                },
                Bound {
                    session: "another-session",
                    ..call
                },
                Bound {
                    request: "tools/call slack:delete_channel",
                    ..call
                },
                Bound {
                    arguments: &other_arguments,
                    ..call
                },
            ] {
                assert!(
                    request_state::check(&self.keys, state, &other, now).is_err(),
                    "the state passed for another call: {other:?}"
                );
            }
        }
        passed
    }

    /// The vault's decryption: whatever bytes the store holds for an entry, reading it never
    /// panics, opens only what the vault sealed (then exactly that entry), reports anything
    /// else as corrupt, and leaves the bytes in place.
    pub fn vault_record(&self, bytes: &[u8]) -> bool {
        let key = format!("{}/{APP}", self.session);
        self.runtime.block_on(async {
            self.store
                .put(Namespace::Vault, &key, bytes, Some(Duration::from_secs(60)))
                .await
                .expect("the memory store answers");
            let opened = match self.vault.get(&self.session, APP).await {
                Ok(Some(entry)) => {
                    assert!(entry == self.entry, "an entry the vault never sealed");
                    true
                }
                Ok(None) => panic!("the record vanished"),
                Err(VaultError::Corrupt { .. }) => false,
                Err(other) => panic!("not reported as corrupt: {other}"),
            };
            let kept = self
                .store
                .get(Namespace::Vault, &key)
                .await
                .expect("the memory store answers");
            assert_eq!(kept.as_deref(), Some(bytes), "the record was changed");
            opened
        })
    }
}

/// Signs user `ada` in at `auth` as a client would (register, authorize with PKCE, the login and
/// consent forms, the code): the session token.
async fn sign_in(auth: &AuthServer) -> String {
    use crate::oauth::{REDIRECT, VERIFIER, challenge, hidden};
    let send = |method: Method, uri: String, cookie: Option<&str>, body: String| {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        auth.handle(req.body(Bytes::from(body)).expect("a request"))
    };
    let form = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let registered = send(
        Method::POST,
        "/oauth/register".into(),
        None,
        serde_json::json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})
            .to_string(),
    )
    .await;
    let registered: serde_json::Value =
        serde_json::from_slice(registered.body()).expect("a registration");
    let client_id = registered["client_id"].as_str().expect("a client ID");
    let login = send(
        Method::GET,
        format!(
            "/oauth/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", REDIRECT),
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
            ])
        ),
        None,
        String::new(),
    )
    .await;
    let cookie = login.headers()[header::SET_COOKIE]
        .to_str()
        .expect("a cookie")
        .split(';')
        .next()
        .expect("a name=value")
        .to_owned();
    let page = String::from_utf8_lossy(login.body());
    let (pending, csrf) = (hidden(&page, "pending"), hidden(&page, "csrf_token"));
    let flow = [("pending", pending.as_str()), ("csrf_token", csrf.as_str())];
    let login_form = [flow.as_slice(), &[("username", "ada"), ("password", "x")]].concat();
    send(
        Method::POST,
        "/oauth/login".into(),
        Some(&cookie),
        form(&login_form),
    )
    .await;
    let consent_form = [flow.as_slice(), &[("action", "continue")]].concat();
    let redirect = send(
        Method::POST,
        "/oauth/consent".into(),
        Some(&cookie),
        form(&consent_form),
    )
    .await;
    let location = url::Url::parse(
        redirect.headers()[header::LOCATION]
            .to_str()
            .expect("a location"),
    )
    .expect("an absolute redirect");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens = send(
        Method::POST,
        "/oauth/token".into(),
        None,
        form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
        ]),
    )
    .await;
    let tokens: serde_json::Value = serde_json::from_slice(tokens.body()).expect("tokens");
    tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}
