//! Rendering tests for the login, consent and error pages.

use std::sync::Arc;

use frontmcp_auth::ui::{
    AppRequest, ConsentAppCard, ConsentPage, ConsentUi, DefaultUi, ErrorPage, LoginPage,
    STYLESHEET, security_headers,
};
use frontmcp_auth::{AppStatus, ConsentAction, ConsentGroupBy, ConsentState, ConsentToolItem};

const CSRF: &str = "csrf-3f9a";
const XSS: &str = "<script>alert(1)</script>";
const XSS_ESCAPED: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

fn tool(app: &str, name: &str, description: &str) -> ConsentToolItem {
    ConsentToolItem::new(format!("{app}:{name}"), name, app).with_description(description)
}

/// The consent screen of the seed: CRM authorized, Slack skipped, GitHub pending.
fn seed_consent_page() -> ConsentPage {
    let crm = vec![
        tool("crm", "get_contacts", "Read contacts from the CRM"),
        tool("crm", "update_contact", "Change a contact's details"),
    ];
    let slack = vec![
        tool("slack", "send_message", "Post a message to a channel"),
        tool("slack", "list_channels", "List the channels you can see"),
    ];
    let github = vec![
        tool("github", "create_issue", "Open an issue in a repository"),
        tool("github", "list_repos", "List your repositories"),
    ];
    let available_tools: Vec<ConsentToolItem> =
        crm.iter().chain(&slack).chain(&github).cloned().collect();
    let pre_selected = vec![
        "crm:get_contacts".to_owned(),
        "crm:update_contact".to_owned(),
        "github:create_issue".to_owned(),
        "github:list_repos".to_owned(),
    ];
    ConsentPage {
        server_name: "AgentSuite".into(),
        client_name: "MyApp".into(),
        action: "/oauth/consent".into(),
        csrf_token: CSRF.into(),
        hidden: vec![("pending_id".into(), "pa_123".into())],
        apps: vec![
            ConsentAppCard {
                id: "crm".into(),
                name: "CRM (Auth0)".into(),
                description: None,
                status: AppStatus::Authorized,
                tools: crm,
                needs_upstream: true,
            },
            ConsentAppCard {
                id: "slack".into(),
                name: "Slack".into(),
                description: None,
                status: AppStatus::Skipped,
                tools: slack,
                needs_upstream: true,
            },
            ConsentAppCard {
                id: "github".into(),
                name: "GitHub".into(),
                description: None,
                status: AppStatus::Pending,
                tools: github,
                needs_upstream: true,
            },
        ],
        state: ConsentState {
            available_tools,
            pre_selected,
            group_by: ConsentGroupBy::AppId,
        },
        ..Default::default()
    }
}

fn login_page(dev_mode: bool) -> LoginPage {
    LoginPage {
        server_name: "AgentSuite".into(),
        client_name: "MyApp".into(),
        action: "/oauth/login".into(),
        csrf_token: CSRF.into(),
        hidden: vec![("pending_id".into(), "pa_123".into())],
        error: None,
        username: String::new(),
        client_host: None,
        dev_mode,
    }
}

fn error_page() -> ErrorPage {
    ErrorPage {
        title: "Unknown client".into(),
        message: "The application that sent you here is not registered with this server.".into(),
    }
}

