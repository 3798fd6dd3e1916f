//! The MCP Inspector's CLI (npm `@modelcontextprotocol/inspector`, pinned in `tests/interop/node22`
//! with the Node.js 22 it needs), as a new user tries a server: list the tools, call them. It
//! validates `structuredContent` against each tool's `outputSchema`, so a tool whose app is not
//! authorized yet must answer with its authorization link in a result that schema allows, not
//! with an object the schema refuses (which the Inspector reports as "data must have required
//! property ..." and shows nothing else).

use std::process::Output;

use frontmcp_tests::ExampleServer;
use frontmcp_tests::tools::{node22, node22_package};
use serde_json::Value;

/// `inspector --cli` against `server` with `token`, for `args`.
fn inspector(dir: &std::path::Path, server: &ExampleServer, token: &str, args: &[&str]) -> Output {
    node22(
        dir,
        "@modelcontextprotocol/inspector/clients/launcher/build/index.js",
    )
    .arg("--cli")
    .arg(&server.url)
    .args(["--transport", "http"])
    .args(["--header", &format!("Authorization: Bearer {token}")])
    .args(args)
    .env_remove("REDIS_URL")
    .output()
    .expect("the Inspector runs")
}

fn printed(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The JSON the CLI printed on stdout.
fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", printed(output)))
}

#[test]
fn a_new_user_sees_the_authorization_link_in_the_inspector() {
    let Some(dir) = node22_package("MCP Inspector") else {
        return;
    };
    let server = ExampleServer::start("agent_suite");
    // Signed in, CRM authorized, Slack and GitHub left for later.
    let token = server.token_for("inspector", &[]);

    let listed = inspector(&dir, &server, &token, &["--method", "tools/list"]);
    assert!(listed.status.success(), "{}", printed(&listed));
    let tools = json(&listed)["tools"].as_array().unwrap().clone();
    let send = tools
        .iter()
        .find(|t| t["name"] == "slack:send_message")
        .unwrap_or_else(|| panic!("{tools:#?}"));
    assert!(send["outputSchema"].is_object(), "the tool declares one");

    let works = inspector(
        &dir,
        &server,
        &token,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "crm:get_contacts",
            "--tool-arg",
            "search=ada",
        ],
    );
    assert!(works.status.success(), "{}", printed(&works));
    assert_eq!(
        json(&works)["structuredContent"]["contacts"][0]["name"],
        "Ada Lovelace"
    );

    let asked = inspector(
        &dir,
        &server,
        &token,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "slack:send_message",
            "--tool-arg",
            "channel=general",
            "--tool-arg",
            "message=hi",
        ],
    );
    let all = printed(&asked);
    assert!(!all.contains("must have required property"), "{all}");
    let result = json(&asked);
    assert_eq!(result["isError"], true, "{all}");
    let notice = &result["_meta"]["dev.frontmcp/authorization"];
    assert_eq!(notice["code"], "AUTH_REQUIRED", "{all}");
    let link = notice["auth_url"].as_str().unwrap();
    assert!(link.contains("/oauth/authorize?app=slack"), "{link}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains(link),
        "the link is in the text the user reads: {all}"
    );
    assert!(
        result.get("structuredContent").is_none(),
        "nothing the outputSchema would refuse: {all}"
    );
}
