use frontmcp::prelude::*;

#[derive(Serialize)]
struct Contact {
    name: String,
}

#[derive(Default)]
struct Crm;

#[app(name = "CRM")]
impl Crm {
    #[tool]
    async fn find(&self) -> Json<Contact> {
        Json(Contact { name: "Ada".into() })
    }
}

fn main() {}
