use frontmcp::prelude::*;

#[derive(Default)]
struct Notes;

struct Opaque;

#[app(name = "Notes")]
impl Notes {
    #[resource(uri = "notes://opaque")]
    async fn opaque(&self) -> Opaque {
        Opaque
    }

    #[resource(template = "notes://{id}")]
    async fn by_id(&self, id: Opaque) -> String {
        let _ = id;
        String::new()
    }
}

fn main() {}
