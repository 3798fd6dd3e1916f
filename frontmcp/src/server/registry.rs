//! The apps and tools of a server, validated once and indexed for dispatch.

use std::collections::HashMap;
use std::sync::Arc;

use frontmcp_auth::ServerAuth;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{App, AppDescriptor, BuildError, ToolNaming};
use crate::protocol::mcp::{Implementation, Tool};
use crate::protocol::stateless::{CacheHints, CacheScope, Complete, ServerIdentity};

/// `_meta` key of a listed tool's app.
pub(crate) const APP_META: &str = "dev.frontmcp/app";
/// `_meta` key saying whether the user has authorized a listed tool's app (and its scopes).
pub(crate) const AUTHORIZED_META: &str = "dev.frontmcp/authorized";

/// How long a listing that is the same for everyone stays fresh: the tools of a server do not
/// change while it runs.
pub(crate) const PUBLIC_LIST_TTL_MS: u64 = 3_600_000;

/// A tool's place: which app serves it and under which local name.
#[derive(Debug)]
pub(crate) struct ToolEntry {
    pub(crate) app: usize,
    pub(crate) local_name: Arc<str>,
    pub(crate) full_name: Arc<str>,
    /// The scopes the tool needs (`#[tool(scopes(...))]`).
    pub(crate) scopes: Vec<String>,
    /// Whether it declares an `outputSchema` (its `structuredContent` must then conform).
    pub(crate) has_output_schema: bool,
}

/// One `tools/list` page: its tools, and the cursor of the next one.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<'a> {
    pub(crate) tools: &'a [Tool],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_cursor: Option<String>,
}

/// Apps, their tools in registration order (the deterministic `tools/list` order), and the
/// `tools/list` pages serialized in advance for both wires.
pub(crate) struct Registry {
    pub(crate) apps: Vec<(Arc<dyn App>, AppDescriptor, Arc<str>)>,
    tools: HashMap<Arc<str>, ToolEntry>,
    /// Every tool as listed, in order.
    listed: Vec<Tool>,
    page_size: usize,
    /// `tools/list` results, one per page, already JSON: for the handshake revisions, and for
    /// 2026-07-28 (with `resultType`, caching hints and the server's identity).
    pages: Vec<Box<RawValue>>,
    stateless_pages: Vec<Box<RawValue>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("apps", &self.apps.len())
            .field("tools", &self.tools.len())
            .finish()
    }
}

