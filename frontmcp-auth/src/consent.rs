//! The data of the consent flow: which tools a client may use, what the user picked, and the
//! per-app authorization status shown on the consent screen.
//!
//! Field names serialize in camelCase exactly as the FrontMCP "Tool Consent Types" tables name
//! them (`appId`, `requiredScopes`, `selectedTools`, ...), so a stored selection or state is
//! interchangeable with the TypeScript implementation's.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The schema version written into every new [`ConsentSelection`] (`consentVersion`).
///
/// Bump it when the meaning of a stored selection changes, so that older selections can be
/// migrated or the user asked again.
pub const CONSENT_VERSION: &str = "1";

/// A tool shown on the consent screen (`ConsentToolItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentToolItem {
    /// Tool identifier, unique across the server (e.g. `slack:send_message`); the value the
    /// consent form submits for this tool.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the tool does, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The id of the app the tool belongs to.
    pub app_id: String,
    /// The OAuth scopes the tool needs.
    #[serde(default)]
    pub required_scopes: Vec<String>,
    /// Grouping category (e.g. `read`, `write`, `admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl ConsentToolItem {
    /// A tool with no description, scopes or category.
    pub fn new(id: impl Into<String>, name: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: None,
            app_id: app_id.into(),
            required_scopes: Vec::new(),
            category: None,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the required OAuth scopes.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the category.
    #[must_use]
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }
}

/// The user's tool selection, as recorded when they submit the consent screen
/// (`ConsentSelection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentSelection {
    /// The ids of the tools the user authorized.
    pub selected_tools: Vec<String>,
    /// Whether every tool offered was selected.
    pub all_selected: bool,
    /// When consent was given, in milliseconds since the Unix epoch.
    pub consented_at: u64,
    /// The schema version of this record; [`CONSENT_VERSION`] for new records.
    pub consent_version: String,
}

impl ConsentSelection {
    /// Records a selection of `selected` tool ids out of `all_tool_ids` (the tools offered), made
    /// at `now` (Unix milliseconds), with the current [`CONSENT_VERSION`].
    ///
    /// The submitted ids come from the browser, so ids that were not offered are dropped and
    /// duplicates are removed; the order of first submission is kept. `all_selected` is true when
    /// every offered tool was selected (vacuously so when none was offered).
    pub fn new<S, T>(
        selected: impl IntoIterator<Item = S>,
        all_tool_ids: impl IntoIterator<Item = T>,
        now: u64,
    ) -> Self
    where
        S: AsRef<str>,
        T: AsRef<str>,
    {
        let offered: Vec<T> = all_tool_ids.into_iter().collect();
        let mut selected_tools: Vec<String> = Vec::new();
        for id in selected {
            let id = id.as_ref();
            let is_offered = offered.iter().any(|o| o.as_ref() == id);
            if is_offered && !selected_tools.iter().any(|s| s == id) {
                selected_tools.push(id.to_owned());
            }
        }
        let all_selected = offered
            .iter()
            .all(|o| selected_tools.iter().any(|s| s == o.as_ref()));
        Self {
            selected_tools,
            all_selected,
            consented_at: now,
            consent_version: CONSENT_VERSION.to_owned(),
        }
    }

    /// Whether the tool `id` was selected.
    pub fn is_selected(&self, id: &str) -> bool {
        self.selected_tools.iter().any(|s| s == id)
    }

    /// Whether this record was written with the current [`CONSENT_VERSION`].
    pub fn is_current_version(&self) -> bool {
        self.consent_version == CONSENT_VERSION
    }
}

/// The field tools are grouped by on the consent screen (`groupBy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ConsentGroupBy {
    /// Group by [`ConsentToolItem::app_id`] (`"appId"`).
    #[default]
    #[serde(rename = "appId")]
    AppId,
    /// Group by [`ConsentToolItem::category`] (`"category"`).
    #[serde(rename = "category")]
    Category,
}

/// Everything the consent screen needs to offer tools (`ConsentState`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentState {
    /// All tools that require consent.
    pub available_tools: Vec<ConsentToolItem>,
    /// Ids of the tools selected by default (e.g. from an earlier consent).
    #[serde(default)]
    pub pre_selected: Vec<String>,
    /// How tools are grouped.
    #[serde(default)]
    pub group_by: ConsentGroupBy,
}

