//! DEMO ONLY: serves the fake Slack and GitHub OAuth providers of
//! `frontmcp-demo-provider` for frontmcp's examples. Never for production.
//!
//! Listens on `DEMO_PROVIDER_ADDR` (default `127.0.0.1:9099`); logs with
//! `RUST_LOG` (default `info`). Stop with Ctrl-C.

use std::io::IsTerminal;

use frontmcp_demo_provider::DemoProvider;
use tracing_subscriber::EnvFilter;

const DEFAULT_ADDR: &str = "127.0.0.1:9099";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Colours only on a terminal: a log file or a test's pipe reads plain text.
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(ansi)
        .init();
    let addr = std::env::var("DEMO_PROVIDER_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let demo = DemoProvider::builder().bind(addr.as_str()).await?;

    println!("frontmcp DEMO OAuth provider (not the real services; never for production)");
    println!("listening on {}", demo.base_url());
    for id in demo.provider_ids() {
        println!("  {id:<8} provider URL: {}", demo.url(id));
        println!("           metadata:     {}", demo.metadata_url(id));
    }
    println!("any client_id with a loopback redirect URI is accepted; Ctrl-C to stop");

    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    demo.shutdown().await;
    Ok(())
}
