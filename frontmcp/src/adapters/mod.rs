//! Tools that come from elsewhere than `#[app]` code: OpenAPI specs.

pub mod openapi;
