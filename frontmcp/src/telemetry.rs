//! What the server tells its operators: a `tracing` span per HTTP request and per MCP request,
//! and metrics through the [`metrics`] facade (Prometheus text on an opt-in path, with the
//! `prometheus` feature; any other `metrics` recorder the application installs sees the same).
//!
//! The spans have a target of their own, [`SPANS`], which the logs leave out unless `RUST_LOG`
//! names it: formatted for the logs they cost 5 µs per request on the bench machine, so a server
//! that does not trace never makes them.
//!
//! Spans and metrics carry methods, tool and app names, outcomes and status codes: never a
//! token, a code, a session id, arguments or a query string.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `frontmcp_http_requests_total` | counter | `route` (`/mcp`, `/oauth`, `/.well-known`, `/healthz`, `/readyz`, `/metrics`, `other`), `status` |
//! | `frontmcp_mcp_requests_total` | counter | `method` (the MCP method, or `other`), `outcome` (`ok`, `error`, `insufficient_scope`) |
//! | `frontmcp_mcp_request_duration_seconds` | histogram | `method` |
//! | `frontmcp_authorizations_total` | counter | `app`, `outcome` (`granted`, `required`, `refused`, `unavailable`) |
//! | `frontmcp_app_token_refreshes_total` | counter | `app`, `outcome` (`refreshed`, `reauthorize`, `unavailable`) |
//! | `frontmcp_vault_reads_total` | counter | `source` (`memory`, `store`) |
//! | `frontmcp_store_errors_total` | counter | `backend` (`redis`) |
//! | `frontmcp_store_watch_up` | gauge | `namespace` (`vault`): 1 while the store's watch of it (Redis) is up, else 0 |

use std::future::Future;
use std::time::Instant;

use tracing::Instrument as _;
use tracing::field::Empty;

use crate::protocol::jsonrpc::Response;
use crate::server::Reply;

/// The target of the request spans.
pub(crate) const SPANS: &str = "frontmcp::request";

/// The MCP methods named in labels; anything else is `other`, so a client cannot grow the
/// metrics without bound.
const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "subscriptions/listen",
];

/// `method` as a label: itself when MCP defines it, else `other`.
pub(crate) fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

/// `path` as a label: the route it belongs to.
pub(crate) fn route_label(path: &str) -> &'static str {
    match path {
        crate::transport::http::MCP_PATH => "/mcp",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        p if p.starts_with("/oauth/") || p.ends_with("/oauth/authorize") => "/oauth",
        p if p.starts_with("/.well-known/") => "/.well-known",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// The span of one HTTP request (`http.request`: method, path, then status).
pub(crate) fn http_span(
    method: &http::Method,
    path: &str,
    headers: &http::HeaderMap,
) -> tracing::Span {
    let span = tracing::info_span!(
        target: SPANS,
        "http.request",
        otel.kind = "server",
        http.request.method = %method,
        url.path = path,
        http.response.status_code = Empty,
    );
    #[cfg(feature = "otlp")]
    otlp::from_headers(&span, headers);
    #[cfg(not(feature = "otlp"))]
    let _ = headers;
    span
}

/// Serves one HTTP request of `route` (a [`route_label`]) inside `span`, and counts it.
pub(crate) async fn http_request<F>(
    span: tracing::Span,
    route: &'static str,
    serve: F,
) -> axum::response::Response
where
    F: Future<Output = axum::response::Response>,
{
    let response = serve.instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
    metrics::counter!("frontmcp_http_requests_total", "route" => route, "status" => status_label(status))
        .increment(1);
    response
}

/// Status codes as labels, without allocating for the usual ones.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        202 => "202",
        204 => "204",
        302 => "302",
        303 => "303",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        406 => "406",
        413 => "413",
        415 => "415",
        429 => "429",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}