/// The `(value, text)` of every `<button>` in `html`, in order.
fn buttons(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<button") {
        let tag_end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..tag_end];
        let close = tag_end + rest[tag_end..].find("</button>").unwrap();
        let text = rest[tag_end + 1..close].trim().to_owned();
        let value = attr(tag, "value").unwrap_or_default();
        out.push((value, text));
        rest = &rest[close..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

/// Every `<input type="checkbox" ...>` as `(value, checked)`.
fn checkboxes(html: &str) -> Vec<(String, bool)> {
    html.split("<input")
        .skip(1)
        .map(|s| &s[..s.find('>').unwrap()])
        .filter(|tag| tag.contains("type=\"checkbox\""))
        .map(|tag| {
            assert_eq!(attr(tag, "name").as_deref(), Some("tool"), "{tag}");
            (attr(tag, "value").unwrap(), tag.contains(" checked"))
        })
        .collect()
}

/// The HTML of each app card, in order.
fn sections(html: &str) -> Vec<&str> {
    html.split("<section")
        .skip(1)
        .map(|s| &s[..s.find("</section>").unwrap()])
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn every_form_carries_the_csrf_field() {
    let csrf_field = format!("<input type=\"hidden\" name=\"csrf_token\" value=\"{CSRF}\">");
    for html in [
        DefaultUi.login(&login_page(false)),
        DefaultUi.login(&login_page(true)),
        DefaultUi.consent(&seed_consent_page()),
    ] {
        assert_eq!(html.matches("<form").count(), 1, "{html}");
        assert!(
            html.contains("<form method=\"post\" action=\"/oauth/"),
            "{html}"
        );
        assert_eq!(html.matches(&csrf_field).count(), 1, "{html}");
        let form = &html[html.find("<form").unwrap()..html.find("</form>").unwrap()];
        assert!(form.contains(&csrf_field));
        assert!(
            form.contains("<input type=\"hidden\" name=\"pending_id\" value=\"pa_123\">"),
            "{form}"
        );
    }
    assert!(!DefaultUi.error(&error_page()).contains("<form"));
}

#[test]
fn login_form_fields() {
    let html = DefaultUi.login(&login_page(false));
    assert!(html.contains("name=\"username\""));
    assert!(html.contains("name=\"password\""));
    assert!(html.contains("type=\"password\""));
    assert!(html.contains("MyApp"));
    assert!(html.contains("AgentSuite"));
    assert_eq!(buttons(&html), pairs(&[("", "Sign in")]));
}

#[test]
fn login_shows_the_error() {
    let mut page = login_page(false);
    assert!(!DefaultUi.login(&page).contains("role=\"alert\""));
    page.error = Some("Wrong user name or password".into());
    let html = DefaultUi.login(&page);
    assert!(
        html.contains("role=\"alert\">Wrong user name or password</p>"),
        "{html}"
    );
}

#[test]
fn login_keeps_the_user_name_of_a_failed_attempt() {
    let mut page = login_page(false);
    let empty = DefaultUi.login(&page);
    assert!(
        empty.contains("name=\"username\" type=\"text\" value=\"\""),
        "{empty}"
    );
    page.error = Some("Wrong user name or password".into());
    page.username = "ada\"><b>".into();
    let html = DefaultUi.login(&page);
    assert!(
        html.contains("value=\"ada&#34;&#62;&#60;b&#62;\""),
        "{html}"
    );
    // The password field gets the focus, the user name is already there.
    let password = &html[html.find("id=\"password\"").unwrap()..];
    assert!(password[..password.find('>').unwrap()].contains("autofocus"));
}

#[test]
fn the_screen_of_one_app_offers_to_authorize_now_and_says_who_asked() {
    for status in [AppStatus::Skipped, AppStatus::Pending] {
        let page = ConsentPage {
            client_name: "Claude".into(),
            apps: vec![ConsentAppCard {
                id: "slack".into(),
                name: "Slack".into(),
                description: None,
                status,
                tools: vec![],
                needs_upstream: true,
            }],
            single_app: true,
            request: Some(AppRequest {
                tool: Some("slack:send_message".into()),
                scopes: vec!["chat:write".into(), "channels:read".into()],
            }),
            ..Default::default()
        };
        let html = DefaultUi.consent(&page);
        assert_eq!(
            buttons(&html),
            pairs(&[("authorize:slack", "Authorize"), ("skip:slack", "Not now")]),
            "{status:?}: the user came to authorize now"
        );
        assert!(!html.contains("Authorize Later"));
        assert!(
            html.contains("for the tool <code>slack:send_message</code>"),
            "{html}"
        );
        assert!(
            html.contains("<b>Permissions asked:</b> chat:write, channels:read"),
            "{html}"
        );
        assert!(!html.contains("Continue with authorized apps"));
    }
}

#[test]
fn dev_banner_only_in_dev_mode() {
    let banner = "any user name is accepted, do not use in production";
    let dev = DefaultUi.login(&login_page(true));
    assert!(dev.contains("Development login:"), "{dev}");
    assert!(dev.contains(banner), "{dev}");
    let prod = DefaultUi.login(&login_page(false));
    assert!(!prod.contains("Development login"), "{prod}");
    assert!(!prod.contains(banner), "{prod}");
}

#[test]
fn a_client_identified_by_its_document_shows_its_host_and_where_the_code_goes() {
    let mut login = login_page(false);
    login.client_host = Some("app.example.com".into());
    assert!(
        DefaultUi
            .login(&login)
            .contains("<strong>MyApp</strong> <span class=\"host\">(app.example.com)</span>")
    );
    let mut consent = seed_consent_page();
    consent.client_host = Some("app.example.com".into());
    consent.redirect_host = Some("127.0.0.1".into());
    let html = DefaultUi.consent(&consent);
    assert!(
        html.contains(
            "<strong>MyApp</strong> <span class=\"host\">(app.example.com)</span> requests access"
        ),
        "{html}"
    );
    assert!(
        html.contains("You will return to <strong>127.0.0.1</strong>."),
        "{html}"
    );
}

#[test]
fn consent_page_title_and_lead() {
    let html = DefaultUi.consent(&seed_consent_page());
    assert!(html.contains("<h1>Authorize Access</h1>"));
    assert!(html.contains("<strong>MyApp</strong> requests access to the following services:"));
}

#[test]
fn consent_page_shows_each_status_with_the_seed_buttons() {
    let html = DefaultUi.consent(&seed_consent_page());
    let cards = sections(&html);
    assert_eq!(cards.len(), 3);

    let crm = cards[0];
    assert!(crm.contains("CRM (Auth0)"));
    assert!(crm.contains("<span class=\"badge badge-authorized\">Authorized</span>"));
    assert!(crm.contains("<b>Tools:</b> get_contacts, update_contact"));
    assert_eq!(buttons(crm), pairs(&[]));

    let slack = cards[1];
    assert!(slack.contains("<span class=\"badge badge-skipped\">Skipped</span>"));
    assert!(slack.contains("<b>Tools:</b> send_message, list_channels"));
    assert_eq!(
        buttons(slack),
        pairs(&[("authorize:slack", "Authorize Later")])
    );

    let github = cards[2];
    assert!(github.contains("<span class=\"badge badge-pending\">Pending</span>"));
    assert!(github.contains("<b>Tools:</b> create_issue, list_repos"));
    assert_eq!(
        buttons(github),
        pairs(&[("authorize:github", "Authorize"), ("skip:github", "Skip")])
    );

    // Each card shows one badge, and only its own.
    for (card, badge) in cards.iter().zip(["Authorized", "Skipped", "Pending"]) {
        assert_eq!(card.matches("class=\"badge ").count(), 1);
        assert!(card.contains(&format!(">{badge}</span>")));
    }

    // All buttons, including the footer's, submit through the single form.
    let all = buttons(&html);
    assert_eq!(
        all.last().unwrap(),
        &(
            "continue".to_owned(),
            "Continue with authorized apps".to_owned()
        )
    );
    assert_eq!(all.len(), 4);
    let form = &html[html.find("<form").unwrap()..html.find("</form>").unwrap()];
    assert_eq!(buttons(form), all);
    assert_eq!(
        html.matches("<button class=\"btn").count(),
        html.matches("type=\"submit\" name=\"action\"").count()
    );
    for (value, _) in &all {
        assert!(ConsentAction::parse(value).is_some(), "{value}");
    }
}

#[test]
fn every_status_renders_its_buttons_whatever_the_app() {
    for (status, expected) in [
        (AppStatus::Authorized, vec![]),
        (AppStatus::Skipped, vec![("authorize:x", "Authorize Later")]),
        (
            AppStatus::Pending,
            vec![("authorize:x", "Authorize"), ("skip:x", "Skip")],
        ),
    ] {
        let page = ConsentPage {
            apps: vec![ConsentAppCard {
                id: "x".into(),
                name: "X".into(),
                description: Some("Does X".into()),
                status,
                tools: vec![],
                needs_upstream: false,
            }],
            ..Default::default()
        };
        let html = DefaultUi.consent(&page);
        let card = sections(&html)[0];
        assert_eq!(buttons(card), pairs(&expected), "{status:?}");
        assert!(card.contains(&format!(">{}</span>", status.label())));
        assert!(card.contains("Does X"));
        // No tools: no tool line, no checkboxes.
        assert!(!card.contains("Tools:"));
        assert!(checkboxes(card).is_empty());
    }
}

#[test]
fn checkboxes_reflect_pre_selected() {
    let mut page = seed_consent_page();
    let html = DefaultUi.consent(&page);
    let expected: Vec<(String, bool)> = page
        .state
        .available_tools
        .iter()
        .map(|t| (t.id.clone(), page.state.pre_selected.contains(&t.id)))
        .collect();
    assert_eq!(checkboxes(&html), expected);
    assert!(expected.iter().any(|(_, c)| *c) && expected.iter().any(|(_, c)| !*c));

    page.state.pre_selected = vec!["slack:list_channels".into()];
    let html = DefaultUi.consent(&page);
    let checked: Vec<String> = checkboxes(&html)
        .into_iter()
        .filter(|(_, c)| *c)
        .map(|(v, _)| v)
        .collect();
    assert_eq!(checked, ["slack:list_channels"]);

    page.state.pre_selected.clear();
    let html = DefaultUi.consent(&page);
    assert!(checkboxes(&html).iter().all(|(_, c)| !c));
    assert_eq!(checkboxes(&html).len(), 6);
}

#[test]
fn upstream_note_only_for_undecided_apps() {
    let html = DefaultUi.consent(&seed_consent_page());
    let cards = sections(&html);
    assert!(!cards[0].contains("signs you in to"));
    assert!(cards[1].contains("signs you in to Slack"));
    assert!(cards[2].contains("signs you in to GitHub"));
}

#[test]
fn user_input_is_escaped() {
    let mut consent = seed_consent_page();
    consent.client_name = XSS.into();
    consent.server_name = XSS.into();
    consent.csrf_token = "\"><script>alert(1)</script>".into();
    consent.hidden = vec![(XSS.into(), XSS.into())];
    consent.apps[0].name = XSS.into();
    consent.apps[0].description = Some(XSS.into());
    consent.apps[1].id = "a\"b".into();
    consent.apps[2].tools[0].name = XSS.into();
    consent.apps[2].tools[0].description = Some(XSS.into());
    consent.apps[2].tools[0].id = "\"><script>".into();
    let html = DefaultUi.consent(&consent);
    assert!(
        html.contains(&format!("<strong>{XSS_ESCAPED}</strong> requests access")),
        "{html}"
    );
    assert!(html.contains("value=\"authorize:a&#34;b\""), "{html}");
    assert!(!html.contains(XSS));

    let mut login = login_page(true);
    login.client_name = XSS.into();
    login.error = Some(XSS.into());
    login.username = XSS.into();
    login.action = "/login?a=1&b=\"2\"".into();
    let html = DefaultUi.login(&login);
    assert!(html.contains(XSS_ESCAPED), "{html}");
    assert!(
        html.contains("action=\"/login?a=1&#38;b=&#34;2&#34;\""),
        "{html}"
    );
    assert!(!html.contains(XSS));

    let html = DefaultUi.error(&ErrorPage {
        title: XSS.into(),
        message: XSS.into(),
    });
    assert!(html.contains(&format!("<h1>{XSS_ESCAPED}</h1>")), "{html}");
    assert!(!html.contains(XSS));
}

#[test]
fn no_script_anywhere() {
    let mut hostile = seed_consent_page();
    hostile.client_name = XSS.into();
    hostile.apps[1].name = "<SCRIPT src=//evil>".into();
    let mut hostile_login = login_page(true);
    hostile_login.error = Some("<ScRiPt>".into());
    for html in [
        DefaultUi.login(&login_page(false)),
        DefaultUi.login(&login_page(true)),
        DefaultUi.login(&hostile_login),
        DefaultUi.consent(&seed_consent_page()),
        DefaultUi.consent(&hostile),
        DefaultUi.consent(&ConsentPage::default()),
        DefaultUi.error(&error_page()),
    ] {
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("javascript:"), "{html}");
        assert!(!lower.contains(" onclick="), "{html}");
        assert!(lower.starts_with("<!doctype html>"), "{html}");
    }
}

#[test]
fn reserved_hidden_names_are_not_rendered() {
    let mut page = seed_consent_page();
    page.hidden = vec![
        ("csrf_token".into(), "attacker".into()),
        ("action".into(), "continue".into()),
        ("tool".into(), "github:list_repos".into()),
        ("state".into(), "s1".into()),
    ];
    let html = DefaultUi.consent(&page);
    assert!(!html.contains("attacker"));
    assert_eq!(html.matches("name=\"csrf_token\"").count(), 1);
    assert!(!html.contains("type=\"hidden\" name=\"action\""));
    assert!(!html.contains("type=\"hidden\" name=\"tool\""));
    assert!(html.contains("<input type=\"hidden\" name=\"state\" value=\"s1\">"));
}

#[test]
fn error_page_renders() {
    let html = DefaultUi.error(&error_page());
    assert!(html.contains("<title>Unknown client</title>"));
    assert!(html.contains("<h1>Unknown client</h1>"));
    assert!(html.contains("is not registered with this server."));
}

#[test]
fn pages_inline_the_shared_stylesheet() {
    for html in [
        DefaultUi.login(&login_page(true)),
        DefaultUi.consent(&seed_consent_page()),
        DefaultUi.error(&error_page()),
    ] {
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains(&format!("<style>{STYLESHEET}</style>")));
        assert!(!html.contains("<link"));
        assert!(!html.contains(" style=\""));
    }
}

