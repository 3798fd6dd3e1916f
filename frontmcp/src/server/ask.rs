//! What a tool (or a resource, a prompt) asks the client while it runs: a form the user fills in
//! (`elicitation/create`), a message from the client's model (`sampling/createMessage`), the
//! client's roots (`roots/list`).
//!
//! On the handshake revisions each question is a request from the server on the request's own
//! stream, answered by the client in a message of its own ([`peer`](super::peer)). On 2026-07-28
//! there are no such requests: the request is answered `input_required` with the questions, and
//! runs again from the start when the client retries with the answers ([`Rounds`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{ToolContext, ToolError, result};
use crate::protocol::jsonrpc::OutgoingRequest;
use crate::protocol::mcp::{
    CreateMessageRequest, CreateMessageResult, ElicitAction, ElicitResult, ListRootsResult, Root,
};

/// How long a tool waits for the client to answer what it asked (a user fills in a form), on
/// the handshake revisions.
pub const PEER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// What the user did with a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// Filled it in.
    Accept(T),
    /// Said no.
    Decline,
    /// Dismissed it.
    Cancel,
}

/// What a client can be asked, as it declared.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Asks {
    pub(crate) form_elicitation: bool,
    pub(crate) sampling: bool,
    pub(crate) roots: bool,
}

/// Questions asked at once, each under a key of the tool's choosing: one round of
/// `input_required` on 2026-07-28 (fewer round trips than one question at a time).
///
/// ```
/// use frontmcp::prelude::*;
/// use frontmcp::Questions;
///
/// let questions = Questions::new()
///     .form("user_name", "What is your name?", serde_json::json!({
///         "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]
///     }))
///     .sample("greeting", CreateMessageRequest::user("Generate a greeting", 50))
///     .roots("client_roots");
/// assert_eq!(questions.len(), 3);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Questions {
    items: Vec<Question>,
}

#[derive(Debug, Clone)]
struct Question {
    key: String,
    method: &'static str,
    params: Value,
    /// A form's schema, which an accepted answer must fit.
    #[cfg_attr(not(feature = "jsonschema"), allow(dead_code))]
    schema: Option<Value>,
}

impl Questions {
    /// No question yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form (`elicitation/create`, form mode) described by `requested_schema`, with `message`
    /// saying why.
    pub fn form(
        mut self,
        key: impl Into<String>,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Self {
        let message = message.into();
        self.items.push(Question {
            key: key.into(),
            method: "elicitation/create",
            params: serde_json::json!({
                "mode": "form",
                "message": message,
                "requestedSchema": requested_schema,
            }),
            schema: Some(requested_schema),
        });
        self
    }

    /// A message from the client's model (`sampling/createMessage`).
    pub fn sample(mut self, key: impl Into<String>, request: CreateMessageRequest) -> Self {
        self.items.push(Question {
            key: key.into(),
            method: "sampling/createMessage",
            params: serde_json::to_value(&request).expect("a sampling request serializes"),
            schema: None,
        });
        self
    }

    /// The client's roots (`roots/list`).
    pub fn roots(mut self, key: impl Into<String>) -> Self {
        self.items.push(Question {
            key: key.into(),
            method: "roots/list",
            params: serde_json::json!({}),
            schema: None,
        });
        self
    }

    /// How many questions.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The client's answers to [`Questions`], by key.
#[derive(Debug, Clone)]
pub struct Answers {
    answers: Map<String, Value>,
    /// The forms' schemas, by key, which accepted answers are checked against.
    #[cfg(feature = "jsonschema")]
    schemas: Vec<(String, Value)>,
}

impl Answers {
    /// The answer to the form `key`; an accepted one is checked against the form's schema (with
    /// the `jsonschema` feature, on by default; without it, deserializing the content into your
    /// type is the only check).
    ///
    /// # Errors
    ///
    /// A [`ToolError`] when there is no such answer, it is malformed, or it does not fit.
    pub fn form(&self, key: &str) -> Result<ElicitResult, ToolError> {
        let answer: ElicitResult = self.parse(key, "form")?;
        #[cfg(feature = "jsonschema")]
        if answer.action == ElicitAction::Accept {
            if let Some((_, schema)) = self.schemas.iter().find(|(k, _)| k == key) {
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(schema)
                    .map_err(|e| {
                        ToolError::new(format!("the form's schema is not a JSON Schema: {e}"))
                    })?;
                let content = Value::Object(answer.content.clone().unwrap_or_default());
                if let Some(error) = validator.iter_errors(&content).next() {
                    tracing::warn!(%key, %error, "an answer does not fit its form");
                    return Err(ToolError::new(format!(
                        "the user's answer does not fit the form: {error}"
                    )));
                }
            }
        }
        Ok(answer)
    }

    /// The model's message for `key`.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] when there is no such answer or it is malformed.
    pub fn sample(&self, key: &str) -> Result<CreateMessageResult, ToolError> {
        self.parse(key, "sampling")
    }

    /// The client's roots for `key`.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] when there is no such answer or it is malformed.
    pub fn roots(&self, key: &str) -> Result<Vec<Root>, ToolError> {
        self.parse::<ListRootsResult>(key, "roots").map(|r| r.roots)
    }

    /// The answer to `key`, as the client sent it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.answers.get(key)
    }

    fn parse<T: DeserializeOwned>(&self, key: &str, what: &str) -> Result<T, ToolError> {
        let answer = self
            .answers
            .get(key)
            .ok_or_else(|| ToolError::new(format!("no answer to `{key}`")))?;
        serde_json::from_value(answer.clone()).map_err(|e| {
            ToolError::new(format!(
                "the client's {what} answer to `{key}` is malformed: {e}"
            ))
        })
    }
}

/// The questions of a 2026-07-28 request, which asks by answering `input_required` and runs
/// again, from the start, when the client retries with its answers. Questions asked one at a time
/// are keyed by their order (`ask-0`, `ask-1`...): code asks the same questions in the same order
/// given the same answers.
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    /// The client's answers so far, by key.
    pub(crate) answers: Map<String, Value>,
    next: AtomicUsize,
    /// The questions the request stopped at: their keys and requests.
    pub(crate) asked: Mutex<Vec<(String, Value)>>,
    /// The client capabilities the request needed and the client did not declare.
    pub(crate) missing: Mutex<Vec<&'static str>>,
    /// Told when the request asked something not answered yet, or needed a capability.
    pub(crate) asking: tokio::sync::Notify,
}

