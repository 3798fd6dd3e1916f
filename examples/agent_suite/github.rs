//! The GitHub app: repositories and issues. Like Slack, it has its own provider and is authorized
//! progressively; its tools check their token against the provider (the DEMO provider plays
//! GitHub) and keep the repositories in memory.

use std::collections::BTreeMap;
use std::sync::RwLock;

use frontmcp::prelude::*;
use serde_json::json;

use crate::provider_api;

#[derive(Deserialize, JsonSchema)]
pub struct CreateIssue {
    /// Repository as `owner/name`.
    pub repo: String,
    /// Issue title.
    pub title: String,
    /// Issue body (Markdown).
    #[serde(default)]
    pub body: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Issue {
    /// Repository.
    pub repo: String,
    /// Issue number.
    pub number: usize,
    /// Title.
    pub title: String,
    /// The GitHub user who opened it (the owner of the app token).
    pub author: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Repo {
    /// `owner/name`.
    pub name: String,
    /// Open issues.
    pub open_issues: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct Repos {
    /// Every repository.
    pub repos: Vec<Repo>,
}

pub struct GitHubApp {
    repos: RwLock<BTreeMap<String, Vec<(String, String)>>>,
}

impl Default for GitHubApp {
    fn default() -> Self {
        let repos =
            ["frontmcp/frontmcp-rs", "frontmcp/examples"].map(|r| (r.to_owned(), Vec::new()));
        Self {
            repos: RwLock::new(repos.into_iter().collect()),
        }
    }
}

#[app(
    name = "GitHub",
    description = "Code hosting: repositories and issues.",
    auth(
        mode = "transparent",
        remote(
            provider = "https://github.com/login/oauth",
            scopes("repo", "user"),
            client_id = "agent-suite",
            authorization_endpoint = "https://github.com/login/oauth/authorize",
            token_endpoint = "https://github.com/login/oauth/access_token"
        )
    )
)]
impl GitHubApp {
    /// Opens an issue in a repository.
    #[tool(scopes("repo"))]
    async fn create_issue(&self, ctx: &ToolContext, input: CreateIssue) -> ToolResult<Json<Issue>> {
        if input.title.trim().is_empty() {
            return Err(ToolError::new("an issue needs a title"));
        }
        let author = provider_api::echo(
            ctx,
            "repo",
            json!({"repo": input.repo, "title": input.title}),
        )
        .await?
        .user;
        let mut repos = self.repos.write().unwrap_or_else(|p| p.into_inner());
        let issues = repos.get_mut(&input.repo).ok_or_else(|| {
            ToolError::new(format!(
                "no repository {}; call github:list_repos",
                input.repo
            ))
        })?;
        issues.push((input.title.clone(), input.body));
        Ok(Json(Issue {
            repo: input.repo,
            number: issues.len(),
            title: input.title,
            author,
        }))
    }

    /// A repository's issues, read with the app's token.
    #[resource(
        template = "github://repos/{owner}/{name}/issues",
        mime_type = "application/json",
        scopes("repo")
    )]
    async fn issues(
        &self,
        ctx: &ToolContext,
        owner: String,
        name: String,
    ) -> ToolResult<Option<Json<serde_json::Value>>> {
        let reader = provider_api::echo(ctx, "repo", json!({"issues": format!("{owner}/{name}")}))
            .await?
            .user;
        let repos = self.repos.read().unwrap_or_else(|p| p.into_inner());
        Ok(repos.get(&format!("{owner}/{name}")).map(|issues| {
            let titles: Vec<&str> = issues.iter().map(|(title, _)| title.as_str()).collect();
            Json(json!({ "repo": format!("{owner}/{name}"), "issues": titles, "read_by": reader }))
        }))
    }

    /// Lists repositories with their open issue counts.
    #[tool(read_only = true, scopes("repo"))]
    async fn list_repos(&self, ctx: &ToolContext) -> ToolResult<Json<Repos>> {
        provider_api::echo(ctx, "repo", json!({"list": "repos"})).await?;
        let repos = self.repos.read().unwrap_or_else(|p| p.into_inner());
        Ok(Json(Repos {
            repos: repos
                .iter()
                .map(|(name, i)| Repo {
                    name: name.clone(),
                    open_issues: i.len(),
                })
                .collect(),
        }))
    }
}
