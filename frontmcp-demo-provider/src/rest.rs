//! A small REST API per provider, described by an OpenAPI 3.1 document, for frontmcp's OpenAPI
//! adapter examples and tests: an in-memory collection (`/{id}/rest/{collection}`) that needs the
//! provider's access tokens, its read scope to list and read, its write scope to create and
//! delete.
//!
//! | Endpoint | |
//! |---|---|
//! | `GET /{id}/rest/openapi.json` | the document (no token needed) |
//! | `GET /{id}/rest/{collection}?limit=N&tag=T&tag=U` | the items, newest last |
//! | `POST /{id}/rest/{collection}` | `{"name", "tag"?}` → `201` the item |
//! | `GET`, `DELETE /{id}/rest/{collection}/{itemId}` | one item / `204` |
//! | `GET /{id}/rest/export?bytes=N` | a JSON string of about N bytes (to test size limits) |

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::provider::{Provider, TokenInfo};

/// One item of a collection.
#[derive(Debug, Clone)]
struct Item {
    id: u64,
    name: String,
    tag: Option<String>,
    owner: String,
}

impl Item {
    fn json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "tag": self.tag, "owner": self.owner})
    }
}

/// A provider's collection.
#[derive(Debug, Default)]
pub(crate) struct Collection {
    items: Mutex<(BTreeMap<u64, Item>, u64)>,
}

/// What a REST request answers: a status and an optional JSON body.
pub(crate) type Answer = (StatusCode, Option<Value>);

impl Collection {
    fn lock(&self) -> MutexGuard<'_, (BTreeMap<u64, Item>, u64)> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(status: StatusCode, error: &str, description: impl Into<String>) -> Answer {
    (
        status,
        Some(json!({"error": error, "error_description": description.into()})),
    )
}

/// Answers `method` on `rest` (the path after `/{id}/rest/`). `token` is the request's bearer
/// token check (done by the caller, which knows the provider's token store).
pub(crate) fn handle(
    p: &Provider,
    method: &Method,
    rest: &[&str],
    query: &[(String, String)],
    token: Result<TokenInfo, &'static str>,
    body: &[u8],
) -> Answer {
    let collection = p.spec.collection();
    if rest == ["openapi.json"] && method == Method::GET {
        return (StatusCode::OK, Some(document(p)));
    }
    let info = match token {
        Ok(info) => info,
        Err(why) => return error(StatusCode::UNAUTHORIZED, "invalid_token", why),
    };
    let (read, write) = p.spec.rest_scopes();
    let needs = |scope: &str| -> Option<Answer> {
        (!info.scopes.iter().any(|s| s == scope)).then(|| {
            error(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("the access token lacks scope {scope}"),
            )
        })
    };
    let items = &p.collection;
    match (method, rest) {
        (&Method::GET, ["export"]) => {
            if let Some(refused) = needs(read) {
                return refused;
            }
            let bytes = query
                .iter()
                .find(|(k, _)| k == "bytes")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(1024)
                .min(16 * 1024 * 1024);
            (StatusCode::OK, Some(Value::String("x".repeat(bytes))))
        }
        (&Method::GET, [c]) if *c == collection => {
            if let Some(refused) = needs(read) {
                return refused;
            }
            let limit = query
                .iter()
                .find(|(k, _)| k == "limit")
                .map(|(_, v)| v.parse::<usize>());
            let limit = match limit {
                None => usize::MAX,
                Some(Ok(n)) => n,
                Some(Err(_)) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "limit must be a number",
                    );
                }
            };
            let tags: Vec<&str> = query
                .iter()
                .filter(|(k, _)| k == "tag")
                .map(|(_, v)| v.as_str())
                .collect();
            let list: Vec<Value> = items
                .lock()
                .0
                .values()
                .filter(|i| tags.is_empty() || i.tag.as_deref().is_some_and(|t| tags.contains(&t)))
                .take(limit)
                .map(Item::json)
                .collect();
            (StatusCode::OK, Some(Value::Array(list)))
        }
        (&Method::POST, [c]) if *c == collection => {
            if let Some(refused) = needs(write) {
                return refused;
            }
            let Ok(new) = serde_json::from_slice::<Value>(body) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "the body is not JSON",
                );
            };
            let Some(name) = new
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "name is required",
                );
            };
            let mut guard = items.lock();
            guard.1 += 1;
            let item = Item {
                id: guard.1,
                name: name.to_owned(),
                tag: new.get("tag").and_then(Value::as_str).map(str::to_owned),
                owner: info.user.clone(),
            };
            guard.0.insert(item.id, item.clone());
            (StatusCode::CREATED, Some(item.json()))
        }
        (method, [c, id]) if *c == collection => {
            let Ok(id) = id.parse::<u64>() else {
                return error(StatusCode::NOT_FOUND, "not_found", "no such item");
            };
            match *method {
                Method::GET => {
                    if let Some(refused) = needs(read) {
                        return refused;
                    }
                    match items.lock().0.get(&id) {
                        Some(item) => (StatusCode::OK, Some(item.json())),
                        None => error(StatusCode::NOT_FOUND, "not_found", format!("no item {id}")),
                    }
                }
                Method::DELETE => {
                    if let Some(refused) = needs(write) {
                        return refused;
                    }
                    match items.lock().0.remove(&id) {
                        Some(_) => (StatusCode::NO_CONTENT, None),
                        None => error(StatusCode::NOT_FOUND, "not_found", format!("no item {id}")),
                    }
                }
                _ => error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "use GET or DELETE",
                ),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "not_found", "no such REST endpoint"),
    }
}

