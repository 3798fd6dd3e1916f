//! From an OpenAPI 3.0 or 3.1 document to tools: one per operation, with its input schema
//! assembled from the path, query and header parameters and the JSON request body, its output
//! schema from the JSON 2xx response, and local `$ref`s gathered under `$defs`.
//!
//! What cannot be served (cookie parameters, non-JSON request bodies, parameters described by
//! `content`, external `$ref`s...) skips the operation with a warning naming it, rather than
//! failing the server.

use std::collections::{BTreeMap, BTreeSet};

use http::Method;
use serde_json::{Map, Value, json};

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
        }
    }
}

/// A parameter as the tool's input names it.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// The input property.
    pub(crate) property: String,
    /// The name in the request.
    pub(crate) name: String,
    pub(crate) location: Location,
    /// Arrays in the query: one `name=value` per item (`explode`, the default) or one
    /// comma-separated value.
    pub(crate) explode: bool,
}

/// An operation a tool performs.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) tool: String,
    pub(crate) method: Method,
    /// The path template (`/pets/{petId}`).
    pub(crate) path: String,
    pub(crate) params: Vec<Param>,
    /// The input property holding the JSON request body, if the operation takes one.
    pub(crate) body: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) input_schema: Value,
    pub(crate) output_schema: Option<Value>,
    /// OAuth scopes of the operation's first security requirement.
    pub(crate) scopes: Vec<String>,
}

/// What reading a document produced.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// `servers[0].url` with its variables' defaults, as written (maybe relative).
    pub(crate) server: Option<String>,
    pub(crate) operations: Vec<Operation>,
    /// `(operation, why)` for every operation left out.
    pub(crate) skipped: Vec<(String, String)>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Longest tool name taken from a spec (the app's ID and a separator come on top).
const MAX_NAME: usize = 64;

/// Reads `doc`, naming tools apart from those in `names` (other specs of the same app); `Err`
/// when it is not an OpenAPI 3.0 or 3.1 document at all.
pub(crate) fn read(doc: &Value, names: &mut BTreeSet<String>) -> Result<Document, String> {
    let version = match doc.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ if doc.get("swagger").is_some() => {
            return Err("Swagger 2.0 documents are not supported: convert to OpenAPI 3".into());
        }
        _ => return Err("no `openapi` version field: not an OpenAPI document".into()),
    };
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(format!(
            "OpenAPI {version} is not supported (3.0 and 3.1 are)"
        ));
    }
    let paths = match doc.get("paths") {
        Some(Value::Object(paths)) => paths,
        None => &Map::new(),
        Some(_) => return Err("`paths` is not an object".into()),
    };
    let info = doc.get("info");
    let mut out = Document {
        title: string(info, "title"),
        description: string(info, "description"),
        server: server_url(doc),
        operations: Vec::new(),
        skipped: Vec::new(),
    };
    for (path, item) in paths {
        let item = match resolve(doc, item) {
            Ok(item) => item,
            Err(why) => {
                out.skipped.push((path.clone(), why));
                continue;
            }
        };
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let label = format!("{} {path}", method.to_uppercase());
            match read_operation(doc, path, method, item, operation, names) {
                Ok(op) => out.operations.push(op),
                Err(why) => out.skipped.push((label, why)),
            }
        }
    }
    Ok(out)
}

fn string(value: Option<&Value>, key: &str) -> Option<String> {
    value?
        .get(key)?
        .as_str()
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
}

