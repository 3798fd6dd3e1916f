//! What a server tells its operators, through one progressive authorization (sign-in, a Slack
//! tool asking for authorization, the link followed, the tool run): a span per HTTP request and
//! per MCP request, named, nested and carrying the method, tool, app, authorization and outcome;
//! the metrics in Prometheus text on the opt-in path; and never a token in either.

use std::collections::BTreeMap;
use std::sync::Mutex;

use frontmcp::HttpConfig;
use frontmcp_tests::progressive::{Decision, Suite, demo_builder};
use hyper::{Method, StatusCode};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// A closed span: its name, its fields, and its parent's name.
#[derive(Debug, Clone)]
struct Closed {
    name: &'static str,
    fields: BTreeMap<String, String>,
    parent: Option<&'static str>,
}

static CLOSED: Mutex<Vec<Closed>> = Mutex::new(Vec::new());

/// Keeps every span's fields, and the span when it closes.
struct Spans;

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").replace('"', ""),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        values.record(extensions.get_mut::<Fields>().unwrap());
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span.extensions().get::<Fields>().unwrap().0.clone();
        CLOSED.lock().unwrap().push(Closed {
            name: span.name(),
            fields,
            parent: span.parent().map(|p| p.name()),
        });
    }
}

fn spans(name: &str) -> Vec<Closed> {
    CLOSED
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.name == name)
        .cloned()
        .collect()
}

/// The value of the Prometheus sample `series` (`name{labels}` exactly as rendered), if any.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_progressive_authorization_in_spans_and_metrics() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Spans))
        .expect("the only subscriber of this test binary");
    let suite = Suite::start_with(demo_builder(), |b| {
        b.http(HttpConfig {
            metrics_path: Some("/metrics".into()),
            ..HttpConfig::default()
        })
    })
    .await;
    let (browser, client, tokens) = suite.signed_in("ada", &[("slack", Decision::Skip)]).await;
    let link = client.auth_link("slack:send_message").await;
    let done = browser.authorize_link(&link, "ada", "ada-slack").await;
    assert!(done.body.contains("Slack authorized"), "{}", done.body);
    client.call_ok("slack:send_message").await;

    // Spans: each MCP request inside its HTTP request, the tool call's named and judged.
    let calls: Vec<Closed> = spans("mcp.request")
        .into_iter()
        .filter(|s| s.fields.get("mcp.method").map(String::as_str) == Some("tools/call"))
        .collect();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    for call in &calls {
        assert_eq!(call.parent, Some("http.request"), "{call:#?}");
        assert_eq!(call.fields["mcp.tool"], "slack:send_message");
        assert_eq!(call.fields["mcp.app"], "slack");
        assert_eq!(call.fields["mcp.outcome"], "ok");
    }
    assert_eq!(calls[0].fields["mcp.authorization"], "required");
    assert_eq!(calls[1].fields["mcp.authorization"], "granted");
    let http = spans("http.request");
    let mcp = http
        .iter()
        .find(|s| s.fields.get("url.path").map(String::as_str) == Some("/mcp"))
        .expect("an /mcp request span");
    assert_eq!(mcp.fields["http.request.method"], "POST");
    assert_eq!(mcp.fields["http.response.status_code"], "200");
    assert!(
        http.iter().any(|s| s.fields["url.path"] == "/oauth/token"),
        "{http:#?}"
    );

    // Metrics, on the opt-in path.
    let metrics = suite.http.request(Method::GET, "/metrics", &[], "").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = &metrics.body;
    let calls = sample(
        text,
        r#"frontmcp_mcp_requests_total{method="tools/call",outcome="ok"}"#,
    );
    assert_eq!(calls, Some(2.0), "{text}");
    for (series, expected) in [
        (
            r#"frontmcp_authorizations_total{app="slack",outcome="required"}"#,
            1.0,
        ),
        (
            r#"frontmcp_authorizations_total{app="slack",outcome="granted"}"#,
            1.0,
        ),
    ] {
        assert_eq!(sample(text, series), Some(expected), "{series} in {text}");
    }
    assert!(
        sample(text, r#"frontmcp_vault_reads_total{source="store"}"#).is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(
        sample(
            text,
            r#"frontmcp_http_requests_total{route="/oauth",status="200"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        text.contains(
            r#"frontmcp_mcp_request_duration_seconds_bucket{method="tools/call",le="0.001"}"#
        ),
        "{text}"
    );

    // Never a token or a session id, in a span or a metric.
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let recorded = format!("{:?}", CLOSED.lock().unwrap());
    for secret in [access, refresh, "demo_slack_at_", "demo_slack_rt_"] {
        assert!(!recorded.contains(secret), "{secret} in a span");
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
}
