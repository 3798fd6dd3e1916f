use frontmcp::prelude::*;

// An http:// spec without allow_private_network, an id outside [a-z0-9_-], an adapter with its
// own provider in a server that does not orchestrate authorization: three errors at once.
#[front_mcp(
    info(name = "gateway", version = "1"),
    adapters(
        openapi(spec = "http://api.example/openapi.json"),
        openapi(spec = "specs/github.yaml", id = "Git Hub"),
        openapi(
            spec = "specs/stripe.yaml",
            auth(mode = "transparent", remote(provider = "https://connect.stripe.com", scopes("read_write")))
        )
    )
)]
struct Server;

fn main() {}
