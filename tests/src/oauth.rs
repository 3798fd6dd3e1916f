//! A scripted OAuth client for the server's own authorization server: register, authorize with
//! PKCE, sign in, consent, exchange the code. What a browser and an MCP client do, step by step.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Http, Reply};

/// The redirect URI the scripted client registers.
pub const REDIRECT: &str = "http://127.0.0.1:9999/callback";
/// The PKCE verifier the scripted client uses.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mJ0kY3k9KBT5nHp9y8FMMIuEKyZ3oY";

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The server's base URL.
pub fn root(http: &Http) -> String {
    http.url.trim_end_matches("/mcp").to_owned()
}

/// POSTs a form to `path`, with a cookie.
pub async fn form(http: &Http, path: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    http.request(Method::POST, path, &headers, body).await
}

/// Registers a public client (plus `extra` metadata); returns the registration response.
pub async fn register(http: &Http, extra: Value) -> Value {
    let mut body = json!({"redirect_uris": [REDIRECT], "client_name": "Test client", "token_endpoint_auth_method": "none"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let reply = http
        .request(
            Method::POST,
            "/oauth/register",
            &[("content-type", "application/json")],
            body.to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

/// The value of a hidden input in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A browser on the authorize pages: the CSRF cookie and the forms' fields.
#[derive(Debug)]
pub struct Browser {
    /// `frontmcp_csrf=...`.
    pub cookie: String,
    /// The pending authorization.
    pub pending: String,
    /// The CSRF token.
    pub csrf: String,
}

impl Browser {
    /// Submits a login or consent form: the pending authorization, the CSRF token and cookie,
    /// and `fields`.
    pub async fn submit(&self, http: &Http, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut pairs = vec![
            ("pending", self.pending.as_str()),
            ("csrf_token", self.csrf.as_str()),
        ];
        pairs.extend_from_slice(fields);
        form(http, path, Some(&self.cookie), &pairs).await
    }
}

/// The authorize URL path for `client_id`, with `extra` parameters replacing or adding to the
/// defaults (an empty value removes one).
pub fn authorize_query(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("state", "xyz"),
    ];
    pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    pairs.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
    format!(
        "/oauth/authorize?{}",
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    )
}

/// Opens the authorize page; a [`Browser`] when it showed the login form.
pub async fn open_authorize(
    http: &Http,
    client_id: &str,
    extra: &[(&str, &str)],
) -> (Reply, Option<Browser>) {
    let reply = http
        .request(Method::GET, &authorize_query(client_id, extra), &[], "")
        .await;
    let browser = (reply.status == StatusCode::OK).then(|| Browser {
        cookie: reply
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned(),
        pending: hidden(&reply.body, "pending"),
        csrf: hidden(&reply.body, "csrf_token"),
    });
    (reply, browser)
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(reply: &Reply) -> Vec<(String, String)> {
    let location = reply
        .header("location")
        .unwrap_or_else(|| panic!("no redirect: {} {}", reply.status, reply.body));
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// One parameter of [`location_params`].
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The tools a consent page pre-selects (checked boxes), as a browser would submit them.
pub fn checked_tools(page: &str) -> Vec<String> {
    page.split("<input")
        .filter(|input| {
            input.contains("name=\"tool\"")
                && input.split('>').next().unwrap_or("").contains(" checked")
        })
        .map(|input| hidden(&format!("<input{input}"), "tool"))
        .collect()
}

/// Signs in as `user` and continues from the consent screen with the tools `selected`, or with
/// the page's pre-selection when `None`; returns the code.
pub async fn sign_in(
    http: &Http,
    client_id: &str,
    user: &str,
    selected: Option<&[&str]>,
) -> String {
    let (_, browser) = open_authorize(http, client_id, &[]).await;
    let b = browser.expect("the login page");
    let consent = b
        .submit(
            http,
            "/oauth/login",
            &[("username", user), ("password", "pw")],
        )
        .await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert!(consent.body.contains("Authorize Access"));
    let preselected = checked_tools(&consent.body);
    let mut pairs = vec![("action", "continue")];
    match selected {
        Some(selected) => pairs.extend(selected.iter().map(|t| ("tool", *t))),
        None => pairs.extend(preselected.iter().map(|t| ("tool", t.as_str()))),
    }
    let done = b.submit(http, "/oauth/consent", &pairs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let params = location_params(&done);
    assert_eq!(param(&params, "state"), Some("xyz"));
    assert_eq!(param(&params, "iss"), Some(root(http).as_str()));
    param(&params, "code").unwrap().to_owned()
}

/// Exchanges a code.
pub async fn exchange(http: &Http, client_id: &str, code: &str, verifier: &str) -> Reply {
    form(
        http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
}

/// Registers, signs in as `user`, exchanges the code: the client ID and the token response.
pub async fn tokens(http: &Http, user: &str) -> (String, Value) {
    let client_id = register(http, json!({})).await["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = sign_in(http, &client_id, user, None).await;
    let reply = exchange(http, &client_id, &code, VERIFIER).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    (client_id, reply.json())
}
