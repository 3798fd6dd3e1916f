//! The server-rendered pages of the authorization server: login, consent, error, the end of an
//! app's authorization, and the user's apps.
//!
//! The pages are plain HTML forms with one inline stylesheet ([`STYLESHEET`]) and no JavaScript,
//! so they work with scripting disabled. [`DefaultUi`] renders them from the askama templates in
//! `templates/`; implement [`ConsentUi`] to replace them. Serve every page with
//! [`security_headers`].
//!
//! # Form fields
//!
//! Both forms `POST` (`application/x-www-form-urlencoded`) to the page's `action` and carry
//! `csrf_token` plus every `hidden` pair. The login form adds `username` and `password`. The
//! consent form adds one `tool` field per checked tool (value: the tool id; repeated) and the
//! `action` of the button that was pressed, which [`ConsentAction::parse`] reads back:
//! `authorize:{app_id}`, `skip:{app_id}` or `continue`.
//!
//! [`ConsentAction::parse`]: crate::ConsentAction::parse

use std::sync::LazyLock;

use askama::Template;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::consent::{AppStatus, ConsentAction, ConsentState, ConsentToolItem};

/// The stylesheet shared by the default pages, inlined in a `<style>` element.
///
/// [`security_headers`] allows exactly this stylesheet (by its SHA-256 hash), so a custom
/// [`ConsentUi`] that wants styling under those headers must inline this text verbatim as
/// `<style>{STYLESHEET}</style>`, or send its own `Content-Security-Policy`.
pub const STYLESHEET: &str = include_str!("../../templates/style.css");

/// Field names the forms use themselves; `hidden` pairs with these names are not rendered, so a
/// parameter copied from a request cannot shadow them.
const RESERVED_FIELDS: [&str; 5] = ["csrf_token", "action", "tool", "username", "password"];

/// The sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginPage {
    /// The authorization server's display name.
    pub server_name: String,
    /// The display name of the client asking for access.
    pub client_name: String,
    /// Where the form posts to.
    pub action: String,
    /// The CSRF token, submitted as the `csrf_token` field.
    pub csrf_token: String,
    /// Extra `(name, value)` pairs submitted as hidden fields (e.g. the pending authorization's
    /// id). Pairs named `csrf_token`, `action`, `tool`, `username` or `password` are dropped.
    pub hidden: Vec<(String, String)>,
    /// An error from the previous attempt, shown above the form.
    pub error: Option<String>,
    /// The user name of the previous attempt, kept in its field.
    pub username: String,
    /// Where the client is, for a client identified by its metadata document (the host of its
    /// `https://` client ID), shown beside its name.
    pub client_host: Option<String>,
    /// Shows the development-login warning: any user name is accepted.
    pub dev_mode: bool,
}

/// One app on the consent screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentAppCard {
    /// The app id, used in the buttons' `action` values.
    pub id: String,
    /// Display name (e.g. `CRM (Auth0)`).
    pub name: String,
    /// What the app is for.
    pub description: Option<String>,
    /// Whether the app is authorized, skipped or pending; decides the badge and the buttons.
    pub status: AppStatus,
    /// The app's tools, each with a checkbox.
    pub tools: Vec<ConsentToolItem>,
    /// Authorizing the app sends the user to the app's own OAuth provider; the card says so.
    pub needs_upstream: bool,
}

/// The consent screen: one card per app, tool checkboxes, and per-app buttons.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsentPage {
    /// The authorization server's display name.
    pub server_name: String,
    /// The display name of the client asking for access.
    pub client_name: String,
    /// Where the form posts to.
    pub action: String,
    /// The CSRF token, submitted as the `csrf_token` field.
    pub csrf_token: String,
    /// Extra `(name, value)` pairs submitted as hidden fields. Pairs named `csrf_token`,
    /// `action`, `tool`, `username` or `password` are dropped.
    pub hidden: Vec<(String, String)>,
    /// The apps, in display order.
    pub apps: Vec<ConsentAppCard>,
    /// The tool consent state; a tool's checkbox is checked when its id is in
    /// [`ConsentState::pre_selected`].
    pub state: ConsentState,
    /// The screen of one app authorized for an existing session (from a tool's authorization
    /// link): its card with Authorize and "Not now", no tool checkboxes (the selection was made at
    /// sign-in) and no "Continue".
    pub single_app: bool,
    /// On the screen of one app: what asked for it, shown above the card.
    pub request: Option<AppRequest>,
    /// A problem with the last step, shown above the cards (e.g. the app's provider refused).
    pub notice: Option<String>,
    /// Where the client is, for a client identified by its metadata document, shown beside its
    /// name.
    pub client_host: Option<String>,
    /// The host the browser returns to with the code, shown so the user sees where access goes.
    pub redirect_host: Option<String>,
}

