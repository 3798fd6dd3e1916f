//! A denial of the [gate](super::gate), rendered for the caller's wire, and the 2026-07-28
//! rounds (`input_required`, then a retry with a sealed `requestState`) that follow an
//! authorization or a question from the app's code: the same for tools, resources and prompts,
//! except for the last word of a denial (a tool answers with an `isError` result the model
//! reads; a resource or a prompt, which have no such result, with a JSON-RPC error).

#[cfg(feature = "auth-server")]
use frontmcp_auth::progressive::AuthorizationRequired;
use frontmcp_auth::request_state::{self, Bound};
use frontmcp_auth::tokens::now_secs;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use std::sync::Arc;

use super::ask::Rounds;
use super::dispatch::Caller;
use super::gate::{Denial, Target};
use super::{Grant, Reply, Server};
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, INVALID_REQUEST, MISSING_REQUIRED_CLIENT_CAPABILITY, RequestId,
    Response,
};
#[cfg(feature = "auth-server")]
use crate::protocol::jsonrpc::{TEMPORARILY_UNAVAILABLE, URL_ELICITATION_REQUIRED};

use crate::protocol::stateless::InputRequiredResult;

/// The seeds' `AUTH_REQUIRED` object: what a client shows the user so they authorize an app.
#[derive(Debug, Serialize)]
struct AuthRequired<'a> {
    error: &'static str,
    code: &'static str,
    app: &'a str,
    /// `tool`, `resource` or `prompt`: what was asked for.
    #[serde(flatten)]
    target: Map<String, Value>,
    required_scopes: &'a [String],
    auth_url: &'a str,
    message: &'a str,
    hint: &'a str,
    /// 2025-11-25 clients with URL elicitation: the elicitation `-32042` carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    elicitations: Option<[UrlElicitation<'a>; 1]>,
}

/// A URL-mode elicitation's parameters (`elicitationId` only on 2025-11-25).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UrlElicitation<'a> {
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    elicitation_id: Option<&'a str>,
    url: &'a str,
    message: &'a str,
}

/// What a request is, for the `requestState` of its retry: the method and what it names (the
/// tool, the URI, the prompt), and its arguments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retried<'a> {
    pub(crate) method: &'static str,
    pub(crate) target: Target<'a>,
    pub(crate) arguments: &'a RawValue,
    pub(crate) request_state: Option<&'a str>,
    pub(crate) input_responses: Option<&'a Map<String, Value>>,
}

impl Retried<'_> {
    pub(crate) fn request(&self) -> String {
        format!("{} {}", self.method, self.target.name)
    }
}

/// What a request state of `grant`'s `request` with `arguments` is bound to.
fn bound<'a>(grant: &'a Grant, request: &'a str, arguments: &'a RawValue) -> Bound<'a> {
    Bound {
        session: grant.auth_session_id(),
        user: grant.user(),
        request,
        arguments,
    }
}

/// How a request that needs an app authorized is answered when no elicitation carries it: the
/// seeds' object, and a sentence with the link.
#[derive(Debug)]
pub(crate) struct Notice {
    pub(crate) object: Map<String, Value>,
    pub(crate) text: String,
}

impl Server {
    /// A 2026-07-28 retry: its `requestState` must be one this server sealed for this user and
    /// this very request, and its `inputResponses` a map of results. The client's answers: those
    /// of earlier rounds (sealed in the state), then this round's.
    pub(crate) fn check_retry(
        &self,
        caller: Caller<'_>,
        retried: Retried<'_>,
    ) -> Result<Map<String, Value>, ErrorObject> {
        let name = retried.target.name;
        if let Some(responses) = retried.input_responses {
            if let Some((key, _)) = responses.iter().find(|(_, r)| !r.is_object()) {
                tracing::warn!(%name, %key, "inputResponses entry is not an object");
                return Err(ErrorObject::invalid_params(format!(
                    "invalid inputResponses: `{key}` is not a result object"
                )));
            }
        }
        let mut answers = match retried.request_state {
            None => Map::new(),
            Some(state) => {
                let request = retried.request();
                let bound = self.bound(caller, &request, retried.arguments);
                request_state::open(self.state_keys(), state, &bound, now_secs()).map_err(
                    |refused| {
                        tracing::warn!(%name, reason = %refused, "requestState refused");
                        ErrorObject::invalid_params("Invalid or expired requestState")
                    },
                )?
            }
        };
        if let Some(responses) = retried.input_responses {
            answers.extend(responses.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(answers)
    }

    /// What a request state of `caller`'s `request` with `arguments` is bound to: its user and
    /// auth session (nobody's, on a public server).
    pub(crate) fn bound<'a>(
        &self,
        caller: Caller<'a>,
        request: &'a str,
        arguments: &'a RawValue,
    ) -> Bound<'a> {
        match caller.grant {
            Some(grant) => bound(grant, request, arguments),
            None => Bound {
                session: "",
                user: "",
                request,
                arguments,
            },
        }
    }

