//! Configuration of apps with their own provider that cannot work stops the start-up with a
//! message naming the variable or the app: a bad provider URL, a missing client ID, vault keys
//! missing with a shared store or malformed, endpoints given by halves.

use std::sync::Arc;

use frontmcp::auth::store::MemoryStore;
use frontmcp::auth::{ConsentConfig, ServerAuth, ServerAuthMode};
use frontmcp::prelude::*;
use frontmcp_tests::ExampleServer;
use frontmcp_tests::stores::CountingStore;

fn orchestrated() -> ServerAuth {
    ServerAuth {
        mode: ServerAuthMode::Orchestrated,
        consent: ConsentConfig { enabled: true },
        ..Default::default()
    }
}

async fn start_error(builder: frontmcp::ServerBuilder) -> String {
    let server = builder.build().expect("the composition builds");
    let err = server
        .bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect_err("the start is refused");
    format!("{err:?}")
}

#[derive(Debug, Default)]
struct NoClientApp;

#[app(
    name = "Ledger",
    id = "ledger-x7",
    auth(
        mode = "transparent",
        remote(provider = "https://ledger.example/oauth", scopes("read"))
    )
)]
impl NoClientApp {
    /// Reads.
    #[tool(scopes("read"))]
    async fn read(&self) -> &'static str {
        "r"
    }
}

#[derive(Debug, Default)]
struct EnvClientApp;

#[app(
    name = "Wiki",
    auth(
        mode = "transparent",
        remote(
            provider = "https://wiki.example/oauth",
            scopes("read"),
            client_id_env = "FRONTMCP_TEST_SURELY_UNSET_CLIENT_ID"
        )
    )
)]
impl EnvClientApp {
    /// Reads.
    #[tool(scopes("read"))]
    async fn read(&self) -> &'static str {
        "r"
    }
}

#[derive(Debug, Default)]
struct HalfEndpointsApp;

#[app(
    name = "Half",
    auth(
        mode = "transparent",
        remote(
            provider = "https://half.example/oauth",
            scopes("read"),
            client_id = "c",
            token_endpoint = "https://half.example/token"
        )
    )
)]
impl HalfEndpointsApp {
    /// Reads.
    #[tool(scopes("read"))]
    async fn read(&self) -> &'static str {
        "r"
    }
}

#[tokio::test]
async fn missing_client_ids_name_the_variable() {
    let message = start_error(
        frontmcp_tests::builder("s", "1")
            .app(NoClientApp)
            .auth(orchestrated()),
    )
    .await;
    assert!(
        message.contains("FRONTMCP_LEDGER_X7_CLIENT_ID") && message.contains("ledger-x7"),
        "{message}"
    );
    let message = start_error(
        frontmcp_tests::builder("s", "1")
            .app(EnvClientApp)
            .auth(orchestrated()),
    )
    .await;
    assert!(
        message.contains("FRONTMCP_TEST_SURELY_UNSET_CLIENT_ID"),
        "{message}"
    );
}

#[tokio::test]
async fn endpoints_come_in_pairs() {
    let message = start_error(
        frontmcp_tests::builder("s", "1")
            .app(HalfEndpointsApp)
            .auth(orchestrated()),
    )
    .await;
    assert!(
        message.contains("authorization_endpoint") && message.contains("half"),
        "{message}"
    );
}

#[tokio::test]
async fn a_shared_store_needs_vault_keys() {
    let message = start_error(
        frontmcp_tests::builder("s", "1")
            .app(HalfEndpointsApp)
            .auth(orchestrated())
            .upstream_provider("half", "https://half.example/oauth")
            .store(Arc::new(
                CountingStore::new(Arc::new(MemoryStore::new())).claiming_shared(),
            )),
    )
    .await;
    assert!(message.contains("FRONTMCP_VAULT_KEYS"), "{message}");
    assert!(
        message.contains("openssl rand"),
        "says how to make one: {message}"
    );
}

/// A file that exists, for the variables that name one.
const CARGO_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");

#[test]
fn bad_environment_stops_the_example() {
    for (env, needle) in [
        (
            vec![("FRONTMCP_SLACK_PROVIDER", "ftp://slack.example")],
            "FRONTMCP_SLACK_PROVIDER",
        ),
        (
            vec![("FRONTMCP_SLACK_PROVIDER", "http://slack.example/oauth")],
            "FRONTMCP_SLACK_PROVIDER",
        ),
        (
            vec![("FRONTMCP_VAULT_KEYS", "not-a-key")],
            "FRONTMCP_VAULT_KEYS",
        ),
        (
            vec![("FRONTMCP_VAULT_KEYS", "k1:c2hvcnQ=")],
            "FRONTMCP_VAULT_KEYS",
        ),
        // Redis over TLS: a file that cannot be read, half a client identity, certificates for a
        // URL that is not TLS. Each stops the start-up before anything reaches Redis.
        (
            vec![
                ("REDIS_URL", "rediss://127.0.0.1:6379"),
                ("FRONTMCP_REDIS_CA", "/nonexistent/ca.pem"),
            ],
            "FRONTMCP_REDIS_CA",
        ),
        (
            vec![
                ("REDIS_URL", "rediss://127.0.0.1:6379"),
                ("FRONTMCP_REDIS_CLIENT_CERT", CARGO_TOML),
            ],
            "FRONTMCP_REDIS_CLIENT_KEY",
        ),
        (
            vec![
                ("REDIS_URL", "redis://127.0.0.1:6379"),
                ("FRONTMCP_REDIS_CA", CARGO_TOML),
            ],
            "not rediss://",
        ),
    ] {
        let (status, stderr) = ExampleServer::refused_start("agent_suite", &env);
        assert!(!status.success(), "{env:?} started");
        assert!(stderr.contains(needle), "{env:?}: {stderr}");
        assert!(
            !stderr.contains("c2hvcnQ"),
            "no key material in messages: {stderr}"
        );
    }
}
