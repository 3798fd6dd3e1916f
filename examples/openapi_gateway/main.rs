//! APIGateway: tools generated from an OpenAPI spec, authorized progressively at the API's own
//! OAuth provider, as the seeds' "OpenAPI Adapter Integration" describes.
//!
//! The bundled `petstore.yaml` describes the Petstore REST API that the DEMO provider
//! (`frontmcp-demo-provider`) serves on a free loopback port, behind its Petstore OAuth provider.
//! Each operation becomes a tool (`petstore:list_pets`, `petstore:add_pet`, ...); the consent
//! screen shows them under the Petstore card; a call sends the session's Petstore token.
//!
//! ```sh
//! cargo run --example openapi_gateway      # http://127.0.0.1:3000/mcp
//! ```

use frontmcp::OpenApi;
use frontmcp::auth::{
    AppAuth, AppAuthMode, ConsentConfig, RemoteProvider, ServerAuth, ServerAuthMode,
};
use frontmcp_demo_provider::{DemoProvider, ProviderSpec};

/// The spec, bundled with the example.
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi_gateway/petstore.yaml");

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    frontmcp::env::init_tracing(std::env::var("RUST_LOG").ok().as_deref())?;
    // DEMO ONLY: the Petstore provider and its REST API, on a free loopback port.
    let demo =
        DemoProvider::builder()
            .clear_providers()
            .provider(
                ProviderSpec::new("petstore", "Petstore", ["pets:read", "pets:write"])
                    .with_rest_api("pets", "pets:read", "pets:write"),
            )
            .bind(
                std::env::var("GATEWAY_DEMO_ADDR")
                    .unwrap_or_else(|_| "127.0.0.1:0".into())
                    .as_str(),
            )
            .await?;
    let provider = demo.url("petstore");
    tracing::warn!(%provider, "DEMO provider plays the Petstore API and its OAuth provider");
    let petstore = OpenApi::new(SPEC)
        .base_url(format!("{provider}/rest"))
        // The demo API is on loopback: allowed explicitly (refused by default, against SSRF).
        .allow_private_network(true)
        .auth(AppAuth {
            mode: AppAuthMode::Transparent,
            remote: Some(RemoteProvider {
                provider: provider.clone().into(),
                scopes: vec!["pets:read".into(), "pets:write".into()],
                client_id: Some("api-gateway".into()),
                client_id_env: None,
                client_secret_env: None,
                authorization_endpoint: None,
                token_endpoint: None,
            }),
        });
    frontmcp::Server::builder("APIGateway", "1.0.0")
        .instructions("Petstore tools from its OpenAPI spec. The first call asks the user to authorize the Petstore.")
        .auth(ServerAuth {
            mode: ServerAuthMode::Orchestrated,
            consent: ConsentConfig { enabled: true },
            ..Default::default()
        })
        .openapi(petstore)
        .serve_from_env()
        .await?;
    drop(demo);
    Ok(())
}
