use frontmcp::prelude::*;

#[derive(Default)]
struct SignIn;

// Derives the id `signin`, which the server's own sign-in settings use.
#[app(name = "SignIn")]
impl SignIn {
    #[tool]
    async fn ping(&self) -> String {
        "pong".into()
    }
}

#[derive(Default)]
struct Other;

#[app(name = "Other", id = "signin")]
impl Other {
    #[tool]
    async fn pong(&self) -> String {
        "ping".into()
    }
}

fn main() {}
