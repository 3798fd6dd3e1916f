use frontmcp::prelude::*;

#[resource(uri = "notes://a")]
async fn lonely() -> &'static str {
    ""
}

fn main() {}