/// Why one app is asked for, from the link a tool gave: the tool, and the permissions it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppRequest {
    /// The tool that asked (`slack:send_message`), when the link names it.
    pub tool: Option<String>,
    /// The scopes the authorization asks the app's provider for.
    pub scopes: Vec<String>,
}

/// A page that ends a flow in the browser: an app authorized for a session, or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DonePage {
    /// The authorization server's display name.
    pub server_name: String,
    /// The heading (`Slack authorized`).
    pub title: String,
    /// What happened.
    pub message: String,
    /// What to do next, if anything.
    pub next: Option<String>,
}

/// The page where a signed-in user sees the apps each of their sessions holds and revokes them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppsPage {
    /// The authorization server's display name.
    pub server_name: String,
    /// The signed-in user.
    pub user: String,
    /// Where the revoke forms post to.
    pub action: String,
    /// The CSRF token, submitted as the `csrf_token` field.
    pub csrf_token: String,
    /// The user's sessions, newest first.
    pub sessions: Vec<SessionCard>,
    /// The outcome of the last action (`Slack was revoked.`).
    pub notice: Option<String>,
}

/// One session on the [`AppsPage`]. Its form posts `session` = [`session_ref`](Self::session_ref)
/// and either `revoke` = the app id, or `end_session` (any value) to end the whole session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCard {
    /// An opaque reference to the session (not its id).
    pub session_ref: String,
    /// The application holding the session.
    pub client_name: String,
    /// When the user signed in, for display (`2026-11-28 10:04 UTC`).
    pub created: String,
    /// The apps offered in the session.
    pub apps: Vec<AppGrantCard>,
}

/// An app of one session on the [`AppsPage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGrantCard {
    /// The app id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Authorized (tokens in the vault, or covered by the sign-in), skipped or pending.
    pub status: AppStatus,
    /// The scopes its provider granted.
    pub scopes: Vec<String>,
    /// Whether the page offers to revoke it (apps with their own provider, when authorized).
    pub revocable: bool,
}

/// A page for errors that must not be redirected to the client (unknown `client_id`,
/// unregistered `redirect_uri`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorPage {
    /// The heading.
    pub title: String,
    /// The explanation.
    pub message: String,
}

/// Renders the authorization server's pages; implement it to replace the default look.
///
/// Implementations return a complete HTML document. Everything in the page structs comes from
/// requests or configuration and must be HTML-escaped. The handler sends the result with
/// [`security_headers`], whose policy blocks scripts and any stylesheet but [`STYLESHEET`].
pub trait ConsentUi: Send + Sync + 'static {
    /// The sign-in page.
    fn login(&self, page: &LoginPage) -> String;
    /// The consent screen.
    fn consent(&self, page: &ConsentPage) -> String;
    /// The error page.
    fn error(&self, page: &ErrorPage) -> String;
    /// The page ending an app's authorization in the browser. Defaults to the built-in page.
    fn done(&self, page: &DonePage) -> String {
        DefaultUi.done(page)
    }
    /// The page listing a user's sessions and apps. Defaults to the built-in page.
    fn apps(&self, page: &AppsPage) -> String {
        DefaultUi.apps(page)
    }
}

/// The built-in pages, rendered from the askama templates in `templates/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultUi;

impl ConsentUi for DefaultUi {
    fn login(&self, page: &LoginPage) -> String {
        render(&LoginTemplate {
            css: STYLESHEET,
            hidden: visible_hidden(&page.hidden),
            page,
        })
    }

    fn consent(&self, page: &ConsentPage) -> String {
        let apps = page
            .apps
            .iter()
            .map(|card| AppView::new(card, &page.state))
            .collect();
        let request = page.request.as_ref();
        render(&ConsentTemplate {
            css: STYLESHEET,
            hidden: visible_hidden(&page.hidden),
            apps,
            requested_tool: request.and_then(|r| r.tool.as_deref()),
            requested_scopes: request.map(|r| r.scopes.join(", ")).unwrap_or_default(),
            page,
        })
    }

    fn error(&self, page: &ErrorPage) -> String {
        render(&ErrorTemplate {
            css: STYLESHEET,
            page,
        })
    }

    fn done(&self, page: &DonePage) -> String {
        render(&DoneTemplate {
            css: STYLESHEET,
            page,
        })
    }