impl ConsentState {
    /// Whether the tool `id` is selected by default.
    pub fn is_pre_selected(&self, id: &str) -> bool {
        self.pre_selected.iter().any(|s| s == id)
    }

    /// The ids of all available tools, in order.
    pub fn tool_ids(&self) -> impl Iterator<Item = &str> {
        self.available_tools.iter().map(|t| t.id.as_str())
    }

    /// The available tools grouped by [`group_by`](Self::group_by): one `(key, tools)` entry per
    /// distinct app id or category, groups in the order their first tool appears and tools in
    /// their original order. Tools without a category share the group with the empty key `""`.
    pub fn tools_by_group(&self) -> Vec<(&str, Vec<&ConsentToolItem>)> {
        let mut groups: Vec<(&str, Vec<&ConsentToolItem>)> = Vec::new();
        for tool in &self.available_tools {
            let key = match self.group_by {
                ConsentGroupBy::AppId => tool.app_id.as_str(),
                ConsentGroupBy::Category => tool.category.as_deref().unwrap_or(""),
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, tools)) => tools.push(tool),
                None => groups.push((key, vec![tool])),
            }
        }
        groups
    }

    /// Records the user's selection out of [`available_tools`](Self::available_tools); see
    /// [`ConsentSelection::new`].
    pub fn select<S: AsRef<str>>(
        &self,
        selected: impl IntoIterator<Item = S>,
        now: u64,
    ) -> ConsentSelection {
        ConsentSelection::new(selected, self.tool_ids(), now)
    }
}

/// An identity provider offered on a federated (multi-provider) login screen
/// (`FederatedProviderItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedProviderItem {
    /// Provider identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What signing in with this provider is for, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The provider's OAuth base URL, for remote providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_url: Option<String>,
    /// The ids of the apps whose tools use this provider.
    #[serde(default)]
    pub app_ids: Vec<String>,
    /// The scopes requested from this provider.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The state of a federated login screen, where the user picks the identity providers to
/// authenticate with (`FederatedLoginState`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedLoginState {
    /// The available identity providers.
    pub providers: Vec<FederatedProviderItem>,
    /// Ids of the providers that cannot be skipped.
    #[serde(default)]
    pub required: Vec<String>,
    /// Ids of the providers the user may skip.
    #[serde(default)]
    pub optional: Vec<String>,
}

impl FederatedLoginState {
    /// Whether the provider `id` must be signed in with.
    pub fn is_required(&self, id: &str) -> bool {
        self.required.iter().any(|s| s == id)
    }

    /// Whether the provider `id` may be skipped: it is offered, listed as optional and not
    /// required.
    pub fn is_skippable(&self, id: &str) -> bool {
        self.providers.iter().any(|p| p.id == id)
            && self.optional.iter().any(|s| s == id)
            && !self.is_required(id)
    }
}

/// Where an app stands on the consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppStatus {
    /// The app's credentials are in the token vault; nothing to do.
    Authorized,
    /// The user skipped the app; it can be authorized later.
    Skipped,
    /// The user has not decided yet.
    #[default]
    Pending,
}

impl AppStatus {
    /// The badge text: `Authorized`, `Skipped` or `Pending`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Authorized => "Authorized",
            Self::Skipped => "Skipped",
            Self::Pending => "Pending",
        }
    }
}

impl fmt::Display for AppStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A button of the consent form, i.e. the value of its `action` field.
///
/// The consent page renders these values and the handler parses them back with
/// [`ConsentAction::parse`], so both sides agree on the format: `authorize:{app_id}`,
/// `skip:{app_id}` and `continue`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConsentAction {
    /// Authorize the app now (`authorize:{app_id}`); also sent by "Authorize Later".
    Authorize(String),
    /// Skip the app for now (`skip:{app_id}`).
    Skip(String),
    /// Finish with the apps authorized so far (`continue`).
    Continue,
}

impl ConsentAction {
    /// Parses a submitted `action` value; `None` when it is not one the consent page renders.
    pub fn parse(value: &str) -> Option<Self> {
        if value == "continue" {
            return Some(Self::Continue);
        }
        let (verb, app_id) = value.split_once(':')?;
        if app_id.is_empty() {
            return None;
        }
        match verb {
            "authorize" => Some(Self::Authorize(app_id.to_owned())),
            "skip" => Some(Self::Skip(app_id.to_owned())),
            _ => None,
        }
    }
}

