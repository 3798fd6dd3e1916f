//! The Slack app: channels and messages. It has its own provider, so the user authorizes it
//! progressively, the first time one of its tools is called. Each tool checks its token against
//! the provider (the DEMO provider plays Slack; see `provider_api`) and keeps the channels in
//! memory so every call has a visible effect.

use std::collections::BTreeMap;
use std::sync::RwLock;

use frontmcp::prelude::*;
use serde_json::json;

use crate::provider_api;

#[derive(Deserialize, JsonSchema)]
pub struct SendMessage {
    /// Channel name, without `#`.
    pub channel: String,
    /// The message text.
    pub message: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Sent {
    /// Where the message went.
    pub channel: String,
    /// Its timestamp-like ID within the channel.
    pub ts: usize,
    /// The Slack user it was posted as (the owner of the app token).
    pub posted_as: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Channel {
    /// Channel name.
    pub name: String,
    /// How many messages were posted to it.
    pub messages: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct Channels {
    /// Every channel.
    pub channels: Vec<Channel>,
}

pub struct SlackApp {
    /// Each channel with the number of messages posted to it: a count, not the texts, so a
    /// long-running demo does not grow with every message.
    channels: RwLock<BTreeMap<String, usize>>,
}

impl Default for SlackApp {
    fn default() -> Self {
        let channels = ["general", "random", "engineering"].map(|c| (c.to_owned(), 0));
        Self {
            channels: RwLock::new(channels.into_iter().collect()),
        }
    }
}

#[app(
    name = "Slack",
    description = "Team messaging.",
    auth(
        mode = "transparent",
        remote(
            provider = "https://slack.com/oauth",
            scopes("chat:write", "channels:read"),
            client_id = "agent-suite",
            authorization_endpoint = "https://slack.com/oauth/v2/authorize",
            token_endpoint = "https://slack.com/api/oauth.v2.access"
        )
    )
)]
impl SlackApp {
    /// Posts a message to a channel.
    #[tool(scopes("chat:write"))]
    async fn send_message(&self, ctx: &ToolContext, input: SendMessage) -> ToolResult<Json<Sent>> {
        if input.message.trim().is_empty() {
            return Err(ToolError::new("the message is empty"));
        }
        let channel = input.channel.trim_start_matches('#').to_owned();
        if !self.read().contains_key(&channel) {
            return Err(ToolError::new(format!(
                "no channel #{channel}; call slack:list_channels"
            )));
        }
        let posted = provider_api::echo(
            ctx,
            "chat:write",
            json!({"channel": channel, "text": input.message}),
        )
        .await?;
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        let posted_so_far = channels.entry(channel.clone()).or_default();
        *posted_so_far += 1;
        Ok(Json(Sent {
            channel,
            ts: *posted_so_far,
            posted_as: posted.user,
        }))
    }

    /// Lists the channels and how many messages each holds.
    #[tool(read_only = true, scopes("channels:read"))]
    async fn list_channels(&self, ctx: &ToolContext) -> ToolResult<Json<Channels>> {
        provider_api::echo(ctx, "channels:read", json!({"list": "channels"})).await?;
        let channels = self.read();
        Ok(Json(Channels {
            channels: channels
                .iter()
                .map(|(name, posted)| Channel {
                    name: name.clone(),
                    messages: *posted,
                })
                .collect(),
        }))
    }
}

impl SlackApp {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, usize>> {
        self.channels.read().unwrap_or_else(|p| p.into_inner())
    }
}