impl Rounds {
    pub(crate) fn new(answers: Map<String, Value>) -> Self {
        Self {
            answers,
            ..Self::default()
        }
    }

    /// The answers to `questions` when the client gave them all; else the unanswered ones are
    /// recorded, the runtime is told, and this never returns (the request is dropped and
    /// answered `input_required`).
    async fn ask(&self, questions: &Questions) -> Map<String, Value> {
        let unanswered: Vec<(String, Value)> = questions
            .items
            .iter()
            .filter(|q| !self.answers.contains_key(&q.key))
            .map(|q| {
                let request = serde_json::json!({ "method": q.method, "params": q.params });
                (q.key.clone(), request)
            })
            .collect();
        if unanswered.is_empty() {
            return questions
                .items
                .iter()
                .filter_map(|q| Some((q.key.clone(), self.answers.get(&q.key)?.clone())))
                .collect();
        }
        *self.asked.lock().unwrap_or_else(|p| p.into_inner()) = unanswered;
        self.asking.notify_one();
        std::future::pending().await
    }

    /// The request needs client capabilities the client did not declare: the runtime answers
    /// `-32021` naming them, and this never returns.
    async fn refuse<T>(&self, missing: Vec<&'static str>) -> T {
        *self.missing.lock().unwrap_or_else(|p| p.into_inner()) = missing;
        self.asking.notify_one();
        std::future::pending().await
    }
}

/// The client capability a question needs.
fn capability(method: &str) -> &'static str {
    match method {
        "elicitation/create" => "elicitation",
        "sampling/createMessage" => "sampling",
        _ => "roots",
    }
}

impl ToolContext {
    /// Whether the client can be asked to fill in a form.
    pub fn can_elicit(&self) -> bool {
        self.asks.is_some_and(|a| a.form_elicitation)
    }

    /// Whether the client can be asked to sample its model.
    pub fn can_sample(&self) -> bool {
        self.asks.is_some_and(|a| a.sampling)
    }

    /// Whether the client can be asked for its roots.
    pub fn can_list_roots(&self) -> bool {
        self.asks.is_some_and(|a| a.roots)
    }

    /// Asks the client `questions` and returns its answers.
    ///
    /// On 2025-11-25 and before, each question goes out on the request's stream and this waits
    /// for the answers (at most [`PEER_TIMEOUT`] each). On 2026-07-28 the request is answered
    /// `input_required` with the questions and a sealed `requestState`, and runs again from the
    /// start when the client retries with the answers, which this then returns: code before the
    /// question runs once per round, so keep side effects after it. Earlier answers ride sealed
    /// in the state: the client cannot change them.
    ///
    /// # Errors
    ///
    /// A [`ToolError`] for the model when the client cannot be asked (it did not declare the
    /// capability a question needs, or its request cannot carry a server request), or answers
    /// with an error or too late. On 2026-07-28 an undeclared capability fails the whole request
    /// instead, with `-32021` naming it (HTTP 400), as the specification requires.
    pub async fn ask(&self, questions: Questions) -> Result<Answers, ToolError> {
        let mut missing: Vec<&'static str> = Vec::new();
        for question in &questions.items {
            let needed = capability(question.method);
            let declared = match needed {
                "elicitation" => self.can_elicit(),
                "sampling" => self.can_sample(),
                _ => self.can_list_roots(),
            };
            if !declared && !missing.contains(&needed) {
                missing.push(needed);
            }
        }
        if !missing.is_empty() {
            // 2026-07-28: the request fails with -32021 naming them (SEP-2575).
            if let (true, Some(rounds)) = (self.protocol_version.is_stateless(), &self.rounds) {
                return rounds.refuse(missing).await;
            }
            return Err(ToolError::new(format!(
                "the client did not declare the capability this needs: {}",
                missing.join(", ")
            )));
        }
        #[cfg(feature = "jsonschema")]
        let schemas = questions
            .items
            .iter()
            .filter_map(|q| Some((q.key.clone(), q.schema.clone()?)))
            .collect();
        let answers = if self.protocol_version.is_stateless() {
            let Some(rounds) = &self.rounds else {
                return Err(ToolError::new(format!(
                    "questions are asked from tools, resources and prompts only on protocol version {}",
                    self.protocol_version
                )));
            };
            tracing::debug!(tool = %self.tool, questions = questions.len(), "asking the client (input_required)");
            rounds.ask(&questions).await
        } else {
            let mut answers = Map::new();
            for question in &questions.items {
                let answer = self
                    .request(question.method, question.params.clone())
                    .await?;
                let answer = serde_json::from_str(answer.get())
                    .map_err(|e| ToolError::new(format!("the client's answer is not JSON: {e}")))?;
                answers.insert(question.key.clone(), answer);
            }
            answers
        };
        Ok(Answers {
            answers,
            #[cfg(feature = "jsonschema")]
            schemas,
        })
    }

