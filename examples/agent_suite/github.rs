//! The GitHub app: repositories and issues (an in-memory stand-in for GitHub's API).

use std::collections::BTreeMap;
use std::sync::RwLock;

use frontmcp::prelude::*;

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
    description = "Code hosting: repositories and issues."
)]
impl GitHubApp {
    /// Opens an issue in a repository.
    #[tool(scopes("repo"))]
    async fn create_issue(&self, input: CreateIssue) -> ToolResult<Json<Issue>> {
        if input.title.trim().is_empty() {
            return Err(ToolError::new("an issue needs a title"));
        }
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
        }))
    }

    /// Lists repositories with their open issue counts.
    #[tool(read_only = true, scopes("repo"))]
    async fn list_repos(&self) -> Json<Repos> {
        let repos = self.repos.read().unwrap_or_else(|p| p.into_inner());
        Json(Repos {
            repos: repos
                .iter()
                .map(|(name, i)| Repo {
                    name: name.clone(),
                    open_issues: i.len(),
                })
                .collect(),
        })
    }
}
