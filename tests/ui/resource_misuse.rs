use frontmcp::prelude::*;

#[derive(Default)]
struct Notes;

#[app(name = "Notes")]
impl Notes {
    #[resource]
    async fn nowhere(&self) -> &'static str {
        ""
    }

    #[resource(uri = "notes://a", template = "notes://{id}")]
    async fn both(&self) -> &'static str {
        ""
    }

    #[resource(uri = "readme")]
    async fn relative(&self) -> &'static str {
        ""
    }

    #[resource(uri = "notes://{id}")]
    async fn variables_in_uri(&self) -> &'static str {
        ""
    }

    #[resource(template = "notes://{id}/{id}")]
    async fn twice(&self, id: String) -> String {
        id
    }

    #[resource(template = "notes://{a}{b}")]
    async fn adjacent(&self) -> &'static str {
        ""
    }

    #[resource(uri = "notes://dup")]
    async fn first(&self) -> &'static str {
        ""
    }

    #[resource(uri = "notes://dup")]
    async fn second(&self) -> &'static str {
        ""
    }

    #[resource(uri = "notes://sync")]
    fn not_async(&self) -> &'static str {
        ""
    }
}

fn main() {}
