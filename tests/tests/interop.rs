//! The official MCP client SDKs (TypeScript `@modelcontextprotocol/sdk`, Python `mcp`) against the
//! `agent_suite` example binary over Streamable HTTP on loopback.
//!
//! The clients live in `tests/interop/{ts,python}` with pinned dependencies; this test installs
//! them when missing (npm ci, a venv), starts the server, obtains a session token through the
//! server's OAuth endpoints (`MCP_TOKEN`) and runs them. The TypeScript SDK's own OAuth client is
//! exercised separately by `auth.test.mjs`. Outside CI a missing Node.js or Python skips a client
//! with a loud notice; in CI (`CI` set) it fails.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use frontmcp_tests::tools::{self, available, run, venv_python};
use frontmcp_tests::{ExampleServer, example_binary, repo_root};

/// The Node package of the TypeScript and browser tests, installed once even when both tests
/// start at the same time; `None` when Node.js is missing outside CI.
fn node_package(what: &str) -> Option<PathBuf> {
    static INSTALLED: OnceLock<Option<PathBuf>> = OnceLock::new();
    if !available("node", what) {
        return None;
    }
    INSTALLED
        .get_or_init(|| {
            tools::node_package(
                "ts",
                &["@modelcontextprotocol/sdk", "playwright-core"],
                what,
            )
        })
        .clone()
}

#[test]
fn typescript_sdk_client() {
    let Some(dir) = node_package("TypeScript SDK") else {
        return;
    };
    let server = ExampleServer::start("agent_suite");
    run(
        Command::new("node")
            .args([
                "--test",
                "client.test.mjs",
                "auth.test.mjs",
                "progressive.test.mjs",
                "resources.test.mjs",
            ])
            .env("MCP_URL", &server.url)
            .env("MCP_TOKEN", server.token("interop-ts"))
            .current_dir(&dir),
        "the TypeScript SDK client",
    );
}

/// The TypeScript SDK against the OpenAPI gateway example: tools generated from a spec, their
/// output schemas compiled and enforced by the SDK.
#[test]
fn typescript_sdk_openapi_gateway() {
    let Some(dir) = node_package("TypeScript SDK") else {
        return;
    };
    let server = ExampleServer::start("openapi_gateway");
    run(
        Command::new("node")
            .args(["--test", "openapi.test.mjs"])
            .env("MCP_URL", &server.url)
            .env(
                "MCP_TOKEN",
                server.token_for("interop-openapi", &["petstore"]),
            )
            .current_dir(&dir),
        "the TypeScript SDK against the OpenAPI gateway",
    );
}

#[test]
fn python_sdk_client() {
    if !available("python3", "Python SDK") {
        return;
    }
    let dir = repo_root().join("tests/interop/python");
    let python = venv_python(&dir);
    let server = ExampleServer::start("agent_suite");
    run(
        Command::new(&python)
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "test_client.py",
                "test_modern.py",
                "test_resources.py",
            ])
            .env("MCP_URL", &server.url)
            .env("MCP_TOKEN", server.token("interop-py"))
            .env("HELLO_BINARY", example_binary("hello"))
            .current_dir(&dir),
        "the Python SDK client",
    );
}

/// Headless Chromium (Debian's, driven by playwright-core) through the login and consent pages.
#[test]
fn browser_consent_flow() {
    let Some(dir) = node_package("browser") else {
        return;
    };
    let server = ExampleServer::start("agent_suite");
    let mut node = Command::new("node");
    node.args(["--test", "browser.test.mjs"])
        .env("MCP_URL", &server.url)
        .current_dir(&dir);
    if let Some(shots) = std::env::var_os("SCREENSHOTS_DIR") {
        node.env("SCREENSHOTS_DIR", shots);
    }
    run(&mut node, "the browser test");
}
