use frontmcp::prelude::*;

#[derive(Default)]
struct Notes;

#[app(name = "Notes")]
impl Notes {
    // Not named after a variable, so taken as the context: it is not one.
    #[resource(template = "notes://{id}")]
    async fn not_a_variable(&self, name: String) -> String {
        name
    }

    #[resource(uri = "notes://fixed")]
    async fn fixed_with_parameter(&self, id: String) -> String {
        id
    }

    #[resource(template = "blobs://{id}")]
    async fn unparsable_variable(&self, id: Vec<u8>) -> String {
        format!("{id:?}")
    }
}

fn main() {}