    /// Asks the user to fill in a form described by `T`'s JSON Schema (a flat object of
    /// strings, numbers, booleans and enums, as MCP allows), with `message` saying why; an
    /// accepted answer is parsed into `T`. Asked as [`ask`](Self::ask) asks.
    ///
    /// # Errors
    ///
    /// As [`ask`](Self::ask); and when what the user entered does not fit `T`.
    pub async fn elicit<T: DeserializeOwned + JsonSchema>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, ToolError> {
        let schema = result::schema_for::<T>().to_value();
        let answer = self.elicit_with(message, schema).await?;
        Ok(match answer.action {
            ElicitAction::Accept => {
                let content = Value::Object(answer.content.unwrap_or_default());
                Elicitation::Accept(serde_json::from_value(content).map_err(|e| {
                    ToolError::new(format!("the user's answer does not fit the form: {e}"))
                })?)
            }
            ElicitAction::Decline => Elicitation::Decline,
            ElicitAction::Cancel => Elicitation::Cancel,
        })
    }

    /// Asks the user to fill in the form `requested_schema` (a JSON Schema object written by
    /// hand: titled enums, defaults...). An accepted answer is checked against the schema.
    ///
    /// # Errors
    ///
    /// As [`ask`](Self::ask); and when an accepted answer does not fit the schema.
    pub async fn elicit_with(
        &self,
        message: &str,
        requested_schema: Value,
    ) -> Result<ElicitResult, ToolError> {
        let key = self.next_key();
        let answers = self
            .ask(Questions::new().form(&key, message, requested_schema))
            .await?;
        answers.form(&key)
    }

    /// Asks the client's model for a message (`sampling/createMessage`); the client may show
    /// it to the user first. Asked as [`ask`](Self::ask) asks.
    ///
    /// # Errors
    ///
    /// As [`ask`](Self::ask).
    pub async fn sample(
        &self,
        request: CreateMessageRequest,
    ) -> Result<CreateMessageResult, ToolError> {
        let key = self.next_key();
        let answers = self.ask(Questions::new().sample(&key, request)).await?;
        answers.sample(&key)
    }

    /// The key of the next question asked on its own.
    fn next_key(&self) -> String {
        let n = self
            .rounds
            .as_ref()
            .map_or(0, |rounds| rounds.next.fetch_add(1, Ordering::Relaxed));
        format!("ask-{n}")
    }

    /// Sends the client the request `method` on the request's stream and waits for its answer
    /// (handshake revisions).
    async fn request(&self, method: &str, params: Value) -> Result<Box<RawValue>, ToolError> {
        let Some((notifier, peer)) = self
            .notifier
            .as_ref()
            .and_then(|n| Some((n, n.peer.as_ref()?)))
        else {
            return Err(ToolError::new(format!(
                "the client cannot be sent {method} here: its request does not accept an event stream"
            )));
        };
        let mut ticket = peer.requests.open(peer.session.clone());
        let request = OutgoingRequest::new(&ticket.id, method, params);
        if !notifier.send_bytes(request.to_bytes()).await {
            return Err(ToolError::new("the client went away"));
        }
        tracing::debug!(tool = %self.tool, %method, "asked the client");
        match tokio::time::timeout(PEER_TIMEOUT, &mut ticket.answer).await {
            Ok(Ok(Ok(answer))) => Ok(answer),
            Ok(Ok(Err(error))) => {
                tracing::warn!(tool = %self.tool, %method, code = error.code, "the client refused");
                Err(ToolError::new(format!(
                    "the client refused {method}: {}",
                    error.message
                )))
            }
            Ok(Err(_)) => Err(ToolError::new("the client went away")),
            Err(_) => {
                tracing::warn!(tool = %self.tool, %method, "the client did not answer in time");
                Err(ToolError::new(format!(
                    "the client did not answer {method} within {} s",
                    PEER_TIMEOUT.as_secs()
                )))
            }
        }
    }
}
