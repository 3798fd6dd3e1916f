//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
//! `tests/interop/node22` with the Node.js 22 it needs: 0.2.0-alpha.12, and its last 0.1 release,
//! 0.1.16) against our examples.
//!
//! `authorization`: the authorization server's metadata (RFC 8414, PKCE, Client ID Metadata
//! Documents) and an authorization code grant, for 2025-11-25 and 2026-07-28. The suite's client
//! is identified by a metadata document the test serves on loopback (so the server runs with
//! `FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK`), and the test plays the user on the sign-in and
//! consent pages. Every check must pass, with no warning.
//!
//! `server`: the suite's server scenarios (the default suite of each revision) against
//! `examples/conformance`, which serves the fixture tools, resources, prompts and completions
//! they ask for (with progress, log messages, sampling and elicitation from inside tools), on
//! 2026-07-28 (stateless requests) and 2025-11-25 (sessions). Every scenario passes with no
//! warning, and the suite's closing line says so.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use frontmcp_tests::documents::{Document, DocumentServer};
use frontmcp_tests::progressive::UserAgent;
use frontmcp_tests::tools::{node22, node22_package};
use frontmcp_tests::{ExampleServer, Http};
use hyper::StatusCode;
use serde_json::{Value, json};

/// The suite's package; `None` without Node.js outside CI.
fn suite() -> Option<PathBuf> {
    node22_package("conformance")
}

/// The suite's command line, on its own Node.js 22.
fn conformance(dir: &Path) -> Command {
    node22(dir, "@modelcontextprotocol/conformance/dist/index.js")
}

/// The suite's last 0.1 release (npm alias `conformance-0.1`), which clients pinned to it run.
fn conformance_0_1(dir: &Path) -> Command {
    node22(dir, "conformance-0.1/dist/index.js")
}

/// Every check of every scenario the suite wrote under `out`: `(id, status, message)`.
fn checks(out: &Path) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = scenario_checks(out).into_values().flatten().collect();
    all.sort();
    all
}

/// The checks the suite wrote under `out`, by scenario (`server-<scenario>-<timestamp>` or
/// `<scenario>-<timestamp>` directories).
/// A result folder's name without the timestamp the suite appends (`-YYYY-MM-DDThh-mm-ss-mmmZ`).
/// Looking for the last `-20` cut some names short, at the milliseconds of a run that ended in
/// a `.2xx` second.
fn without_timestamp(name: &str) -> &str {
    let bytes = name.as_bytes();
    let is_date = |at: usize| {
        let date = &bytes[at + 1..];
        date.len() >= 11
            && date[..4].iter().all(u8::is_ascii_digit)
            && date[4] == b'-'
            && date[5..7].iter().all(u8::is_ascii_digit)
            && date[7] == b'-'
            && date[8..10].iter().all(u8::is_ascii_digit)
            && date[10] == b'T'
    };
    match (0..bytes.len()).find(|&at| bytes[at] == b'-' && is_date(at)) {
        Some(at) => &name[..at],
        None => name,
    }
}

#[test]
fn result_folders_name_their_scenario() {
    for folder in [
        "tools-call-with-logging-2026-12-06T23-47-57-204Z",
        "tools-call-with-logging-2026-12-06T20-20-20-020Z",
        "tools-call-with-logging",
    ] {
        assert_eq!(without_timestamp(folder), "tools-call-with-logging");
    }
}