#[test]
fn security_headers_lock_the_pages_down() {
    let headers = security_headers();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("missing {name}"))
    };
    let csp = get("Content-Security-Policy");
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(csp.contains("style-src 'sha256-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    // form-action would block the final redirect to the client in Chrome and Safari.
    assert!(!csp.contains("form-action"), "{csp}");
    assert_eq!(get("X-Frame-Options"), "DENY");
    assert_eq!(get("Cache-Control"), "no-store");
    assert_eq!(get("Pragma"), "no-cache");
    assert_eq!(get("Referrer-Policy"), "no-referrer");
    assert_eq!(get("X-Content-Type-Options"), "nosniff");
    for (name, value) in headers {
        http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        http::HeaderValue::from_str(value).unwrap();
    }
}

#[test]
fn the_ui_can_be_replaced() {
    struct Plain;
    impl ConsentUi for Plain {
        fn login(&self, page: &LoginPage) -> String {
            format!("login {}", page.csrf_token)
        }
        fn consent(&self, page: &ConsentPage) -> String {
            format!("consent {}", page.apps.len())
        }
        fn error(&self, page: &ErrorPage) -> String {
            format!("error {}", page.title)
        }
    }
    let uis: Vec<Arc<dyn ConsentUi>> = vec![Arc::new(DefaultUi), Arc::new(Plain)];
    assert!(
        uis[0]
            .consent(&seed_consent_page())
            .contains("Authorize Access")
    );
    assert_eq!(uis[1].consent(&seed_consent_page()), "consent 3");
    assert_eq!(uis[1].login(&login_page(false)), format!("login {CSRF}"));
}

/// Writes sample pages for the documentation screenshots to `$UI_SAMPLES_DIR`
/// (`consent.html`, `login.html`, `login-error.html`, `error.html`).
#[test]
#[ignore = "writes files; run with UI_SAMPLES_DIR=<dir> -- --ignored"]
fn write_sample_pages() {
    let dir = std::env::var_os("UI_SAMPLES_DIR").expect("set UI_SAMPLES_DIR");
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut with_error = login_page(false);
    with_error.error = Some("Wrong user name or password.".into());
    for (name, html) in [
        ("consent.html", DefaultUi.consent(&seed_consent_page())),
        ("login.html", DefaultUi.login(&login_page(true))),
        ("login-error.html", DefaultUi.login(&with_error)),
        ("error.html", DefaultUi.error(&error_page())),
    ] {
        std::fs::write(dir.join(name), html).unwrap();
    }
}