/// The collection's OpenAPI 3.1 document.
fn document(p: &Provider) -> Value {
    let collection = p.spec.collection();
    let name = p.spec.display_name();
    let (read, write) = p.spec.rest_scopes();
    let item_id = json!({"name": "itemId", "in": "path", "required": true, "schema": {"type": "integer"}, "description": "The item's id."});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{name} API (DEMO)"),
            "version": "1.0.0",
            "description": format!("The {collection} of the DEMO {name} provider."),
        },
        "servers": [{"url": format!("{}/rest", p.issuer)}],
        "components": {
            "securitySchemes": {
                "oauth": {"type": "oauth2", "flows": {"authorizationCode": {
                    "authorizationUrl": p.endpoint("authorize"),
                    "tokenUrl": p.endpoint("token"),
                    "scopes": {read: "read", write: "write"},
                }}},
            },
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["id", "name", "owner"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "tag": {"type": ["string", "null"]},
                        "owner": {"type": "string", "description": "The user who created it."},
                    },
                },
                "NewItem": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "minLength": 1}, "tag": {"type": "string"}},
                    "additionalProperties": false,
                },
            },
        },
        "security": [{"oauth": [read]}],
        "paths": {
            format!("/{collection}"): {
                "get": {
                    "operationId": format!("list_{collection}"),
                    "summary": format!("List {collection}"),
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}, "description": "Only items with one of these tags."},
                    ],
                    "responses": {"200": {"description": "The items", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}},
                },
                "post": {
                    "operationId": format!("create_{collection}"),
                    "summary": format!("Add to {collection}"),
                    "security": [{"oauth": [write]}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
                    "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
                },
            },
            format!("/{collection}/{{itemId}}"): {
                "parameters": [item_id],
                "get": {
                    "operationId": format!("get_{collection}"),
                    "summary": "Read one",
                    "responses": {"200": {"description": "The item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
                },
                "delete": {
                    "operationId": format!("delete_{collection}"),
                    "summary": "Delete one",
                    "security": [{"oauth": [write]}],
                    "responses": {"204": {"description": "Deleted"}},
                },
            },
            "/export": {
                "get": {
                    "operationId": "export",
                    "summary": "A large JSON string",
                    "parameters": [{"name": "bytes", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "Bytes", "content": {"application/json": {"schema": {"type": "string"}}}}},
                },
            },
        },
    })
}
