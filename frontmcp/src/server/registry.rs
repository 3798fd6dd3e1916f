//! The apps and tools of a server, validated once and indexed for dispatch.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use frontmcp_auth::ServerAuth;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{App, AppDescriptor, BuildError, ToolNaming};
use crate::protocol::mcp::{Implementation, Prompt, Resource, ResourceTemplate, Tool};
use crate::protocol::stateless::{CacheHints, CacheScope, Complete, ServerIdentity};
use frontmcp_rules::uri::UriTemplate;

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
    /// The arguments a 2026-07-28 client mirrors into `Mcp-Param-{Header}` headers (their
    /// input schema property says `"x-mcp-header": "Header"`, SEP-2243): `(argument, header)`.
    pub(crate) header_params: Vec<(String, String)>,
}

/// A resource's or a template's place: which app serves it, under which local name.
#[derive(Debug)]
pub(crate) struct ResourceEntry {
    pub(crate) app: usize,
    pub(crate) local_name: Arc<str>,
    /// The URI, or the template as written.
    pub(crate) uri: Arc<str>,
    pub(crate) template: Option<UriTemplate>,
    pub(crate) scopes: Vec<String>,
}

/// A prompt's place.
#[derive(Debug)]
pub(crate) struct PromptEntry {
    pub(crate) app: usize,
    pub(crate) local_name: Arc<str>,
    pub(crate) full_name: Arc<str>,
    pub(crate) scopes: Vec<String>,
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
    /// Resources by URI, and as listed, in order.
    resources: HashMap<Arc<str>, usize>,
    pub(crate) resource_entries: Vec<ResourceEntry>,
    pub(crate) listed_resources: Vec<Resource>,
    /// Templates, tried in order, and as listed.
    pub(crate) template_entries: Vec<ResourceEntry>,
    pub(crate) listed_templates: Vec<ResourceTemplate>,
    /// Prompts by full name, and as listed, in order.
    prompts: HashMap<Arc<str>, usize>,
    pub(crate) prompt_entries: Vec<PromptEntry>,
    pub(crate) listed_prompts: Vec<Prompt>,
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
        let mut served = Served::default();
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
                    scopes: needed_scopes(&full_name, &tool.scopes)?,
                    has_output_schema: tool.output_schema.is_some(),
                    header_params: header_params(tool.input_schema.as_value()),
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
            served.add(index, &desc, naming)?;
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
            resources: served.resources,
            resource_entries: served.resource_entries,
            listed_resources: served.listed_resources,
            template_entries: served.template_entries,
            listed_templates: served.listed_templates,
            prompts: served.prompts,
            prompt_entries: served.prompt_entries,
            listed_prompts: served.listed_prompts,
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

    /// The resource `uri` names, with the variables of its template: a resource of that URI
    /// first, else the first template that matches.
    pub(crate) fn resource(&self, uri: &str) -> Option<(&ResourceEntry, Vec<(&str, String)>)> {
        if let Some(&index) = self.resources.get(uri) {
            return Some((&self.resource_entries[index], Vec::new()));
        }
        self.template_entries.iter().find_map(|entry| {
            let values = entry.template.as_ref()?.matches(uri)?;
            Some((entry, values))
        })
    }

    /// The template written `template`.
    pub(crate) fn template(&self, template: &str) -> Option<&ResourceEntry> {
        self.template_entries
            .iter()
            .find(|entry| &*entry.uri == template)
    }

    pub(crate) fn prompt(&self, full_name: &str) -> Option<&PromptEntry> {
        self.prompts
            .get(full_name)
            .map(|&index| &self.prompt_entries[index])
    }

    /// Whether the server has resources or templates.
    pub(crate) fn has_resources(&self) -> bool {
        !self.resource_entries.is_empty() || !self.template_entries.is_empty()
    }

    /// Whether the server has prompts.
    pub(crate) fn has_prompts(&self) -> bool {
        !self.prompt_entries.is_empty()
    }