/// `servers[0].url`, its `{variables}` replaced by their defaults.
fn server_url(doc: &Value) -> Option<String> {
    let server = doc.get("servers")?.get(0)?;
    let mut url = server.get("url")?.as_str()?.to_owned();
    if let Some(Value::Object(variables)) = server.get("variables") {
        for (name, variable) in variables {
            if let Some(default) = variable.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    Some(url)
}

fn read_operation(
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    operation: &Value,
    names: &mut BTreeSet<String>,
) -> Result<Operation, String> {
    if !path.starts_with('/') {
        // Glued to the base URL, it could name another host (`@evil.example/x`).
        return Err("the path does not start with `/`".into());
    }
    let mut defs = Defs::new(doc, Direction::Input);
    // Path-level parameters, overridden by the operation's own of the same name and location.
    let mut raw: Vec<Value> = Vec::new();
    for list in [item.get("parameters"), operation.get("parameters")] {
        for param in list.and_then(Value::as_array).into_iter().flatten() {
            let param = resolve(doc, param)?.clone();
            let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
            raw.retain(|p| key(p) != key(&param));
            raw.push(param);
        }
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut params = Vec::new();
    for param in &raw {
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a parameter has no name")?;
        let location = match param.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some("cookie") => return Err(format!("cookie parameter `{name}` is not supported")),
            other => return Err(format!("parameter `{name}` is in {other:?}")),
        };
        if location == Location::Header
            && ["accept", "content-type", "authorization"].contains(&name.to_lowercase().as_str())
        {
            // Set by the adapter itself.
            continue;
        }
        if param.get("content").is_some() {
            return Err(format!(
                "parameter `{name}` is described by `content`, which is not supported"
            ));
        }
        let style = param.get("style").and_then(Value::as_str);
        let default_style = match location {
            Location::Query => "form",
            _ => "simple",
        };
        if style.is_some_and(|s| s != default_style) {
            return Err(format!(
                "parameter `{name}` has style `{}`, which is not supported",
                style.unwrap_or_default()
            ));
        }
        let mut schema = match param.get("schema") {
            Some(schema) => defs.convert(schema)?,
            None => json!({"type": "string"}),
        };
        if location != Location::Path
            && matches!(resolve(doc, param.get("schema").unwrap_or(&Value::Null))?.get("type"), Some(Value::String(t)) if t == "object")
        {
            return Err(format!(
                "{} parameter `{name}` is an object, which is not supported",
                location.as_str()
            ));
        }
        if let (Some(description), Value::Object(s)) = (param.get("description"), &mut schema) {
            s.entry("description").or_insert(description.clone());
        }
        let property = property_name(name, location, &properties);
        if location == Location::Path || param.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::String(property.clone()));
        }
        properties.insert(property.clone(), schema);
        params.push(Param {
            property,
            name: name.to_owned(),
            location,
            explode: param
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        });
    }
    for segment in path.split('{').skip(1) {
        let name = segment.split('}').next().unwrap_or("");
        if !params
            .iter()
            .any(|p| p.location == Location::Path && p.name == name)
        {
            return Err(format!("path parameter `{name}` is not declared"));
        }
    }
    let body = match operation.get("requestBody") {
        None => None,
        Some(body) => {
            let body = resolve(doc, body)?;
            let schema =
                json_content(body).ok_or("the request body is not JSON, which is not supported")?;
            let mut property = "body".to_owned();
            while properties.contains_key(&property) {
                property.insert_str(0, "request_");
            }
            let mut schema = defs.convert(&schema)?;
            if let (Some(description), Value::Object(s)) = (body.get("description"), &mut schema) {
                s.entry("description").or_insert(description.clone());
            }
            if body.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::String(property.clone()));
            }
            properties.insert(property.clone(), schema);
            Some(property)
        }
    };
    let mut input_schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        input_schema["required"] = Value::Array(required);
    }
    let input_schema = defs.attach(input_schema);
    let output_schema = match success_schemas(doc, operation)? {
        Some(body) => {
            let mut defs = Defs::new(doc, Direction::Output);
            let body = defs.convert(&body)?;
            Some(defs.attach(json!({
                "type": "object",
                "properties": {"status": {"type": "integer"}, "body": body},
                "required": ["status"],
            })))
        }
        None => None,
    };
    let summary = string(Some(operation), "summary");
    let long = string(Some(operation), "description");
    let description = match (summary, long) {
        (Some(s), Some(l)) if l != s => Some(format!("{s}\n\n{l}")),
        (s, l) => s.or(l),
    };
    Ok(Operation {
        tool: unique_name(operation, method, path, names),
        method: method.to_uppercase().parse().expect("a known method"),
        path: path.to_owned(),
        params,
        body,
        description,
        input_schema,
        output_schema,
        scopes: scopes(doc, operation),
    })
}