/// The span of one MCP request of `method` (a [`method_label`]): `mcp.request`, with the tool,
/// app, authorization and outcome recorded as they are known.
pub(crate) fn mcp_span(
    method: &'static str,
    params: Option<&serde_json::value::RawValue>,
) -> tracing::Span {
    let span = tracing::info_span!(
        target: SPANS,
        "mcp.request",
        otel.name = method,
        mcp.method = method,
        mcp.tool = Empty,
        mcp.app = Empty,
        mcp.authorization = Empty,
        mcp.outcome = Empty,
        rpc.jsonrpc.error_code = Empty,
    );
    #[cfg(feature = "otlp")]
    otlp::from_meta(&span, params);
    #[cfg(not(feature = "otlp"))]
    let _ = params;
    span
}

/// Serves one MCP request of `method` inside `span`, counts it and times it.
pub(crate) async fn mcp_request<F>(span: tracing::Span, method: &'static str, serve: F) -> Reply
where
    F: Future<Output = Reply>,
{
    let started = Instant::now();
    let reply = serve.instrument(span.clone()).await;
    let outcome = match &reply {
        Reply::Single(Response {
            outcome: Err(error),
            ..
        }) => {
            span.record("rpc.jsonrpc.error_code", error.code);
            "error"
        }
        Reply::InsufficientScope { .. } => "insufficient_scope",
        _ => "ok",
    };
    span.record("mcp.outcome", outcome);
    metrics::counter!("frontmcp_mcp_requests_total", "method" => method, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("frontmcp_mcp_request_duration_seconds", "method" => method)
        .record(started.elapsed().as_secs_f64());
    reply
}

/// Names the tool and app of the MCP request being served.
pub(crate) fn record_tool(tool: &str, app: &str) {
    let span = tracing::Span::current();
    span.record("mcp.tool", tool);
    span.record("mcp.app", app);
}

/// What the gate decided for a signed-in caller's call of one of `app`'s entries.
pub(crate) fn record_authorization(app: &str, outcome: &'static str) {
    tracing::Span::current().record("mcp.authorization", outcome);
    metrics::counter!("frontmcp_authorizations_total", "app" => app.to_owned(), "outcome" => outcome)
        .increment(1);
}

/// The Prometheus endpoint (the `prometheus` feature): one recorder per process, installed by
/// the first server that asks for the endpoint.
#[cfg(feature = "prometheus")]
pub(crate) mod prometheus {
    use std::sync::OnceLock;
    use std::time::Duration;

    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

    use crate::Error;

    /// The recorder's handle, or why it could not be installed: decided once per process.
    static INSTALLED: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

    /// Latency buckets in seconds: 50 µs to 10 s.
    const BUCKETS: &[f64] = &[
        0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1.0, 2.5, 10.0,
    ];

    /// Installs the recorder, once per process: the servers of a process share their metrics.
    pub(crate) fn install() -> Result<(), Error> {
        INSTALLED
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                    .map_err(|e| e.to_string())?
                    .build_recorder();
                let handle = recorder.handle();
                metrics::set_global_recorder(recorder).map_err(|_| {
                    "another `metrics` recorder is installed in this process; serve its endpoint \
                     instead of the server's"
                        .to_owned()
                })?;
                // Histograms keep their samples until this drains them; a thread of its own, so
                // it outlives any one runtime.
                let upkeep = handle.clone();
                std::thread::Builder::new()
                    .name("frontmcp-metrics".into())
                    .spawn(move || {
                        loop {
                            std::thread::sleep(Duration::from_secs(5));
                            upkeep.run_upkeep();
                        }
                    })
                    .map_err(|e| e.to_string())?;
                Ok(handle)
            })
            .as_ref()
            .map(drop)
            .map_err(|e| Error::Metrics(e.clone()))
    }

    /// The metrics as Prometheus text.
    pub(crate) fn render() -> Option<String> {
        INSTALLED
            .get()
            .and_then(|installed| installed.as_ref().ok())
            .map(PrometheusHandle::render)
    }
}

/// OpenTelemetry export over OTLP/HTTP (the `otlp` feature), when `OTEL_EXPORTER_OTLP_ENDPOINT`
/// (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: the spans above, each request's parent
/// taken from its `traceparent` (the HTTP header, or the MCP request's `_meta`).
#[cfg(feature = "otlp")]
pub(crate) mod otlp {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use opentelemetry::propagation::TextMapPropagator as _;
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use serde::Deserialize;
    use serde_json::value::RawValue;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    use crate::Error;

    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
    /// Whether spans are exported: only then are `traceparent`s looked for.
    static EXPORTING: AtomicBool = AtomicBool::new(false);

