//! `resources/list`, `resources/templates/list` and `resources/read` on both wires, and
//! `resources/subscribe`/`unsubscribe` on the handshake revisions (2026-07-28 subscribes in
//! `subscriptions/listen`).

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::denial::{Retried, as_error};
use super::dispatch::{Caller, optional_params, required_params};
use super::gate::Target;
use super::{CallError, Reply, ResourceRead, Server};
#[cfg(feature = "auth-server")]
use super::{gate::Readiness, registry::AUTHORIZED_META};
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, INVALID_PARAMS, RESOURCE_NOT_FOUND, RequestId, Response,
};
use crate::protocol::mcp::{
    ListParams, ReadResourceParams, Resource, ResourceTemplate, SubscribeParams,
};

const EMPTY_OBJECT: &str = "{}";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourcesPage<'a> {
    resources: &'a [Resource],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplatesPage<'a> {
    resource_templates: &'a [ResourceTemplate],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

impl Server {
    /// `resources/list`: the resources, or with authorization on, those the user may read,
    /// each saying whether its app is authorized yet.
    pub(crate) async fn list_resources(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Response {
        let registry = &self.inner.registry;
        let listed = match self
            .visible(caller, &registry.listed_resources, |r| {
                registry.resource(&r.uri).map(|(e, _)| e.target())
            })
            .await
        {
            Some(listed) => listed,
            None => registry.listed_resources.clone(),
        };
        let cursor = match optional_params::<ListParams>(params) {
            Ok(p) => p.cursor,
            Err(e) => return Response::error(Some(id), e),
        };
        let Some((resources, next_cursor)) = registry.paged(&listed, cursor.as_deref()) else {
            return invalid_cursor(id, "resources/list");
        };
        let page = ResourcesPage {
            resources,
            next_cursor,
        };
        self.listing(caller, id, &page)
    }

    /// `resources/templates/list`, told apart per user like `resources/list`.
    pub(crate) async fn list_templates(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Response {
        let registry = &self.inner.registry;
        let listed = match self
            .visible(caller, &registry.listed_templates, |t| {
                registry.template(&t.uri_template).map(|e| e.target())
            })
            .await
        {
            Some(listed) => listed,
            None => registry.listed_templates.clone(),
        };
        let cursor = match optional_params::<ListParams>(params) {
            Ok(p) => p.cursor,
            Err(e) => return Response::error(Some(id), e),
        };
        let Some((resource_templates, next_cursor)) = registry.paged(&listed, cursor.as_deref())
        else {
            return invalid_cursor(id, "resources/templates/list");
        };
        let page = TemplatesPage {
            resource_templates,
            next_cursor,
        };
        self.listing(caller, id, &page)
    }

    /// `resources/read`: the gate, then the app's code.
    pub(crate) async fn read_resource(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Reply {
        let params: ReadResourceParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Reply::Single(Response::error(Some(id), e)),
        };
        let uri = params.uri.as_str();
        let Some((entry, variables)) = self.inner.registry.resource(uri) else {
            return Reply::Single(self.not_found(caller, id, uri));
        };
        let arguments = empty_object();
        // The URI read, not its template: what is authorized, logged and sealed in a
        // `requestState` is this very read.
        let target = Target {
            name: uri,
            ..entry.target()
        };
        let retried = Retried {
            method: "resources/read",
            target,
            arguments: &arguments,
            request_state: params.request_state.as_deref(),
            input_responses: params.input_responses.as_ref(),
        };
        let rounds = match self.rounds(caller, retried) {
            Ok(rounds) => rounds,
            Err(error) => return Reply::Single(Response::error(Some(id), error)),
        };
        let app_credentials = match self.gate(caller.grant, target).await {
            Ok(credentials) => credentials,
            Err(denial) => return self.deny(caller, id, retried, denial, &as_error),
        };
        let mut ctx = self.context(caller, &id, entry.app, uri, app_credentials);
        ctx.rounds = rounds.clone();
        let (app, _, _) = &self.inner.registry.apps[entry.app];
        let read = ResourceRead {
            resource: &entry.local_name,
            uri,
            variables: &variables,
            ctx: &ctx,
        };
        let running = AssertUnwindSafe(app.read_resource(read)).catch_unwind();
        let outcome = match self.asking(caller, &id, retried, &rounds, running).await {
            Ok(outcome) => outcome,
            Err(input_required) => return Reply::Single(input_required),
        };
        if let Some(denial) = self.reauthorization(&ctx, target) {
            return self.deny(caller, id, retried, denial, &as_error);
        }
        Reply::Single(match outcome {
            Ok(Ok(result)) if result.contents.is_empty() => {
                tracing::warn!(%uri, "a resource read returned no contents");
                self.not_found(caller, id, uri)
            }
            // A resource may change at any time: clients read it again rather than cache it.
            Ok(Ok(result)) => self.cached(caller, id, &result, 0),
            Ok(Err(CallError::UnknownResource(_))) => self.not_found(caller, id, uri),
            Ok(Err(CallError::Failed(message))) => {
                tracing::warn!(%uri, %message, "resource read failed");
                Response::error(Some(id), ErrorObject::new(INTERNAL_ERROR, message))
            }
            Ok(Err(other)) => {
                tracing::error!(%uri, error = %other, "registered resource not served by its app");
                Response::error(
                    Some(id),
                    ErrorObject::new(INTERNAL_ERROR, other.to_string()),
                )
            }
            Err(_) => {
                tracing::error!(%uri, "resource read panicked");
                Response::error(
                    Some(id),
                    ErrorObject::new(INTERNAL_ERROR, format!("reading {uri} failed unexpectedly")),
                )
            }
        })
    }

    /// `resources/subscribe` (handshake revisions): the session is told when the resource
    /// changes ([`Server::notify_resource_updated`]).
    pub(crate) fn subscribe_resource(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
        subscribe: bool,
    ) -> Response {
        let params: SubscribeParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        if self.inner.registry.resource(&params.uri).is_none() {
            return self.not_found(caller, id, &params.uri);
        }
        if let Some(session) = caller.session {
            if subscribe {
                session.subscribe(&params.uri);
            } else {
                session.unsubscribe(&params.uri);
            }
        }
        Response::result(
            id,
            RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON"),
        )
    }

    /// An unknown URI: `-32002` on the handshake revisions, `-32602` with the URI in `data` on
    /// 2026-07-28 (SEP-2164).
    fn not_found(&self, caller: Caller<'_>, id: RequestId, uri: &str) -> Response {
        tracing::warn!(%uri, "unknown resource");
        let code = if caller.version.is_stateless() {
            INVALID_PARAMS
        } else {
            RESOURCE_NOT_FOUND
        };
        Response::error(
            Some(id),
            ErrorObject::new(code, "Resource not found")
                .with_data(serde_json::json!({ "uri": uri })),
        )
    }
}

impl Server {
    /// With authorization on, `items` without those the user may not use and with each one's
    /// `_meta` saying whether its app is authorized; `None` on public servers (all of them).
    #[cfg(feature = "auth-server")]
    pub(crate) async fn visible<'t, T: Clone + HasMeta>(
        &self,
        caller: Caller<'_>,
        items: &[T],
        target: impl Fn(&T) -> Option<super::gate::Target<'t>>,
    ) -> Option<Vec<T>> {
        let (grant, auth) = (caller.grant?, self.inner.auth_server.get()?);
        let targets: Vec<_> = items
            .iter()
            .map(|item| target(item).expect("listed items are registered"))
            .collect();
        let readiness = self.readiness(grant, auth, &targets).await;
        Some(
            items
                .iter()
                .zip(readiness)
                .filter_map(|(item, readiness)| {
                    let authorized = match readiness {
                        Readiness::Refused => return None,
                        Readiness::Ready(ready) => Some(ready),
                        Readiness::Unknown => None,
                    };
                    let mut item = item.clone();
                    if let (Some(authorized), Some(meta)) = (authorized, item.meta_mut()) {
                        meta.insert(AUTHORIZED_META.to_owned(), Value::Bool(authorized));
                    }
                    Some(item)
                })
                .collect(),
        )
    }
}

/// Without the authorization server, every server is public: every item, as listed.
#[cfg(not(feature = "auth-server"))]
impl Server {
    pub(crate) async fn visible<'t, T: Clone + HasMeta>(
        &self,
        _caller: Caller<'_>,
        _items: &[T],
        _target: impl Fn(&T) -> Option<super::gate::Target<'t>>,
    ) -> Option<Vec<T>> {
        None
    }
}

/// A listed item with a `_meta` to flag.
pub(crate) trait HasMeta {
    fn meta_mut(&mut self) -> Option<&mut serde_json::Map<String, Value>>;
}

impl HasMeta for Resource {
    fn meta_mut(&mut self) -> Option<&mut serde_json::Map<String, Value>> {
        self.meta.as_mut()
    }
}

impl HasMeta for ResourceTemplate {
    fn meta_mut(&mut self) -> Option<&mut serde_json::Map<String, Value>> {
        self.meta.as_mut()
    }
}

impl HasMeta for crate::protocol::mcp::Prompt {
    fn meta_mut(&mut self) -> Option<&mut serde_json::Map<String, Value>> {
        self.meta.as_mut()
    }
}

pub(crate) fn invalid_cursor(id: RequestId, method: &str) -> Response {
    tracing::warn!(%method, "a cursor this server did not issue");
    Response::error(Some(id), ErrorObject::invalid_params("invalid cursor"))
}

pub(crate) fn empty_object() -> Box<RawValue> {
    RawValue::from_string(EMPTY_OBJECT.to_owned()).expect("valid JSON")
}