/// The input property for a parameter: its name, or `{location}_{name}` when another location
/// took the name first.
fn property_name(name: &str, location: Location, taken: &Map<String, Value>) -> String {
    if taken.contains_key(name) {
        let mut candidate = format!("{}_{name}", location.as_str());
        while taken.contains_key(&candidate) {
            candidate.push('_');
        }
        candidate
    } else {
        name.to_owned()
    }
}

/// The JSON media type's schema of a request body or response (`application/json`, or any
/// `…+json`).
fn json_content(with_content: &Value) -> Option<Value> {
    let Value::Object(content) = with_content.get("content")? else {
        return None;
    };
    content
        .iter()
        .find(|(media, _)| {
            let media = media.split(';').next().unwrap_or("").trim();
            media == "application/json" || media.ends_with("+json")
        })
        .map(|(_, media)| media.get("schema").cloned().unwrap_or(json!({})))
}

/// The JSON schema of the 2xx responses that have one (`anyOf` when they differ).
fn success_schemas(doc: &Value, operation: &Value) -> Result<Option<Value>, String> {
    let Some(Value::Object(responses)) = operation.get("responses") else {
        return Ok(None);
    };
    let mut schemas: Vec<Value> = Vec::new();
    for (code, response) in responses {
        if !code.starts_with('2') {
            continue;
        }
        if let Some(schema) = json_content(resolve(doc, response)?) {
            if !schemas.contains(&schema) {
                schemas.push(schema);
            }
        }
    }
    Ok(match schemas.len() {
        0 => None,
        1 => schemas.pop(),
        _ => Some(json!({ "anyOf": schemas })),
    })
}

/// The OAuth scopes of the operation's (or the document's) first security requirement.
fn scopes(doc: &Value, operation: &Value) -> Vec<String> {
    let requirements = operation.get("security").or_else(|| doc.get("security"));
    let Some(Value::Object(first)) = requirements.and_then(|r| r.get(0)) else {
        return Vec::new();
    };
    let mut scopes = Vec::new();
    for list in first.values() {
        for scope in list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
    }
    scopes
}

/// A tool name from the `operationId` (or the method and path), made of `[A-Za-z0-9_.-]`, at
/// most 64 characters, and distinct from the names already taken (`_2`, `_3`... otherwise).
fn unique_name(
    operation: &Value,
    method: &str,
    path: &str,
    taken: &mut BTreeSet<String>,
) -> String {
    let raw = operation
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{method}_{path}"));
    let base = sanitize(&raw);
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("_{n}");
        let keep = base.len().min(MAX_NAME - suffix.len());
        name = format!("{}{suffix}", &base[..keep]);
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// `[A-Za-z0-9_.-]` only, runs of anything else as one `_`, trimmed, at most 64 characters.
pub(crate) fn sanitize(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if u8::try_from(c).is_ok_and(frontmcp_rules::is_tool_name_byte) {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_');
    let out: String = out.chars().take(MAX_NAME).collect();
    if out.is_empty() {
        "operation".into()
    } else {
        out
    }
}

/// Follows a local `$ref` (`#/components/...`) to what it names; other values are themselves.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value, String> {
    let mut current = value;
    for _ in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            None => return Ok(current),
            Some(reference) => current = pointer(doc, reference)?,
        }
    }
    Err("a `$ref` chain is longer than 32".into())
}

fn pointer<'a>(doc: &'a Value, reference: &str) -> Result<&'a Value, String> {
    let Some(local) = reference.strip_prefix('#') else {
        return Err(format!("external `$ref` `{reference}` is not supported"));
    };
    doc.pointer(local)
        .ok_or_else(|| format!("`$ref` `{reference}` points at nothing"))
}

/// Which way a schema describes data: what the tool sends, or what the API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `readOnly` properties are never required of the caller.
    Input,
    /// `writeOnly` properties are never required in an answer.
    Output,
}

