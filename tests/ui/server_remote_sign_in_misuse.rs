use frontmcp::prelude::*;

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

// `type = "remote"` without the provider users sign in at.
#[front_mcp(info(name = "a", version = "1"), apps(Crm), auth(mode = "orchestrated", type = "remote"))]
struct NoProvider;

// A provider for a server that signs users in itself.
#[front_mcp(
    info(name = "b", version = "1"),
    apps(Crm),
    auth(mode = "orchestrated", remote(provider = "https://idp.example", client_id = "rp"))
)]
struct NotRemote;

// The provider's endpoints come from its discovery document; a bad URL and variable name.
#[front_mcp(
    info(name = "c", version = "1"),
    apps(Crm),
    auth(
        mode = "orchestrated",
        type = "remote",
        remote(
            provider = "http://idp.example",
            client_id_env = "lower-case",
            token_endpoint = "https://idp.example/token"
        )
    )
)]
struct Endpoints;

fn main() {}