fn scenario_checks(out: &Path) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut all = BTreeMap::new();
    for scenario in std::fs::read_dir(out).expect("the suite wrote its results") {
        let dir = scenario.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let name = name.strip_prefix("server-").unwrap_or(&name);
        let name = without_timestamp(name).to_owned();
        let file = dir.join("checks.json");
        let found: &mut Vec<_> = all.entry(name).or_default();
        let checks: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for check in checks {
            found.push((
                check["id"].as_str().unwrap_or_default().to_owned(),
                check["status"].as_str().unwrap_or_default().to_owned(),
                check["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_suite_passes_every_scenario_without_warning() {
    let Some(dir) = suite() else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| ExampleServer::start("conformance"))
        .await
        .unwrap();
    // Every scenario the suite has, its pending ones too (JSON Schema 2020-12 keywords kept as
    // written; on 2026-07-28 input_required rounds, -32021 for an undeclared capability, and
    // Mcp-Param headers checked against the arguments).
    for spec in ["2026-07-28", "2025-11-25"] {
        let out = std::env::temp_dir().join(format!(
            "frontmcp-conformance-server-{}-{spec}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&out);
        let output = conformance(&dir)
            .args(["server", "--url", &server.url, "--spec-version", spec])
            .args(["--suite", "all"])
            .arg("-o")
            .arg(&out)
            .stderr(Stdio::inherit())
            .output()
            .expect("the suite runs");
        let printed = String::from_utf8_lossy(&output.stdout);
        let summary = printed
            .split("=== SUMMARY ===")
            .nth(1)
            .unwrap_or_else(|| panic!("no summary: {printed}"));
        eprintln!("[conformance server {spec}]{summary}");
        let scenarios = scenario_checks(&out);
        assert!(scenarios.len() >= 20, "{spec}: {scenarios:#?}");
        // The suite's closing line counts the checks that passed and failed (not the ones
        // that only inform).
        let count = |wanted: &str| {
            scenarios
                .values()
                .flatten()
                .filter(|(_, status, _)| status == wanted)
                .count()
        };
        let closing = format!(
            "Total: {} passed, {} failed",
            count("SUCCESS"),
            count("FAILURE")
        );
        assert!(printed.contains(&closing), "{spec}: {closing}: {printed}");
        let mut passing = Vec::new();
        for (scenario, checks) in &scenarios {
            let failed: Vec<_> = checks.iter().filter(|(_, s, _)| s == "FAILURE").collect();
            let warned: Vec<_> = checks.iter().filter(|(_, s, _)| s == "WARNING").collect();
            assert!(warned.is_empty(), "{spec} {scenario} warns: {warned:#?}");
            assert!(failed.is_empty(), "{spec} {scenario}: {failed:#?}");
            passing.push(scenario.as_str());
        }
        for expected in [
            "tools-list",
            "tools-call-simple-text",
            "tools-call-error",
            "tools-call-with-progress",
            "resources-list",
            "resources-read-binary",
            "resources-templates-read",
            "prompts-get-with-args",
            "completion-complete",
            "dns-rebinding-protection",
        ] {
            assert!(passing.contains(&expected), "{spec}: {expected} ran");
        }
        let handshake_only = [
            "tools-call-sampling",
            "tools-call-elicitation",
            "elicitation-sep1034-defaults",
            "elicitation-sep1330-enums",
            "tools-call-with-logging",
            "resources-subscribe",
            "json-schema-2020-12",
        ];
        for expected in handshake_only.iter().filter(|_| spec == "2025-11-25") {
            assert!(passing.contains(expected), "{spec}: {expected} ran");
        }
        let modern_only = [
            "server-stateless",
            "input-required-result-multi-round",
            "input-required-result-multiple-input-requests",
            "input-required-result-non-tool-request",
            "input-required-result-tampered-state",
            "http-custom-header-server-validation",
            "sep-2164-resource-not-found",
        ];
        for expected in modern_only.iter().filter(|_| spec == "2026-07-28") {
            assert!(passing.contains(expected), "{spec}: {expected} ran");
        }
        eprintln!(
            "conformance server {spec}: {} of {} scenarios pass: {passing:?}",
            passing.len(),
            scenarios.len()
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// The suite's last 0.1 release (0.1.16), every scenario it has, on 2025-11-25 (it knows no
/// later revision): all pass, with no warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_0_1_suite_passes_every_scenario_without_warning() {
    let Some(dir) = suite() else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| ExampleServer::start("conformance"))
        .await
        .unwrap();
    let out = std::env::temp_dir().join(format!("frontmcp-conformance-0.1-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let output = conformance_0_1(&dir)
        .args(["server", "--url", &server.url, "--suite", "all"])
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::inherit())
        .output()
        .expect("the suite runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    let scenarios = scenario_checks(&out);
    assert!(scenarios.len() >= 25, "{scenarios:#?}");
    for (scenario, checks) in &scenarios {
        let bad: Vec<_> = checks
            .iter()
            .filter(|(_, status, _)| status == "FAILURE" || status == "WARNING")
            .collect();
        assert!(bad.is_empty(), "0.1.16 {scenario}: {bad:#?}");
    }
    let passed = scenarios
        .values()
        .flatten()
        .filter(|(_, status, _)| status == "SUCCESS")
        .count();
    let closing = format!("Total: {passed} passed, 0 failed");
    assert!(printed.contains(&closing), "{closing}: {printed}");
    eprintln!(
        "conformance 0.1.16: {} scenarios, {passed} checks pass",
        scenarios.len()
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_suite_passes_every_check_without_warning() {
    let Some(dir) = suite() else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| {
        ExampleServer::start_with(
            "agent_suite",
            &[("FRONTMCP_CLIENT_METADATA_ALLOW_LOOPBACK", "true")],
        )
    })
    .await
    .unwrap();
    let issuer = server.url.trim_end_matches("/mcp").to_owned();
    let callback_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let docs = DocumentServer::start().await;
    let client_id = docs.url("/conformance-client.json");
    docs.set(
        "/conformance-client.json",
        Document::json(&json!({
            "client_id": client_id,
            "client_name": "MCP conformance suite",
            "redirect_uris": [format!("http://127.0.0.1:{callback_port}/callback")],
            "token_endpoint_auth_method": "none",
            "application_type": "native"
        })),
    );
    let http = Http::new(&server.url);
    for spec in ["2025-11-25", "2026-07-28"] {
        let out = std::env::temp_dir().join(format!(
            "frontmcp-conformance-{}-{spec}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&out);
        let mut child = conformance(&dir)
            .args(["authorization", "--url", &issuer, "--client-id", &client_id])
            .args(["--port", &callback_port.to_string()])
            .args(["--resource", &server.url, "--spec-version", spec])
            .arg("-o")
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the suite starts");
        let (lines, received) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                eprintln!("[conformance {spec}] {line}");
                let _ = lines.send(line);
            }
        });
        // The suite prints the authorization URL for a person to open: the test is that person.
        let authorize = format!("{issuer}/oauth/authorize?");
        let url = tokio::task::spawn_blocking(move || {
            let mut seen = Vec::new();
            loop {
                match received.recv_timeout(Duration::from_secs(60)) {
                    Ok(line) if line.starts_with(&authorize) => return (line, received),
                    Ok(line) => seen.push(line),
                    Err(_) => panic!("the suite printed no authorization URL: {seen:#?}"),
                }
            }
        })
        .await
        .unwrap();
        let (url, received) = url;
        let browser = UserAgent::new(&http);
        let login = browser.get(&url).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        assert!(
            login.body.contains("MCP conformance suite"),
            "the page names the document's client: {}",
            login.body
        );
        let consent = browser
            .submit(&login, &[("username", "conformance"), ("password", "x")])
            .await;
        let to_suite = browser.submit_consent(&consent, "continue").await;
        let callback = to_suite
            .header("location")
            .unwrap_or_else(|| panic!("{} {}", to_suite.status, to_suite.body))
            .to_owned();
        assert!(
            callback.starts_with(&format!("http://127.0.0.1:{callback_port}/callback?")),
            "{callback}"
        );
        browser.get(&callback).await;
        let status = tokio::task::spawn_blocking(move || child.wait())
            .await
            .unwrap()
            .unwrap();
        let printed: Vec<String> = received.try_iter().collect();
        assert!(
            status.success(),
            "the suite failed ({status}): {printed:#?}"
        );
        let checks = checks(&out);
        // The suite's closing line counts the checks that passed and failed.
        let total = format!("Total: {} passed, 0 failed", checks.len());
        assert!(
            printed.iter().any(|l| l.trim() == total),
            "{total}: {printed:#?}"
        );
        let ids: Vec<&str> = checks.iter().map(|(id, _, _)| id.as_str()).collect();
        for expected in [
            "authorization-server-metadata",
            "authorization-server-metadata-cimd",
            "authorization-code-grant",
        ] {
            assert!(ids.contains(&expected), "{expected} ran: {checks:#?}");
        }
        for (id, status, message) in &checks {
            assert_eq!(status, "SUCCESS", "{spec} {id}: {message}");
        }
        eprintln!(
            "conformance authorization {spec}: {} checks, all SUCCESS",
            checks.len()
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    assert_eq!(
        docs.hits("/conformance-client.json"),
        1,
        "the document was kept"
    );
}