/// The schemas one of a tool's schemas refers to, gathered under its `$defs`.
struct Defs<'a> {
    doc: &'a Value,
    direction: Direction,
    /// By reference: the `$defs` name and the converted schema (`None` while being converted: a
    /// recursive schema refers to itself).
    defs: BTreeMap<String, (String, Option<Value>)>,
}

impl<'a> Defs<'a> {
    fn new(doc: &'a Value, direction: Direction) -> Self {
        Self {
            doc,
            direction,
            defs: BTreeMap::new(),
        }
    }

    /// `schema` as JSON Schema 2020-12: local `$ref`s point into `$defs`, OpenAPI 3.0's
    /// `nullable` and boolean exclusive bounds become their 2020-12 forms, OpenAPI-only keywords
    /// go.
    fn convert(&mut self, schema: &Value) -> Result<Value, String> {
        self.convert_at(schema, 0)
    }

    /// `schema` with the definitions it refers to under `$defs`.
    fn attach(self, mut schema: Value) -> Value {
        let defs: Map<String, Value> = self
            .defs
            .into_values()
            .map(|(name, def)| (name, def.unwrap_or(Value::Bool(true))))
            .collect();
        if !defs.is_empty() {
            schema["$defs"] = Value::Object(defs);
        }
        schema
    }

    /// The `$defs` name for `reference`: readable, and distinct from the others.
    fn name_for(&self, reference: &str) -> String {
        let base = def_name(reference);
        let taken = |name: &str| self.defs.values().any(|(n, _)| n == name);
        let mut name = base.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    fn convert_at(&mut self, schema: &Value, depth: usize) -> Result<Value, String> {
        if depth > 64 {
            return Err("a schema nests deeper than 64".into());
        }
        let Value::Object(object) = schema else {
            // `true` / `false` schemas (3.1) stay as they are.
            return Ok(schema.clone());
        };
        let mut out = Map::new();
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            let name = match self.defs.get(reference) {
                Some((name, _)) => name.clone(),
                None => {
                    let target = pointer(self.doc, reference)?.clone();
                    let name = self.name_for(reference);
                    self.defs.insert(reference.to_owned(), (name.clone(), None));
                    let converted = self.convert_at(&target, depth + 1)?;
                    self.defs
                        .insert(reference.to_owned(), (name.clone(), Some(converted)));
                    name
                }
            };
            out.insert("$ref".into(), json!(format!("#/$defs/{name}")));
        }
        for (key, value) in object {
            let converted = match key.as_str() {
                "$ref" => continue,
                "properties" | "patternProperties" | "dependentSchemas" | "$defs"
                | "definitions" => match value {
                    Value::Object(map) => {
                        let mut converted = Map::new();
                        for (name, schema) in map {
                            converted.insert(name.clone(), self.convert_at(schema, depth + 1)?);
                        }
                        Value::Object(converted)
                    }
                    other => other.clone(),
                },
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "if"
                | "then"
                | "else"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "additionalItems" => match value {
                    Value::Array(list) => Value::Array(
                        list.iter()
                            .map(|s| self.convert_at(s, depth + 1))
                            .collect::<Result<_, _>>()?,
                    ),
                    schema => self.convert_at(schema, depth + 1)?,
                },
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                    Value::Array(list) => Value::Array(
                        list.iter()
                            .map(|s| self.convert_at(s, depth + 1))
                            .collect::<Result<_, _>>()?,
                    ),
                    other => other.clone(),
                },
                // OpenAPI's own keywords, unknown to JSON Schema validators (strict ones warn);
                // `$id` and `$schema` would move the base of the rewritten references.
                "nullable" | "discriminator" | "xml" | "externalDocs" | "example" | "$id"
                | "$schema" => continue,
                // OpenAPI 3.0: `exclusiveMinimum: true` qualifies `minimum`.
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
                k if k.starts_with("x-") => continue,
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        for (flag, bound) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if object.get(flag) == Some(&Value::Bool(true)) {
                if let Some(limit) = out.remove(bound) {
                    out.insert(flag.into(), limit);
                }
            }
        }
        self.unrequire(&mut out);
        if object.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(nullable(out));
        }
        Ok(Value::Object(out))
    }

    /// Drops from `required` what this direction never carries: `readOnly` properties from
    /// input, `writeOnly` ones from output.
    fn unrequire(&self, schema: &mut Map<String, Value>) {
        let flag = match self.direction {
            Direction::Input => "readOnly",
            Direction::Output => "writeOnly",
        };
        let Some(Value::Object(properties)) = schema.get("properties") else {
            return;
        };
        let skipped: Vec<String> = properties
            .iter()
            .filter(|(_, p)| p.get(flag) == Some(&Value::Bool(true)))
            .map(|(name, _)| name.clone())
            .collect();
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            required.retain(|r| !r.as_str().is_some_and(|r| skipped.iter().any(|s| s == r)));
        }
    }
}

