//! The consent and error pages.

use crate::provider::{AuthzRequest, DEFAULT_USER, Provider};
use crate::util::html_escape as esc;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}\
.banner{background:#b00020;color:#fff;padding:.6em 1em;font-weight:600;text-align:center}\
main{max-width:34em;margin:2em auto;background:#fff;padding:1.5em 2em;border-radius:8px;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}\
code{background:#eee;padding:0 .3em;border-radius:3px}\
label{display:block;margin:1em 0}input[type=text]{font-size:1em;padding:.3em;width:100%;box-sizing:border-box}\
button{font-size:1em;padding:.5em 1.5em;margin-right:.5em;border-radius:4px;border:1px solid #888;cursor:pointer}\
button.allow{background:#2e7d32;color:#fff;border-color:#2e7d32}.small{color:#666;font-size:.85em}";

fn page(provider: &Provider, title: &str, content: &str) -> String {
    let name = esc(provider.spec.display_name());
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} (DEMO {name})</title><style>{STYLE}</style></head><body>\
<div class=\"banner\">DEMO provider (not the real {name}) &mdash; a local stand-in for \
frontmcp examples and tests. Never enter real credentials here.</div>\
<main>{content}</main></body></html>\n",
        title = esc(title),
    )
}

/// The consent page of a pending request.
pub(crate) fn consent(provider: &Provider, request: &AuthzRequest, request_id: &str) -> String {
    let name = esc(provider.spec.display_name());
    let app = esc(&request.client_id);
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", esc(s)))
        .collect();
    let content = format!(
        "<h1>Authorize <em>{app}</em>?</h1>\
<p>The application <strong>{app}</strong> wants to access your <strong>{name}</strong> \
(demo) account with these scopes:</p><ul>{scopes}</ul>\
<form method=\"post\" action=\"/{id}/authorize/decision\">\
<input type=\"hidden\" name=\"request\" value=\"{request_id}\">\
<label>Signed in as (demo user name): \
<input type=\"text\" name=\"user\" value=\"{DEFAULT_USER}\" maxlength=\"64\"></label>\
<button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>\
<p class=\"small\">You will be sent back to <code>{redirect}</code>.</p>",
        id = esc(provider.id()),
        request_id = esc(request_id),
        redirect = esc(request.redirect_uri.as_str()),
    );
    page(
        provider,
        &format!("Authorize {}", request.client_id),
        &content,
    )
}

/// An error shown to the user instead of redirecting to the client.
pub(crate) fn error(provider: &Provider, message: &str) -> String {
    let content = format!(
        "<h1>Authorization request rejected</h1><p>{}</p>",
        esc(message)
    );
    page(provider, "Error", &content)
}