    fn apps(&self, page: &AppsPage) -> String {
        render(&AppsTemplate {
            css: STYLESHEET,
            page,
        })
    }
}

/// The headers every page must be sent with.
///
/// - `Content-Security-Policy`: nothing may load (`default-src 'none'`) except the inline
///   [`STYLESHEET`], allowed by its hash; no framing; no `<base>`.
/// - `X-Frame-Options: DENY`, for browsers without `frame-ancestors`.
/// - `Cache-Control: no-store` and `Pragma: no-cache`: the pages carry CSRF tokens.
/// - `Referrer-Policy: no-referrer`: the page URL carries the authorization request.
/// - `X-Content-Type-Options: nosniff`.
///
/// The policy has no `form-action`: Chrome and Safari apply that directive to the redirects a
/// form submission leads to, and the login and consent forms end in a redirect to the client's
/// `redirect_uri` on another origin (or a custom scheme), which `form-action 'self'` would block.
/// The forms' targets are server-rendered and escaped, so the directive would add little.
pub fn security_headers() -> [(&'static str, &'static str); 6] {
    [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY.as_str()),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
        ("Pragma", "no-cache"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
    ]
}

static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLESHEET));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'; base-uri 'none'"
    )
});

/// Renders a template; on failure, logs and returns a minimal static page instead of panicking.
fn render<T: Template>(template: &T) -> String {
    template.render().unwrap_or_else(|err| {
        tracing::error!(error = %err, "rendering an authorization page failed");
        FALLBACK_PAGE.to_owned()
    })
}

/// Served when a template fails to render; contains nothing from the request.
const FALLBACK_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Error</title></head><body><h1>Something went wrong</h1>\
<p>The page could not be displayed. Please try again.</p></body></html>";

fn visible_hidden(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .filter(|(name, _)| !RESERVED_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate<'a> {
    css: &'a str,
    page: &'a LoginPage,
    hidden: Vec<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentTemplate<'a> {
    css: &'a str,
    page: &'a ConsentPage,
    hidden: Vec<(&'a str, &'a str)>,
    apps: Vec<AppView<'a>>,
    /// The tool that asked, on the screen of one app.
    requested_tool: Option<&'a str>,
    /// The permissions asked, comma-separated.
    requested_scopes: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    css: &'a str,
    page: &'a ErrorPage,
}

#[derive(Template)]
#[template(path = "done.html")]
struct DoneTemplate<'a> {
    css: &'a str,
    page: &'a DonePage,
}

#[derive(Template)]
#[template(path = "apps.html")]
struct AppsTemplate<'a> {
    css: &'a str,
    page: &'a AppsPage,
}

/// A card as the template needs it: button values, the tool list, checkbox states.
struct AppView<'a> {
    card: &'a ConsentAppCard,
    tools: Vec<ToolView<'a>>,
    tool_names: String,
    authorize: String,
    skip: String,
    /// The tool list starts expanded for apps still awaiting a decision.
    open: bool,
}

struct ToolView<'a> {
    item: &'a ConsentToolItem,
    checked: bool,
}

impl<'a> AppView<'a> {
    fn new(card: &'a ConsentAppCard, state: &ConsentState) -> Self {
        let tools = card
            .tools
            .iter()
            .map(|item| ToolView {
                item,
                checked: state.is_pre_selected(&item.id),
            })
            .collect();
        let tool_names = card
            .tools
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            tools,
            tool_names,
            authorize: ConsentAction::Authorize(card.id.clone()).to_string(),
            skip: ConsentAction::Skip(card.id.clone()).to_string(),
            open: card.status == AppStatus::Pending,
            card,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hash_matches_the_inlined_stylesheet() {
        let html = DefaultUi.error(&ErrorPage {
            title: "t".into(),
            message: "m".into(),
        });
        let start = html.find("<style>").unwrap() + "<style>".len();
        let end = html.find("</style>").unwrap();
        let inlined = &html[start..end];
        assert_eq!(inlined, STYLESHEET);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(inlined));
        let csp = security_headers()[0].1;
        assert!(
            csp.contains(&format!("style-src 'sha256-{expected}'")),
            "{csp}"
        );
    }

    #[test]
    fn reserved_hidden_fields_are_dropped() {
        let pairs = vec![
            ("csrf_token".to_owned(), "evil".to_owned()),
            ("state".to_owned(), "xyz".to_owned()),
            ("action".to_owned(), "continue".to_owned()),
        ];
        assert_eq!(visible_hidden(&pairs), [("state", "xyz")]);
    }
}