    /// The rounds of questions of a 2026-07-28 request (checking its retry); `None` on the
    /// handshake revisions, where questions go out on the request's stream.
    pub(crate) fn rounds(
        &self,
        caller: Caller<'_>,
        retried: Retried<'_>,
    ) -> Result<Option<Arc<Rounds>>, ErrorObject> {
        if !caller.version.is_stateless() {
            return Ok(None);
        }
        let answers = self.check_retry(caller, retried)?;
        Ok(Some(Arc::new(Rounds::new(answers))))
    }

    /// Runs `running` (an app's code). On 2026-07-28 code that asks something stops there: the
    /// request is answered `input_required` (the `Err`), and runs again when the client retries
    /// with the answer.
    pub(crate) async fn asking<T>(
        &self,
        caller: Caller<'_>,
        id: &RequestId,
        retried: Retried<'_>,
        rounds: &Option<Arc<Rounds>>,
        running: impl std::future::Future<Output = T>,
    ) -> Result<T, Response> {
        let Some(rounds) = rounds else {
            return Ok(running.await);
        };
        tokio::select! {
            biased;
            outcome = running => Ok(outcome),
            () = rounds.asking.notified() => {
                let missing = std::mem::take(&mut *rounds.missing.lock().unwrap_or_else(|p| p.into_inner()));
                if missing.is_empty() {
                    return Err(self.input_required(caller, id.clone(), retried, rounds));
                }
                tracing::warn!(name = %retried.target.name, ?missing, "the request needs a capability the client did not declare");
                let required: Map<String, Value> = missing
                    .iter()
                    .map(|c| ((*c).to_owned(), Value::Object(Map::new())))
                    .collect();
                Err(Response::error(
                    Some(id.clone()),
                    ErrorObject::new(
                        MISSING_REQUIRED_CLIENT_CAPABILITY,
                        format!("this request needs the client capability {}", missing.join(", ")),
                    )
                    .with_data(serde_json::json!({ "requiredCapabilities": required })),
                ))
            }
        }
    }

    /// The answer of a 2026-07-28 request whose code asked the client something: the question,
    /// and a state sealing the answers so far (the client cannot change them) for the retry.
    pub(crate) fn input_required(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        retried: Retried<'_>,
        rounds: &Rounds,
    ) -> Response {
        let asked = std::mem::take(&mut *rounds.asked.lock().unwrap_or_else(|p| p.into_inner()));
        let keys: Vec<&str> = asked.iter().map(|(key, _)| key.as_str()).collect();
        tracing::info!(name = %retried.target.name, ?keys, "asking the client: input_required");
        let sealed_for = retried.request();
        let bound = self.bound(caller, &sealed_for, retried.arguments);
        let state = request_state::seal_with(
            self.state_keys(),
            &bound,
            rounds.answers.clone(),
            now_secs(),
        );
        if state.len() > request_state::MAX_LEN {
            tracing::warn!(name = %retried.target.name, "too many answers to carry");
            return Response::error(
                Some(id),
                ErrorObject::new(
                    INTERNAL_ERROR,
                    "the request asked more than its requestState can carry",
                ),
            );
        }
        Response::serialize_result(
            id,
            &InputRequiredResult::new(Map::from_iter(asked), state, &self.inner.identity),
        )
    }

    /// A denial of the gate, rendered for the caller's wire; `notice` renders what no
    /// elicitation carries (`None` for denials that are not the user's to lift: then the
    /// result of `refused` is sent).
    #[cfg_attr(not(feature = "auth-server"), allow(unused_variables))]
    pub(crate) fn deny(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        retried: Retried<'_>,
        denial: Denial,
        render: &dyn Fn(RequestId, Rendered) -> Response,
    ) -> Reply {
        let name = retried.target.name;
        match denial {
            Denial::InsufficientScope(scopes) => {
                tracing::warn!(%name, needed = ?scopes, "token lacks a scope of the request");
                let message = format!("insufficient scope: {name} needs {}", scopes.join(" "));
                Reply::InsufficientScope {
                    response: Response::error(
                        Some(id),
                        ErrorObject::new(INVALID_REQUEST, message)
                            .with_data(serde_json::json!({ "scopes": scopes })),
                    ),
                    scopes,
                }
            }
            Denial::NotConsented(refusal) => {
                tracing::warn!(%name, "request outside what the user consented to");
                Reply::Single(render(id, Rendered::Refused(refusal)))
            }
            #[cfg(feature = "auth-server")]
            Denial::Unavailable => Reply::Single(Response::error(
                Some(id),
                ErrorObject::new(
                    TEMPORARILY_UNAVAILABLE,
                    "temporarily unavailable: the token vault cannot be read; retry shortly",
                ),
            )),
            #[cfg(feature = "auth-server")]
            Denial::AuthorizationRequired(required) => {
                Reply::Single(self.authorization_required(caller, id, retried, &required, render))
            }
        }
    }