    /// The slice of `items` a cursor points at, and the cursor of the next page; `None` for a
    /// cursor this server did not issue.
    pub(crate) fn paged<'a, T>(
        &self,
        items: &'a [T],
        cursor: Option<&str>,
    ) -> Option<(&'a [T], Option<String>)> {
        let pages = items.len().div_ceil(self.page_size).max(1);
        let index = match cursor {
            None => 0,
            Some(c) => decode_cursor(c)?,
        };
        if index >= pages {
            return None;
        }
        let start = index * self.page_size;
        let end = (start + self.page_size).min(items.len());
        let next = (index + 1 < pages).then(|| encode_cursor(index + 1));
        Some((&items[start.min(end)..end], next))
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

/// The resources, templates and prompts of the apps, as they are registered.
#[derive(Default)]
struct Served {
    resources: HashMap<Arc<str>, usize>,
    resource_entries: Vec<ResourceEntry>,
    listed_resources: Vec<Resource>,
    template_entries: Vec<ResourceEntry>,
    listed_templates: Vec<ResourceTemplate>,
    prompts: HashMap<Arc<str>, usize>,
    prompt_entries: Vec<PromptEntry>,
    listed_prompts: Vec<Prompt>,
}

impl Served {
    /// Checks and adds the resources, templates and prompts of app `index`: URIs are the
    /// server's (no two apps serve one), prompt names are namespaced as tool names are.
    fn add(
        &mut self,
        index: usize,
        desc: &AppDescriptor,
        naming: &ToolNaming,
    ) -> Result<(), BuildError> {
        let meta = || {
            Some(serde_json::Map::from_iter([(
                APP_META.to_owned(),
                Value::String(desc.id.to_string()),
            )]))
        };
        let mut local_names: Vec<&str> = Vec::new();
        for resource in &desc.resources {
            if local_names.contains(&&*resource.name) {
                return Err(BuildError::DuplicateResource(format!(
                    "{} (name of two resources of app {})",
                    resource.name, desc.id
                )));
            }
            local_names.push(&resource.name);
            let uri: Arc<str> = resource.uri.as_ref().into();
            let scopes = needed_scopes(&resource.uri, &resource.scopes)?;
            let entry = |template| ResourceEntry {
                app: index,
                local_name: resource.name.as_ref().into(),
                uri: uri.clone(),
                template,
                scopes,
            };
            let text =
                |v: &Option<std::borrow::Cow<'static, str>>| v.as_ref().map(|v| v.to_string());
            if resource.template {
                let template = UriTemplate::parse(&resource.uri)
                    .map_err(|e| BuildError::BadResourceUri(format!("{}: {e}", resource.uri)))?;
                if self.template_entries.iter().any(|t| t.uri == uri) {
                    return Err(BuildError::DuplicateResource(uri.to_string()));
                }
                self.template_entries.push(entry(Some(template)));
                self.listed_templates.push(ResourceTemplate {
                    uri_template: uri.to_string(),
                    name: resource.name.to_string(),
                    title: text(&resource.title),
                    description: text(&resource.description),
                    mime_type: text(&resource.mime_type),
                    meta: meta(),
                });
            } else {
                if !frontmcp_rules::uri::is_valid_resource_uri(&resource.uri) {
                    return Err(BuildError::BadResourceUri(format!(
                        "{}: {}",
                        resource.uri,
                        frontmcp_rules::uri::RESOURCE_URI_RULE
                    )));
                }
                if self
                    .resources
                    .insert(uri.clone(), self.resource_entries.len())
                    .is_some()
                {
                    return Err(BuildError::DuplicateResource(uri.to_string()));
                }
                self.resource_entries.push(entry(None));
                self.listed_resources.push(Resource {
                    uri: uri.to_string(),
                    name: resource.name.to_string(),
                    title: text(&resource.title),
                    description: text(&resource.description),
                    mime_type: text(&resource.mime_type),
                    meta: meta(),
                });
            }
        }
        for prompt in &desc.prompts {
            let full_name = naming.full_name(&desc.id, &prompt.name);
            if !frontmcp_rules::is_valid_tool_name(&prompt.name)
                || full_name.len() > frontmcp_rules::MAX_TOOL_NAME_LEN
            {
                return Err(BuildError::BadPromptName(full_name));
            }
            let full_name: Arc<str> = full_name.into();
            if self
                .prompts
                .insert(full_name.clone(), self.prompt_entries.len())
                .is_some()
            {
                return Err(BuildError::DuplicatePrompt(full_name.to_string()));
            }
            self.prompt_entries.push(PromptEntry {
                app: index,
                local_name: prompt.name.as_ref().into(),
                full_name: full_name.clone(),
                scopes: needed_scopes(&full_name, &prompt.scopes)?,
            });
            self.listed_prompts.push(Prompt {
                name: full_name.to_string(),
                title: prompt.title.as_ref().map(|t| t.to_string()),
                description: prompt.description.as_ref().map(|d| d.to_string()),
                arguments: prompt.arguments.clone(),
                meta: meta(),
            });
        }
        Ok(())
    }
}

/// Cursors are opaque to clients; a prefix keeps a stray string from reading as a page number.
fn encode_cursor(page: usize) -> String {
    format!("page-{page}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("page-")?.parse().ok()
}

/// The `(property, header)` pairs of an input schema's properties marked `x-mcp-header`.
fn header_params(schema: &Value) -> Vec<(String, String)> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(name, property)| {
            let header = property.get("x-mcp-header")?.as_str()?;
            Some((name.clone(), header.to_owned()))
        })
        .collect()
}

/// The scopes `owner` (a tool, resource or prompt) needs, each one OAuth scope.
fn needed_scopes(owner: &str, scopes: &[Cow<'static, str>]) -> Result<Vec<String>, BuildError> {
    scopes
        .iter()
        .map(|scope| {
            if frontmcp_rules::is_valid_scope(scope) {
                Ok(scope.to_string())
            } else {
                Err(BuildError::BadScope {
                    owner: owner.to_owned(),
                    scope: scope.to_string(),
                })
            }
        })
        .collect()
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
