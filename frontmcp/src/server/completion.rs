//! `completion/complete` on both wires: suggestions for an argument of a prompt or a variable of
//! a resource template, from the app's completer.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde_json::value::RawValue;

use super::dispatch::{Caller, required_params};
use super::{CallError, CompletionRequest, CompletionTarget, Server};
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, RequestId, Response};
use crate::protocol::mcp::{CompleteParams, CompleteResult, Completion, CompletionReference};

impl Server {
    /// `completion/complete`. The reference and the argument must exist (`-32602` otherwise).
    /// Suggestions are advisory: for something the user may not use yet (its app not
    /// authorized), there are none, and no authorization is asked for while they type.
    pub(crate) async fn complete(
        &self,
        caller: Caller<'_>,
        id: RequestId,
        params: Option<&RawValue>,
    ) -> Response {
        let params: CompleteParams = match required_params(params) {
            Ok(p) => p,
            Err(e) => return Response::error(Some(id), e),
        };
        let registry = &self.inner.registry;
        let argument = params.argument.name.as_str();
        let (target, gated, local, known) = match &params.reference {
            CompletionReference::Prompt { name } => {
                let Some(entry) = registry.prompt(name) else {
                    return refuse(id, format!("unknown prompt: {name}"));
                };
                let desc = &registry.apps[entry.app].1;
                let known = desc
                    .prompts
                    .iter()
                    .find(|p| *p.name == *entry.local_name)
                    .is_some_and(|p| p.arguments.iter().any(|a| a.name == argument));
                (
                    CompletionTarget::Prompt(&entry.local_name),
                    entry.target(),
                    name.as_str(),
                    known,
                )
            }
            CompletionReference::Resource { uri } => {
                let Some(entry) = registry.template(uri) else {
                    return refuse(id, format!("unknown resource template: {uri}"));
                };
                let known = entry
                    .template
                    .as_ref()
                    .is_some_and(|t| t.variables().any(|v| v == argument));
                (
                    CompletionTarget::Template(&entry.local_name),
                    entry.target(),
                    uri.as_str(),
                    known,
                )
            }
        };
        if !known {
            return refuse(id, format!("{local} has no argument `{argument}`"));
        }
        let app_credentials = match self.gate(caller.grant, gated).await {
            Ok(credentials) => credentials,
            Err(denial) => {
                tracing::debug!(%local, ?denial, "no completion for what the user may not use yet");
                return self.answer(caller, id, &CompleteResult::default());
            }
        };
        let ctx = self.context(caller, &id, gated.app, local, app_credentials);
        let context = params.context.unwrap_or_default();
        let request = CompletionRequest {
            target,
            argument: &params.argument,
            context: &context,
            ctx: &ctx,
        };
        let (app, _, _) = &registry.apps[gated.app];
        let outcome = AssertUnwindSafe(app.complete(request)).catch_unwind().await;
        match outcome {
            Ok(Ok(completion)) => self.answer(
                caller,
                id,
                &CompleteResult {
                    completion: bounded(completion),
                },
            ),
            Ok(Err(CallError::Failed(message))) => {
                tracing::warn!(%local, %message, "completer failed");
                Response::error(Some(id), ErrorObject::new(INTERNAL_ERROR, message))
            }
            Ok(Err(other)) => {
                tracing::warn!(%local, error = %other, "completion refused");
                Response::error(Some(id), ErrorObject::invalid_params(other.to_string()))
            }
            Err(_) => {
                tracing::error!(%local, "completer panicked");
                Response::error(
                    Some(id),
                    ErrorObject::new(INTERNAL_ERROR, "the completer failed unexpectedly"),
                )
            }
        }
    }
}

fn refuse(id: RequestId, message: String) -> Response {
    tracing::warn!(%message, "completion/complete refused");
    Response::error(Some(id), ErrorObject::invalid_params(message))
}

/// At most [`Completion::MAX_VALUES`] values; the rest counted in `total` and `hasMore`.
fn bounded(mut completion: Completion) -> Completion {
    if completion.values.len() > Completion::MAX_VALUES {
        completion
            .total
            .get_or_insert(completion.values.len() as u64);
        completion.values.truncate(Completion::MAX_VALUES);
        completion.has_more = Some(true);
    }
    completion
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_a_hundred_values_are_cut_and_counted() {
        let many: Completion = (0..150).map(|i| i.to_string()).collect();
        let sent = bounded(many);
        assert_eq!(sent.values.len(), 100);
        assert_eq!(sent.total, Some(150));
        assert_eq!(sent.has_more, Some(true));
        let few: Completion = ["a", "b"].into_iter().collect();
        assert_eq!(bounded(few.clone()), few);
    }
}
