//! The auth session record: who signed in, through which client, and what they decided on the
//! consent screen. The authorization server writes it; the bearer checks every new token against
//! it.

use serde::{Deserialize, Serialize};

use crate::apps::AuthApp;
use crate::consent::{AppStatus, ConsentSelection};

/// An auth session (`Namespace::Session`, by session ID): the user and what they decided on the
/// consent screen. Which apps with their own provider are authorized is the vault's to say.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub(crate) session_id: String,
    pub(crate) sub: String,
    pub(crate) client_id: String,
    pub(crate) client_name: String,
    pub(crate) authorized_apps: Vec<String>,
    pub(crate) skipped_apps: Vec<String>,
    pub(crate) pending_apps: Vec<String>,
    pub(crate) selection: Option<ConsentSelection>,
    pub(crate) created_at: u64,
}

impl SessionRecord {
    /// Where `app` stands in this session; `held`: the vault holds its tokens (for apps with
    /// their own provider). `None` for an app the session never offered nor holds.
    pub(crate) fn standing(&self, app: &AuthApp, held: bool) -> Option<AppStatus> {
        let listed = |list: &Vec<String>| list.contains(&app.id);
        if held || (!app.needs_upstream() && listed(&self.authorized_apps)) {
            Some(AppStatus::Authorized)
        } else if listed(&self.skipped_apps) {
            Some(AppStatus::Skipped)
        } else if listed(&self.authorized_apps) || listed(&self.pending_apps) {
            Some(AppStatus::Pending)
        } else {
            None
        }
    }
}