/// OpenAPI 3.0's `nullable: true` on `schema`: a `null` type when it has a type (and `null`
/// among its `enum`), else "this or null".
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            schema.insert("type".into(), json!([t, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            Value::Object(schema)
        }
        _ => json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

/// `#/components/schemas/Pet` → `Pet`; other pointers → their path with `_`.
fn def_name(reference: &str) -> String {
    let path = reference.trim_start_matches('#').trim_start_matches('/');
    let name = path.strip_prefix("components/schemas/").unwrap_or(path);
    let decoded = name.replace("~1", "/").replace("~0", "~");
    sanitize(&decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn petstore() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "Petstore", "description": "Pets."},
            "servers": [{"url": "https://{host}/v1", "variables": {"host": {"default": "pets.example"}}}],
            "security": [{"oauth": ["pets:read"]}],
            "paths": {
                "/pets": {
                    "get": {
                        "operationId": "listPets",
                        "summary": "List pets",
                        "parameters": [
                            {"name": "limit", "in": "query", "schema": {"type": "integer", "nullable": true}},
                            {"name": "tags", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}
                        ],
                        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}
                    },
                    "post": {
                        "operationId": "create pet!",
                        "security": [{"oauth": ["pets:write"]}],
                        "requestBody": {"$ref": "#/components/requestBodies/NewPet"},
                        "responses": {"201": {"$ref": "#/components/responses/OnePet"}}
                    }
                },
                "/pets/{id}": {
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "get": {
                        "operationId": "listPets",
                        "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"$ref": "#/components/responses/OnePet"}}
                    },
                    "delete": {
                        "operationId": "deletePet",
                        "parameters": [{"name": "session", "in": "cookie", "schema": {"type": "string"}}],
                        "responses": {"204": {"description": "gone"}}
                    }
                },
                "/upload": {
                    "put": {
                        "requestBody": {"content": {"multipart/form-data": {"schema": {}}}},
                        "responses": {}
                    }
                }
            },
            "components": {
                "schemas": {
                    "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "example": "Rex"}, "parent": {"$ref": "#/components/schemas/Pet"}, "x-internal": true}},
                },
                "requestBodies": {"NewPet": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
                "responses": {"OnePet": {"description": "a pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
            }
        })
    }

    #[test]
    fn operations_become_tools() {
        let doc = read(&petstore(), &mut BTreeSet::new()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Petstore"));
        assert_eq!(doc.server.as_deref(), Some("https://pets.example/v1"));
        let names: Vec<&str> = doc.operations.iter().map(|o| o.tool.as_str()).collect();
        assert_eq!(names, ["listPets", "create_pet", "listPets_2"]);
        let skipped: Vec<&str> = doc.skipped.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(skipped, ["DELETE /pets/{id}", "PUT /upload"]);
        assert!(doc.skipped[0].1.contains("cookie"), "{:?}", doc.skipped);
        assert!(doc.skipped[1].1.contains("not JSON"), "{:?}", doc.skipped);
    }

    #[test]
    fn inputs_outputs_and_refs() {
        let doc = read(&petstore(), &mut BTreeSet::new()).unwrap();
        let list = &doc.operations[0];
        assert_eq!(list.method, Method::GET);
        assert_eq!(list.description.as_deref(), Some("List pets"));
        assert_eq!(list.scopes, ["pets:read"]);
        assert_eq!(
            list.input_schema["properties"]["limit"],
            json!({"type": ["integer", "null"]}),
            "nullable"
        );
        assert!(!list.params[1].explode);
        let output = list.output_schema.as_ref().unwrap();
        assert_eq!(
            output["properties"]["body"]["items"],
            json!({"$ref": "#/$defs/Pet"})
        );
        let pet = &output["$defs"]["Pet"];
        assert_eq!(
            pet["properties"]["parent"],
            json!({"$ref": "#/$defs/Pet"}),
            "recursive"
        );
        assert!(pet["properties"]["name"].get("example").is_none());
        assert!(pet.get("x-internal").is_none());

        let create = &doc.operations[1];
        assert_eq!(create.scopes, ["pets:write"]);
        assert_eq!(create.body.as_deref(), Some("body"));
        assert_eq!(create.input_schema["required"], json!(["body"]));
        assert_eq!(
            create.input_schema["properties"]["body"],
            json!({"$ref": "#/$defs/Pet"})
        );
        assert!(create.input_schema["$defs"]["Pet"].is_object());

        // The path's `id` and the query's `id` both reach the input.
        let get = &doc.operations[2];
        assert_eq!(get.input_schema["required"], json!(["id"]));
        let props: Vec<&String> = get.input_schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(props, ["id", "query_id"]);
        assert_eq!(get.params[1].name, "id");
        assert_eq!(get.params[1].location, Location::Query);
    }

    #[test]
    fn documents_that_are_not_openapi_3() {
        assert!(
            read(&json!({"swagger": "2.0"}), &mut BTreeSet::new())
                .unwrap_err()
                .contains("Swagger 2.0")
        );
        assert!(
            read(&json!({"openapi": "4.0.0"}), &mut BTreeSet::new())
                .unwrap_err()
                .contains("4.0.0")
        );
        assert!(
            read(&json!({"info": {}}), &mut BTreeSet::new())
                .unwrap_err()
                .contains("openapi")
        );
        assert!(
            read(
                &json!({"openapi": "3.1.0", "paths": []}),
                &mut BTreeSet::new()
            )
            .is_err()
        );
        assert_eq!(
            read(&json!({"openapi": 3.1}), &mut BTreeSet::new())
                .unwrap()
                .operations
                .len(),
            0
        );
    }

    #[test]
    fn bad_refs_and_undeclared_path_parameters_skip_the_operation() {
        let doc = read(
            &json!({
                "openapi": "3.1.0",
                "paths": {
                    "/a": {"get": {"requestBody": {"$ref": "other.yaml#/x"}, "responses": {}}},
                    "/b": {"get": {"requestBody": {"$ref": "#/nowhere"}, "responses": {}}},
                    "/c/{x}": {"get": {"responses": {}}},
                }
            }),
            &mut BTreeSet::new(),
        )
        .unwrap();
        assert!(doc.operations.is_empty());
        let why: Vec<&str> = doc.skipped.iter().map(|(_, w)| w.as_str()).collect();
        assert!(why[0].contains("external"), "{why:?}");
        assert!(why[1].contains("points at nothing"), "{why:?}");
        assert!(why[2].contains("not declared"), "{why:?}");
    }

    #[test]
    fn schema_conversions() {
        let doc = json!({
            "openapi": "3.0.3",
            "paths": {
                "/things/{id}": {
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "exclusiveMinimum": true}}],
                    "put": {
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "responses": {
                            "200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                            "202": {"description": "", "content": {"application/json": {"schema": {"type": "string"}}}}
                        }
                    }
                }
            },
            "components": {"schemas": {
                "Thing": {
                    "$id": "https://elsewhere/thing",
                    "type": "object",
                    "required": ["id", "secret", "kind", "color"],
                    "properties": {
                        "id": {"type": "integer", "readOnly": true},
                        "secret": {"type": "string", "writeOnly": true},
                        "kind": {"$ref": "#/components/schemas/Kind", "description": "beside the ref"},
                        "other": {"$ref": "#/components/schemas/Other Kind"},
                        "other2": {"$ref": "#/components/schemas/Other_Kind"},
                        "color": {"enum": ["red", "blue"], "nullable": true},
                        "loop": {"allOf": [{"$ref": "#/components/schemas/Thing"}], "nullable": true}
                    }
                },
                "Kind": {"type": "string"},
                "Other Kind": {"type": "integer"},
                "Other_Kind": {"type": "boolean"}
            }}
        });
        let doc = read(&doc, &mut BTreeSet::new()).unwrap();
        assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
        let op = &doc.operations[0];
        let input = &op.input_schema;
        assert_eq!(
            input["properties"]["id"],
            json!({"type": "integer", "exclusiveMinimum": 1})
        );
        let thing = &input["$defs"]["Thing"];
        assert!(thing.get("$id").is_none(), "{thing}");
        assert_eq!(
            thing["required"],
            json!(["secret", "kind", "color"]),
            "readOnly is not asked for"
        );
        assert_eq!(
            thing["properties"]["kind"],
            json!({"$ref": "#/$defs/Kind", "description": "beside the ref"})
        );
        assert_eq!(
            thing["properties"]["other"],
            json!({"$ref": "#/$defs/Other_Kind"})
        );
        assert_eq!(
            thing["properties"]["other2"],
            json!({"$ref": "#/$defs/Other_Kind_2"})
        );
        assert_eq!(input["$defs"]["Other_Kind"], json!({"type": "integer"}));
        assert_eq!(input["$defs"]["Other_Kind_2"], json!({"type": "boolean"}));
        assert_eq!(
            thing["properties"]["color"],
            json!({"anyOf": [{"enum": ["red", "blue", null]}, {"type": "null"}]})
        );
        let output = op.output_schema.as_ref().unwrap();
        assert_eq!(
            output["$defs"]["Thing"]["required"],
            json!(["id", "kind", "color"]),
            "writeOnly is not promised"
        );
        assert_eq!(
            output["properties"]["body"],
            json!({"anyOf": [{"$ref": "#/$defs/Thing"}, {"type": "string"}]}),
            "every 2xx"
        );
        // A schema that refers to itself through allOf validates without running away.
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(output)
            .unwrap();
        let answer = json!({"status": 200, "body": {"id": 1, "kind": "k", "color": null, "loop": {"id": 2, "kind": "k", "color": "red"}}});
        assert!(
            validator.is_valid(&answer),
            "{:?}",
            validator.iter_errors(&answer).next()
        );
    }

    #[test]
    fn unusable_shapes_skip_the_operation() {
        let doc = read(
            &json!({
                "openapi": "3.1.0",
                "paths": {
                    "@evil.example/x": {"get": {"responses": {}}},
                    "/q": {"get": {"parameters": [{"name": "filter", "in": "query", "schema": {"type": "object"}}], "responses": {}}},
                    "/s": {"get": {"parameters": [{"name": "ids", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}}], "responses": {}}},
                    "/c": {"get": {"parameters": [{"name": "q", "in": "query", "content": {"application/json": {}}}], "responses": {}}},
                }
            }),
            &mut BTreeSet::new(),
        )
        .unwrap();
        assert!(doc.operations.is_empty());
        let why: Vec<&str> = doc.skipped.iter().map(|(_, w)| w.as_str()).collect();
        assert!(
            why.iter().any(|w| w.contains("does not start with `/`")),
            "{why:?}"
        );
        assert!(why.iter().any(|w| w.contains("is an object")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("pipeDelimited")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("`content`")), "{why:?}");
    }

    #[test]
    fn names_are_sanitized_and_bounded() {
        assert_eq!(sanitize("get /pets/{id}"), "get_pets_id");
        assert_eq!(sanitize("!!!"), "operation");
        assert_eq!(sanitize(&"a".repeat(100)).len(), 64);
        let mut taken = BTreeSet::new();
        let op = json!({"operationId": "x".repeat(100)});
        let one = unique_name(&op, "get", "/", &mut taken);
        let two = unique_name(&op, "get", "/", &mut taken);
        assert_eq!(one.len(), 64);
        assert!(two.ends_with("_2") && two.len() == 64, "{two}");
    }
}
