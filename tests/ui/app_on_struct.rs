use frontmcp::prelude::*;

#[app(name = "CRM")]
struct Crm;

fn main() {}
