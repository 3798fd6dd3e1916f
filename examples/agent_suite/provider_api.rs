//! Calls to an app's provider API with the app's token from the vault.
//!
//! The example's providers are the DEMO provider (`frontmcp-demo-provider`), whose small API
//! (`/api/echo?scope=...`) checks the token and its scope and says which upstream user it belongs
//! to. Tools for the real Slack or GitHub would call their APIs the same way.

use std::sync::LazyLock;
use std::time::Duration;

use frontmcp::prelude::*;
use serde_json::Value;

static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the HTTP client configuration is valid")
});

/// What the provider's echo API answers.
#[derive(Deserialize)]
pub struct Echoed {
    /// The upstream user the token belongs to.
    pub user: String,
}

/// Sends `body` to the provider's echo API with the app token, which must carry `scope`.
///
/// A 401 means the provider no longer accepts the token: the runtime drops it and the call
/// answers `AUTH_REQUIRED` with a fresh authorization link.
pub async fn echo(ctx: &ToolContext, scope: &str, body: Value) -> ToolResult<Echoed> {
    let token = ctx.app_token().await?;
    let provider = ctx
        .app_provider()
        .ok_or_else(|| ToolError::new("this app has no provider"))?;
    let response = HTTP
        .post(format!("{provider}/api/echo"))
        .query(&[("scope", scope)])
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    match response.status().as_u16() {
        200 => Ok(response.json().await?),
        401 => Err(ctx.app_token_rejected().await),
        status => Err(ToolError::new(format!(
            "the provider answered {status}: {}",
            response.text().await.unwrap_or_default()
        ))),
    }
}