impl fmt::Display for ConsentAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Authorize(app) => write!(f, "authorize:{app}"),
            Self::Skip(app) => write!(f, "skip:{app}"),
            Self::Continue => f.write_str("continue"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(id: &str, app: &str, category: Option<&str>) -> ConsentToolItem {
        let t = ConsentToolItem::new(id, id, app);
        match category {
            Some(c) => t.with_category(c),
            None => t,
        }
    }

    #[test]
    fn tool_item_serializes_camel_case() {
        let t = ConsentToolItem::new("slack:send_message", "send_message", "slack")
            .with_description("Send a message")
            .with_scopes(["chat:write"])
            .with_category("write");
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": "slack:send_message",
                "name": "send_message",
                "description": "Send a message",
                "appId": "slack",
                "requiredScopes": ["chat:write"],
                "category": "write",
            })
        );
        let back: ConsentToolItem = serde_json::from_value(v).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn tool_item_optional_fields_default() {
        let t: ConsentToolItem =
            serde_json::from_str(r#"{"id":"a","name":"A","appId":"x"}"#).unwrap();
        assert_eq!(t, ConsentToolItem::new("a", "A", "x"));
        let v = serde_json::to_value(&t).unwrap();
        assert!(v.get("description").is_none());
        assert!(v.get("category").is_none());
        assert_eq!(v["requiredScopes"], serde_json::json!([]));
    }

    #[test]
    fn selection_computes_all_selected() {
        let all = ["a", "b", "c"];
        let some = ConsentSelection::new(["a", "c"], all, 1_700_000_000_000);
        assert_eq!(some.selected_tools, ["a", "c"]);
        assert!(!some.all_selected);
        assert_eq!(some.consented_at, 1_700_000_000_000);
        assert_eq!(some.consent_version, CONSENT_VERSION);
        assert!(some.is_current_version());
        assert!(some.is_selected("c") && !some.is_selected("b"));

        let every = ConsentSelection::new(["c", "b", "a"], all, 0);
        assert!(every.all_selected);
        assert_eq!(every.selected_tools, ["c", "b", "a"]);

        let none = ConsentSelection::new(Vec::<String>::new(), all, 0);
        assert!(!none.all_selected);
        assert!(none.selected_tools.is_empty());

        let vacuous = ConsentSelection::new(Vec::<&str>::new(), Vec::<&str>::new(), 0);
        assert!(vacuous.all_selected);
    }

    #[test]
    fn selection_drops_unknown_and_duplicate_ids() {
        let sel = ConsentSelection::new(["a", "evil", "a", "b"], ["a", "b"], 5);
        assert_eq!(sel.selected_tools, ["a", "b"]);
        assert!(sel.all_selected);
    }

    #[test]
    fn selection_serializes_camel_case() {
        let sel = ConsentSelection::new(["a"], ["a", "b"], 42);
        assert_eq!(
            serde_json::to_value(&sel).unwrap(),
            serde_json::json!({
                "selectedTools": ["a"],
                "allSelected": false,
                "consentedAt": 42,
                "consentVersion": "1",
            })
        );
    }

    #[test]
    fn group_by_serializes_as_in_the_tables() {
        assert_eq!(
            serde_json::to_value(ConsentGroupBy::AppId).unwrap(),
            serde_json::json!("appId")
        );
        assert_eq!(
            serde_json::to_value(ConsentGroupBy::Category).unwrap(),
            serde_json::json!("category")
        );
        let g: ConsentGroupBy = serde_json::from_str(r#""category""#).unwrap();
        assert_eq!(g, ConsentGroupBy::Category);
    }

    #[test]
    fn state_serializes_camel_case_and_defaults() {
        let state = ConsentState {
            available_tools: vec![tool("a", "x", None)],
            pre_selected: vec!["a".into()],
            group_by: ConsentGroupBy::Category,
        };
        let v = serde_json::to_value(&state).unwrap();
        assert_eq!(v["preSelected"], serde_json::json!(["a"]));
        assert_eq!(v["groupBy"], serde_json::json!("category"));
        assert_eq!(v["availableTools"][0]["appId"], serde_json::json!("x"));

        let minimal: ConsentState = serde_json::from_str(r#"{"availableTools":[]}"#).unwrap();
        assert_eq!(minimal, ConsentState::default());
        assert_eq!(minimal.group_by, ConsentGroupBy::AppId);
    }

    #[test]
    fn tools_by_group_keeps_first_seen_order() {
        let mut state = ConsentState {
            available_tools: vec![
                tool("gh:list", "github", Some("read")),
                tool("sl:send", "slack", Some("write")),
                tool("gh:create", "github", Some("write")),
                tool("crm:get", "crm", None),
                tool("sl:list", "slack", Some("read")),
            ],
            ..Default::default()
        };
        let by_app: Vec<(&str, Vec<&str>)> = state
            .tools_by_group()
            .into_iter()
            .map(|(k, ts)| (k, ts.iter().map(|t| t.id.as_str()).collect()))
            .collect();
        assert_eq!(
            by_app,
            [
                ("github", vec!["gh:list", "gh:create"]),
                ("slack", vec!["sl:send", "sl:list"]),
                ("crm", vec!["crm:get"]),
            ]
        );

        state.group_by = ConsentGroupBy::Category;
        let by_cat: Vec<(&str, Vec<&str>)> = state
            .tools_by_group()
            .into_iter()
            .map(|(k, ts)| (k, ts.iter().map(|t| t.id.as_str()).collect()))
            .collect();
        assert_eq!(
            by_cat,
            [
                ("read", vec!["gh:list", "sl:list"]),
                ("write", vec!["sl:send", "gh:create"]),
                ("", vec!["crm:get"]),
            ]
        );

        assert!(ConsentState::default().tools_by_group().is_empty());
    }

    #[test]
    fn state_select_and_pre_selected() {
        let state = ConsentState {
            available_tools: vec![tool("a", "x", None), tool("b", "x", None)],
            pre_selected: vec!["b".into()],
            group_by: ConsentGroupBy::AppId,
        };
        assert!(state.is_pre_selected("b") && !state.is_pre_selected("a"));
        assert_eq!(state.tool_ids().collect::<Vec<_>>(), ["a", "b"]);
        let sel = state.select(["b", "a", "zzz"], 9);
        assert_eq!(sel.selected_tools, ["b", "a"]);
        assert!(sel.all_selected);
    }

    #[test]
    fn federated_state() {
        let p = |id: &str| FederatedProviderItem {
            id: id.into(),
            name: id.into(),
            description: None,
            provider_url: None,
            app_ids: vec![],
            scopes: vec![],
        };
        let state = FederatedLoginState {
            providers: vec![p("auth0"), p("github"), p("slack")],
            required: vec!["auth0".into()],
            optional: vec!["github".into(), "slack".into(), "ghost".into()],
        };
        assert!(state.is_required("auth0"));
        assert!(!state.is_skippable("auth0"));
        assert!(state.is_skippable("github"));
        assert!(!state.is_skippable("ghost"));
        let v = serde_json::to_value(&state).unwrap();
        assert_eq!(v["providers"][0]["appIds"], serde_json::json!([]));
        assert_eq!(v["required"], serde_json::json!(["auth0"]));
        let back: FederatedLoginState = serde_json::from_value(v).unwrap();
        assert_eq!(back, state);
    }

    #[test]
    fn app_status_labels_and_serde() {
        assert_eq!(AppStatus::Authorized.to_string(), "Authorized");
        assert_eq!(AppStatus::Skipped.label(), "Skipped");
        assert_eq!(AppStatus::Pending.label(), "Pending");
        assert_eq!(
            serde_json::to_value(AppStatus::Authorized).unwrap(),
            serde_json::json!("authorized")
        );
    }

    #[test]
    fn consent_action_round_trips() {
        for a in [
            ConsentAction::Authorize("github".into()),
            ConsentAction::Skip("slack".into()),
            ConsentAction::Continue,
            ConsentAction::Authorize("ns:app".into()),
        ] {
            assert_eq!(ConsentAction::parse(&a.to_string()), Some(a));
        }
        assert_eq!(ConsentAction::parse("authorize:"), None);
        assert_eq!(ConsentAction::parse("delete:github"), None);
        assert_eq!(ConsentAction::parse("Continue"), None);
        assert_eq!(ConsentAction::parse(""), None);
    }
}
