//! The HTTP side of the authorization server: its endpoints beside `/mcp`, the bearer check and
//! challenges of `/mcp`, and its events relayed to MCP clients.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use frontmcp_auth::events::AuthEvent;
use frontmcp_auth::oauth::{AuthServer, MAX_BODY_BYTES as MAX_AUTH_BODY, PeerAddr};
use http_body_util::{BodyExt, Limited};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::mcp;
use crate::protocol::jsonrpc::OutgoingNotification;
use crate::server::{Grant, Server, Session};

/// What a request to `/mcp` is granted: `Ok(None)` on a server without authorization, the
/// challenge to answer when its token does not verify.
pub(super) async fn authenticate(
    server: &Server,
    headers: &HeaderMap,
) -> Result<Option<Grant>, Response> {
    let Some(auth) = server.inner.auth_server.get() else {
        return Ok(None);
    };
    match auth
        .bearer()
        .authenticate(headers.get(header::AUTHORIZATION))
        .await
    {
        Ok(granted) => Ok(Some(Grant::from(granted))),
        Err(challenge) => Err(from_bytes(auth.bearer().unauthorized(&challenge))),
    }
}

/// The 403 for a request lacking `scopes`.
pub(super) fn insufficient_scope(server: &Server, scopes: &[String]) -> Response {
    match server.inner.auth_server.get() {
        Some(auth) => from_bytes(auth.bearer().insufficient_scope(scopes)),
        None => unreachable!("scopes are only ever checked with authorization on"),
    }
}

/// Hands an authorization-server request over with its body read (bounded), and the client's
/// address for its rate limits.
pub(super) async fn handle(auth: &AuthServer, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied() {
        parts.extensions.insert(PeerAddr(peer));
    }
    let body = match Limited::new(body, MAX_AUTH_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            tracing::warn!("authorization request body too large");
            return mcp::json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"invalid_request","error_description":"request too large"}"#.into(),
            );
        }
        Err(_) => {
            return mcp::json_response(
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"unreadable body"}"#.into(),
            );
        }
    };
    from_bytes(auth.handle(http::Request::from_parts(parts, body)).await)
}

/// A response of the authorization server, whose bodies are bytes.
pub(super) fn from_bytes(resp: http::Response<Bytes>) -> Response {
    resp.map(Body::from)
}

impl Server {
    /// Forwards the authorization server's events to MCP clients: when an app's authorization
    /// completes an elicitation, `notifications/elicitation/complete` on the GET stream of the
    /// sessions that declared URL elicitation; when an app is authorized or revoked for an auth
    /// session, `notifications/tools/list_changed` to its subscriptions and its sessions' GET
    /// streams (the tools' authorization flags changed).
    pub(super) fn spawn_event_router(&self) -> Option<JoinHandle<()>> {
        let mut events = self.inner.auth_server.get()?.events().subscribe();
        let server = self.clone();
        Some(tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(AuthEvent::AppAuthorized {
                        session_id,
                        elicitation_id,
                        ..
                    }) => {
                        if let Some(elicitation_id) = elicitation_id {
                            let notification = OutgoingNotification::new(
                                "notifications/elicitation/complete",
                                serde_json::json!({ "elicitationId": elicitation_id }),
                            );
                            let sent = server.inner.sessions.notify_owner(
                                &session_id,
                                &notification.to_bytes(),
                                Session::supports_url_elicitation,
                            );
                            tracing::info!(sent, "elicitation completed");
                        }
                        server.tools_changed(&session_id);
                    }
                    Ok(AuthEvent::AppRevoked { session_id, .. }) => {
                        server.tools_changed(&session_id)
                    }
                    Ok(AuthEvent::SessionEnded { .. }) => {}
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "authorization events missed");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }))
    }

    /// The lists of auth session `session_id` changed (an app authorized or revoked): its
    /// clients hear `notifications/tools/list_changed`, and the same for resources and prompts
    /// when the server has them.
    fn tools_changed(&self, session_id: &str) {
        let registry = &self.inner.registry;
        let mut streams = 0;
        for (offered, method) in [
            (true, "notifications/tools/list_changed"),
            (
                registry.has_resources(),
                "notifications/resources/list_changed",
            ),
            (registry.has_prompts(), "notifications/prompts/list_changed"),
        ] {
            if offered {
                let notification = OutgoingNotification::new(method, serde_json::json!({}));
                streams +=
                    self.inner
                        .sessions
                        .notify_owner(session_id, &notification.to_bytes(), |_| true);
            }
        }
        let subscriptions = self.inner.subscriptions.lists_changed(session_id);
        tracing::debug!(streams, subscriptions, "lists changed");
    }
}