    /// Whether the environment asks for export.
    pub(crate) fn configured() -> bool {
        [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        ]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| !v.trim().is_empty()))
    }

    /// The `tracing` layer exporting spans, when the environment asks for it.
    pub(crate) fn layer<S>() -> Result<Option<impl tracing_subscriber::Layer<S>>, Error>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        if !configured() {
            return Ok(None);
        }
        let protocol = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
            Err(_) | Ok("http/protobuf") => Protocol::HttpBinary,
            Ok("http/json") => Protocol::HttpJson,
            Ok(other) => {
                return Err(Error::Env {
                    var: "OTEL_EXPORTER_OTLP_PROTOCOL".into(),
                    message: format!(
                        "`{other}`: this build exports over HTTP, `http/protobuf` (the default) or `http/json`"
                    ),
                });
            }
        };
        // The exporter's blocking HTTP client must not be made (or dropped) on the runtime.
        let provider = std::thread::spawn(move || {
            SpanExporter::builder()
                .with_http()
                .with_protocol(protocol)
                .build()
                .map(|exporter| {
                    SdkTracerProvider::builder()
                        .with_batch_exporter(exporter)
                        .build()
                })
        })
        .join()
        .expect("building the exporter does not panic")
        .map_err(|e| Error::Env {
            var: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
            message: e.to_string(),
        })?;
        let tracer = provider.tracer("frontmcp");
        let _ = PROVIDER.set(provider);
        EXPORTING.store(true, Ordering::SeqCst);
        Ok(Some(tracing_opentelemetry::layer().with_tracer(tracer)))
    }

    /// Exports what is still buffered; the server calls it when it stops.
    pub(crate) fn shutdown() {
        if let Some(provider) = PROVIDER.get() {
            if let Err(e) = provider.shutdown() {
                tracing::warn!(error = %e, "spans not exported at shutdown");
            }
        }
    }

    /// Makes `traceparent` (and `tracestate`) the parent of `span`, when well-formed.
    fn adopt(span: &tracing::Span, traceparent: &str, tracestate: Option<&str>) {
        let mut carrier = HashMap::with_capacity(2);
        carrier.insert("traceparent".to_owned(), traceparent.to_owned());
        if let Some(state) = tracestate {
            carrier.insert("tracestate".to_owned(), state.to_owned());
        }
        let context = TraceContextPropagator::new().extract(&carrier);
        let _ = span.set_parent(context);
    }

    /// The HTTP request's `traceparent` header as `span`'s parent.
    pub(crate) fn from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
        if !EXPORTING.load(Ordering::Relaxed) {
            return;
        }
        if let Some(parent) = headers.get("traceparent").and_then(|v| v.to_str().ok()) {
            let state = headers.get("tracestate").and_then(|v| v.to_str().ok());
            adopt(span, parent, state);
        }
    }

    #[derive(Deserialize)]
    struct Params<'a> {
        #[serde(rename = "_meta", borrow, default)]
        meta: Option<Meta<'a>>,
    }

    #[derive(Deserialize)]
    struct Meta<'a> {
        #[serde(borrow, default)]
        traceparent: Option<&'a str>,
        #[serde(borrow, default)]
        tracestate: Option<&'a str>,
    }

    /// The MCP request's `params._meta.traceparent` as `span`'s parent.
    pub(crate) fn from_meta(span: &tracing::Span, params: Option<&RawValue>) {
        if !EXPORTING.load(Ordering::Relaxed) {
            return;
        }
        let Some(params) = params.filter(|p| p.get().contains("traceparent")) else {
            return;
        };
        if let Ok(Params {
            meta:
                Some(Meta {
                    traceparent: Some(parent),
                    tracestate,
                }),
        }) = serde_json::from_str(params.get())
        {
            adopt(span, parent, tracestate);
        }
    }
}
