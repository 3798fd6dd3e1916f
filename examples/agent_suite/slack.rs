//! The Slack app: channels and messages (an in-memory stand-in for Slack's API).

use std::collections::BTreeMap;
use std::sync::RwLock;

use frontmcp::prelude::*;

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
}

#[derive(Serialize, JsonSchema)]
pub struct Channel {
    /// Channel name.
    pub name: String,
    /// How many messages it holds.
    pub messages: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct Channels {
    /// Every channel.
    pub channels: Vec<Channel>,
}

pub struct SlackApp {
    channels: RwLock<BTreeMap<String, Vec<String>>>,
}

impl Default for SlackApp {
    fn default() -> Self {
        let channels = ["general", "random", "engineering"].map(|c| (c.to_owned(), Vec::new()));
        Self {
            channels: RwLock::new(channels.into_iter().collect()),
        }
    }
}

#[app(name = "Slack", description = "Team messaging.")]
impl SlackApp {
    /// Posts a message to a channel.
    #[tool(scopes("chat:write"))]
    async fn send_message(&self, ctx: &ToolContext, input: SendMessage) -> ToolResult<Json<Sent>> {
        if input.message.trim().is_empty() {
            return Err(ToolError::new("the message is empty"));
        }
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        let channel = input.channel.trim_start_matches('#');
        let messages = channels.get_mut(channel).ok_or_else(|| {
            ToolError::new(format!("no channel #{channel}; call slack:list_channels"))
        })?;
        messages.push(format!(
            "[{}] {}",
            ctx.session_id().unwrap_or("stdio"),
            input.message
        ));
        Ok(Json(Sent {
            channel: channel.to_owned(),
            ts: messages.len(),
        }))
    }

    /// Lists the channels and how many messages each holds.
    #[tool(read_only = true, scopes("channels:read"))]
    async fn list_channels(&self) -> Json<Channels> {
        let channels = self.channels.read().unwrap_or_else(|p| p.into_inner());
        Json(Channels {
            channels: channels
                .iter()
                .map(|(name, m)| Channel {
                    name: name.clone(),
                    messages: m.len(),
                })
                .collect(),
        })
    }
}