impl Registry {
    pub(crate) fn build(
        apps: Vec<Arc<dyn App>>,
        naming: &ToolNaming,
        auth: &ServerAuth,
        page_size: usize,
        info: &Implementation,
    ) -> Result<Self, BuildError> {
        if apps.is_empty() {
            return Err(BuildError::NoApps);
        }
        auth.validate()?;
        let mut listed = Vec::new();
        let mut tools = HashMap::new();
        let mut registered = Vec::with_capacity(apps.len());
        for (index, app) in apps.into_iter().enumerate() {
            let desc = app.descriptor();
            if !frontmcp_rules::is_valid_app_id(&desc.id) {
                return Err(BuildError::BadAppId(desc.id.to_string()));
            }
            if frontmcp_rules::is_reserved_app_id(&desc.id) {
                return Err(BuildError::ReservedAppId(desc.id.to_string()));
            }
            if registered.iter().any(|(_, d, _): &(_, AppDescriptor, _)| {
                frontmcp_rules::app_ids_clash(&d.id, &desc.id)
            }) {
                return Err(BuildError::DuplicateApp(desc.id.to_string()));
            }
            auth.validate_app(&desc.id, &desc.auth)?;
            for tool in &desc.tools {
                let full_name = naming.full_name(&desc.id, &tool.name);
                if !frontmcp_rules::is_valid_tool_name(&tool.name)
                    || full_name.len() > frontmcp_rules::MAX_TOOL_NAME_LEN
                    || !frontmcp_rules::is_valid_separator(&naming.separator)
                {
                    return Err(BuildError::BadToolName(full_name));
                }
                check_object_schema(&full_name, "input", tool.input_schema.as_value())?;
                if let Some(output) = &tool.output_schema {
                    check_object_schema(&full_name, "output", output.as_value())?;
                }
                let full_name: Arc<str> = full_name.into();
                let entry = ToolEntry {
                    app: index,
                    local_name: tool.name.as_ref().into(),
                    full_name: full_name.clone(),
                    scopes: tool.scopes.iter().map(|s| s.to_string()).collect(),
                    has_output_schema: tool.output_schema.is_some(),
                };
                if tools.insert(full_name.clone(), entry).is_some() {
                    return Err(BuildError::DuplicateTool(full_name.to_string()));
                }
                listed.push(Tool {
                    name: full_name.to_string(),
                    title: tool.title.as_ref().map(|t| t.to_string()),
                    description: tool.description.as_ref().map(|d| d.to_string()),
                    input_schema: tool.input_schema.as_value().clone(),
                    output_schema: tool.output_schema.as_ref().map(|s| s.as_value().clone()),
                    annotations: tool.annotations.clone(),
                    meta: Some(serde_json::Map::from_iter([(
                        APP_META.to_owned(),
                        Value::String(desc.id.to_string()),
                    )])),
                });
            }
            let id: Arc<str> = desc.id.as_ref().into();
            registered.push((app, desc, id));
        }
        let mut registry = Self {
            apps: registered,
            tools,
            listed,
            page_size: page_size.max(1),
            pages: Vec::new(),
            stateless_pages: Vec::new(),
        };
        let hints = CacheHints {
            ttl_ms: PUBLIC_LIST_TTL_MS,
            cache_scope: CacheScope::Public,
        };
        let identity = ServerIdentity::new(info);
        let to_raw =
            |page: Result<Box<RawValue>, serde_json::Error>| page.expect("tool listings serialize");
        for index in 0..registry.page_count() {
            let page = registry.page_at(index, &registry.listed);
            let legacy = to_raw(serde_json::value::to_raw_value(&page));
            let stateless = to_raw(serde_json::value::to_raw_value(
                &Complete::new(page, &identity).cached(hints),
            ));
            registry.pages.push(legacy);
            registry.stateless_pages.push(stateless);
        }
        Ok(registry)
    }

    pub(crate) fn tool(&self, full_name: &str) -> Option<&ToolEntry> {
        self.tools.get(full_name)
    }

    /// Every tool as listed, in order.
    pub(crate) fn listed(&self) -> &[Tool] {
        &self.listed
    }

    /// The page index a cursor points at; `None` for a cursor this server did not issue.
    pub(crate) fn page_index(&self, cursor: Option<&str>) -> Option<usize> {
        let index = match cursor {
            None => 0,
            Some(c) => decode_cursor(c)?,
        };
        (index < self.page_count()).then_some(index)
    }

    /// The serialized page `index` (from [`page_index`](Self::page_index)), for the wire of
    /// `stateless` callers.
    pub(crate) fn serialized_page(&self, index: usize, stateless: bool) -> &RawValue {
        if stateless {
            &self.stateless_pages[index]
        } else {
            &self.pages[index]
        }
    }

    /// Page `index` of `tools` (the listed tools, or a copy of them told apart per user).
    pub(crate) fn page_at<'a>(&self, index: usize, tools: &'a [Tool]) -> Page<'a> {
        let start = index * self.page_size;
        let end = (start + self.page_size).min(tools.len());
        Page {
            tools: &tools[start.min(end)..end],
            next_cursor: (index + 1 < self.page_count()).then(|| encode_cursor(index + 1)),
        }
    }

    fn page_count(&self) -> usize {
        self.listed.len().div_ceil(self.page_size).max(1)
    }
}

/// Cursors are opaque to clients; a prefix keeps a stray string from reading as a page number.
fn encode_cursor(page: usize) -> String {
    format!("page-{page}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("page-")?.parse().ok()
}

fn check_object_schema(tool: &str, which: &'static str, schema: &Value) -> Result<(), BuildError> {
    match schema.get("type") {
        Some(Value::String(t)) if t == "object" => Ok(()),
        other => Err(BuildError::SchemaNotObject {
            tool: tool.to_owned(),
            which,
            found: other.map_or_else(|| "no \"type\"".to_owned(), |t| t.to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        assert_eq!(decode_cursor(&encode_cursor(3)), Some(3));
        assert_eq!(decode_cursor("3"), None);
        assert_eq!(decode_cursor("page-x"), None);
    }
}
