//! The official MCP client SDKs (TypeScript `@modelcontextprotocol/sdk`, Python `mcp`) against the
//! `agent_suite` example binary over Streamable HTTP on loopback.
//!
//! The clients live in `tests/interop/{ts,python}` with pinned dependencies; this test installs
//! them when missing (npm ci, a venv), starts the server, obtains a session token through the
//! server's OAuth endpoints (`MCP_TOKEN`) and runs them. The TypeScript SDK's own OAuth client is
//! exercised separately by `auth.test.mjs`. Outside CI a missing Node.js or Python skips a client
//! with a loud notice; in CI (`CI` set) it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use frontmcp_tests::{ExampleServer, repo_root};

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Whether `program` runs; when it does not, fails in CI and skips loudly elsewhere.
fn available(program: &str, what: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !in_ci(),
            "{program} is required in CI for the {what} interop test"
        );
        eprintln!(
            "\n!!!!! SKIPPING the {what} interop test: `{program}` is not installed (this would fail in CI) !!!!!\n"
        );
    }
    ok
}

fn run(cmd: &mut Command, what: &str) {
    eprintln!("running {cmd:?}");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(status.success(), "{what} failed ({status})");
}

/// The Node package of the TypeScript and browser tests, installed once (`npm ci`) even when
/// both tests start at the same time; `None` when Node.js is missing outside CI.
fn node_package(what: &str) -> Option<PathBuf> {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    if !available("node", what) || !available("npm", what) {
        return None;
    }
    Some(
        INSTALLED
            .get_or_init(|| {
                let dir = repo_root().join("tests/interop/ts");
                let complete = ["@modelcontextprotocol/sdk", "playwright-core"]
                    .iter()
                    .all(|module| dir.join("node_modules").join(module).exists());
                if !complete {
                    run(
                        Command::new("npm")
                            .args(["ci", "--no-audit", "--no-fund"])
                            .current_dir(&dir),
                        "npm ci",
                    );
                }
                dir
            })
            .clone(),
    )
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
            ])
            .env("MCP_URL", &server.url)
            .env("MCP_TOKEN", server.token("interop-py"))
            .current_dir(&dir),
        "the Python SDK client",
    );
}

/// The venv's interpreter, creating the venv from `requirements.txt` when it is missing or stale.
fn venv_python(dir: &Path) -> PathBuf {
    let venv = dir.join(".venv");
    let python = venv.join("bin/python");
    let stamp = venv.join("requirements.installed");
    let wanted = std::fs::read_to_string(dir.join("requirements.txt")).expect("requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    "requirements.txt",
                ])
                .current_dir(dir),
            "pip install",
        );
        std::fs::write(&stamp, wanted).expect("stamp written");
    }
    python
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
