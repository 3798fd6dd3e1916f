//! `prompts/list` and `prompts/get` on both wires.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde::Serialize;
use serde_json::value::RawValue;

use super::denial::{Retried, as_error};
use super::dispatch::{Caller, optional_params, required_params};
use super::resources::{empty_object, invalid_cursor};
use super::{Arguments, CallError, PromptGet, Reply, Server};
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, RequestId, Response};
use crate::protocol::mcp::{GetPromptParams, ListParams, Prompt};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PromptsPage<'a> {
    prompts: &'a [Prompt],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

impl Server {
    /// `prompts/list`: the prompts, or with authorization on, those the user may get, each
    /// saying whether its app is authorized yet.
    pub(crate) async fn list_prompts(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Response {
        let registry = &self.inner.registry;
        let listed = match self
            .visible(caller, &registry.listed_prompts, |p| {
                registry.prompt(&p.name).map(|e| e.target())
            })
            .await
        {
            Some(listed) => listed,
            None => registry.listed_prompts.clone(),
        };
        let cursor = match optional_params::<ListParams>(params) {
            Ok(p) => p.cursor,
            Err(e) => return Response::error(Some(id), e),
        };
        let Some((prompts, next_cursor)) = registry.paged(&listed, cursor.as_deref()) else {
            return invalid_cursor(id, "prompts/list");
        };
        self.listing(
            caller,
            id,
            &PromptsPage {
                prompts,
                next_cursor,
            },
        )
    }

    /// `prompts/get`: the gate, then the app's code with the arguments parsed into the prompt's
    /// argument type (a missing or unknown argument is `-32602`).
    pub(crate) async fn get_prompt(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Reply {
        let params: GetPromptParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Reply::Single(Response::error(Some(id), e)),
        };
        let name = params.name.as_str();
        let Some(entry) = self.inner.registry.prompt(name) else {
            tracing::warn!(prompt = %name, "unknown prompt");
            return Reply::Single(Response::error(
                Some(id),
                ErrorObject::invalid_params(format!("unknown prompt: {name}")),
            ));
        };
        let empty;
        let arguments = match params.arguments.as_deref() {
            Some(raw) if raw.get().starts_with('{') => raw,
            Some(raw) if raw.get() == "null" => {
                empty = empty_object();
                &*empty
            }
            Some(_) => {
                tracing::warn!(prompt = %name, "prompt arguments are not an object");
                return Reply::Single(Response::error(
                    Some(id),
                    ErrorObject::invalid_params("`arguments` must be an object of strings"),
                ));
            }
            None => {
                empty = empty_object();
                &*empty
            }
        };
        let retried = Retried {
            method: "prompts/get",
            target: entry.target(),
            arguments,
            request_state: params.request_state.as_deref(),
            input_responses: params.input_responses.as_ref(),
        };
        let rounds = match self.rounds(caller, retried) {
            Ok(rounds) => rounds,
            Err(error) => return Reply::Single(Response::error(Some(id), error)),
        };
        let app_credentials = match self.gate(caller.grant, entry.target()).await {
            Ok(credentials) => credentials,
            Err(denial) => return self.deny(caller, id, retried, denial, &as_error),
        };
        let mut ctx = self.context(caller, &id, entry.app, name, app_credentials);
        ctx.rounds = rounds.clone();
        let (app, _, _) = &self.inner.registry.apps[entry.app];
        let get = PromptGet {
            prompt: &entry.local_name,
            arguments: Arguments(arguments),
            ctx: &ctx,
        };
        let running = AssertUnwindSafe(app.get_prompt(get)).catch_unwind();
        let outcome = match self.asking(caller, &id, retried, &rounds, running).await {
            Ok(outcome) => outcome,
            Err(input_required) => return Reply::Single(input_required),
        };
        if let Some(denial) = self.reauthorization(&ctx, entry.target()) {
            return self.deny(caller, id, retried, denial, &as_error);
        }
        Reply::Single(match outcome {
            Ok(Ok(result)) => self.answer(caller, id, &result),
            Ok(Err(CallError::InvalidArguments(message))) => {
                tracing::warn!(prompt = %name, %message, "invalid prompt arguments");
                Response::error(
                    Some(id),
                    ErrorObject::invalid_params(format!(
                        "invalid arguments for prompt {name}: {message}"
                    )),
                )
            }
            Ok(Err(CallError::Failed(message))) => {
                tracing::warn!(prompt = %name, %message, "prompt failed");
                Response::error(Some(id), ErrorObject::new(INTERNAL_ERROR, message))
            }
            Ok(Err(other)) => {
                tracing::error!(prompt = %name, error = %other, "registered prompt not served by its app");
                Response::error(
                    Some(id),
                    ErrorObject::new(INTERNAL_ERROR, other.to_string()),
                )
            }
            Err(_) => {
                tracing::error!(prompt = %name, "prompt panicked");
                Response::error(
                    Some(id),
                    ErrorObject::new(INTERNAL_ERROR, format!("prompt {name} failed unexpectedly")),
                )
            }
        })
    }
}