    /// The answer for a request whose app must be authorized first, each wire its own way:
    /// - 2026-07-28, client with URL elicitation: an `InputRequiredResult` asking the client to
    ///   open the link, with a sealed `requestState` for the retry;
    /// - 2025-11-25, client with URL elicitation: the error `-32042` whose data carries the
    ///   elicitation and the seeds' object;
    /// - otherwise (or once the user declined): `render`'s [`Rendered::Authorize`].
    #[cfg(feature = "auth-server")]
    fn authorization_required(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        retried: Retried<'_>,
        required: &AuthorizationRequired,
        render: &dyn Fn(RequestId, Rendered) -> Response,
    ) -> Response {
        let (grant, auth) = match (caller.grant, self.inner.auth_server.get()) {
            (Some(grant), Some(auth)) => (grant, auth),
            _ => unreachable!("only a grant is ever asked to authorize an app"),
        };
        let target = retried.target;
        let app = &self.inner.registry.apps[target.app].1;
        let name = target.name;
        let stateless = caller.version.is_stateless();
        let key = format!("authorize-{}", app.id);
        let declined = retried
            .input_responses
            .and_then(|r| r.get(&key)?.get("action")?.as_str())
            .is_some_and(|action| action != "accept");
        let elicit = caller.url_elicitation && !declined;
        let elicitation_id = (elicit && !stateless).then(frontmcp_auth::random::token);
        let url = auth.progressive().authorization_url(
            grant.auth_session_id(),
            grant.user(),
            &app.id,
            &required.request_scopes,
            Some(name),
            elicitation_id.as_deref(),
        );
        let message = format!("{} authorization required", app.name);
        let hint = format!(
            "Click the authorization link to grant access to {}",
            app.name
        );
        let prompt = format!("{hint}.");
        tracing::info!(%name, app = %app.id, missing = ?required.missing_scopes, elicit, declined, "authorization required");
        let mut notice = AuthRequired {
            error: "authorization_required",
            code: "AUTH_REQUIRED",
            app: &app.id,
            target: Map::from_iter([(
                target.kind.field().to_owned(),
                Value::String(name.to_owned()),
            )]),
            required_scopes: &required.missing_scopes,
            auth_url: &url,
            message: &message,
            hint: &hint,
            elicitations: None,
        };
        if elicit && stateless {
            let request = serde_json::json!({
                "method": "elicitation/create",
                "params": UrlElicitation {
                    mode: "url",
                    elicitation_id: None,
                    url: &url,
                    message: &prompt,
                },
            });
            let sealed_for = retried.request();
            let state = request_state::seal(
                self.state_keys(),
                &bound(grant, &sealed_for, retried.arguments),
                now_secs(),
            );
            return Response::serialize_result(
                id,
                &InputRequiredResult::new(
                    Map::from_iter([(key, request)]),
                    state,
                    &self.inner.identity,
                ),
            );
        }
        if let Some(elicitation_id) = elicitation_id.as_deref() {
            notice.elicitations = Some([UrlElicitation {
                mode: "url",
                elicitation_id: Some(elicitation_id),
                url: &url,
                message: &prompt,
            }]);
            let data = serde_json::to_value(&notice).expect("the notice serializes");
            return Response::error(
                Some(id),
                ErrorObject::new(URL_ELICITATION_REQUIRED, message.clone()).with_data(data),
            );
        }
        let Value::Object(object) = serde_json::to_value(&notice).expect("the notice serializes")
        else {
            unreachable!("the notice is a struct")
        };
        let text = if declined {
            format!("{message}: the user declined. {hint}: {url}")
        } else {
            format!("{message}. {hint}: {url}")
        };
        render(id, Rendered::Authorize(Notice { object, text }))
    }
}

/// What the gate's denial leaves to the caller to render.
#[derive(Debug)]
pub(crate) enum Rendered {
    /// The user left it out on the consent screen: why.
    Refused(String),
    /// The app must be authorized, and no elicitation carries the link.
    Authorize(Notice),
}

/// The rendering of resources and prompts, which have no error result: a JSON-RPC error whose
/// message says what to do and whose data is the seeds' object.
pub(crate) fn as_error(id: RequestId, rendered: Rendered) -> Response {
    match rendered {
        Rendered::Refused(refusal) => {
            Response::error(Some(id), ErrorObject::new(INVALID_REQUEST, refusal))
        }
        Rendered::Authorize(notice) => Response::error(
            Some(id),
            ErrorObject::new(INVALID_REQUEST, notice.text).with_data(Value::Object(notice.object)),
        ),
    }
}
