//! The CRM app: contacts.

use std::sync::RwLock;

use frontmcp::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Contact {
    /// Stable identifier.
    pub id: u32,
    /// Full name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Company.
    pub company: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Contacts {
    /// The matching contacts.
    pub contacts: Vec<Contact>,
}

#[derive(Deserialize, JsonSchema)]
pub struct ContactQuery {
    /// Only contacts whose name, email or company contains this text (case-insensitive).
    #[serde(default)]
    pub search: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub struct ContactUpdate {
    /// The contact to change.
    pub id: u32,
    /// New email address.
    #[serde(default)]
    pub email: Option<String>,
    /// New company.
    #[serde(default)]
    pub company: Option<String>,
}

pub struct CrmApp {
    contacts: RwLock<Vec<Contact>>,
}

impl Default for CrmApp {
    fn default() -> Self {
        let contact = |id, name: &str, email: &str, company: &str| Contact {
            id,
            name: name.into(),
            email: email.into(),
            company: company.into(),
        };
        Self {
            contacts: RwLock::new(vec![
                contact(
                    1,
                    "Ada Lovelace",
                    "ada@analytical.example",
                    "Analytical Engines",
                ),
                contact(2, "Grace Hopper", "grace@cobol.example", "Navy Labs"),
                contact(3, "Alan Turing", "alan@bletchley.example", "Bletchley Park"),
            ]),
        }
    }
}

#[app(name = "CRM", description = "Customer contacts.")]
impl CrmApp {
    /// Lists contacts, optionally filtered by a search text.
    #[tool(read_only = true, scopes("crm:read"))]
    async fn get_contacts(&self, input: ContactQuery) -> Json<Contacts> {
        let needle = input.search.unwrap_or_default().to_lowercase();
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        let contacts = contacts
            .iter()
            .filter(|c| {
                [&c.name, &c.email, &c.company]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
            })
            .cloned()
            .collect();
        Json(Contacts { contacts })
    }

    /// Changes a contact's email or company.
    #[tool(idempotent = true, scopes("crm:write"))]
    async fn update_contact(&self, input: ContactUpdate) -> ToolResult<Json<Contact>> {
        let mut contacts = self.contacts.write().unwrap_or_else(|p| p.into_inner());
        let contact = contacts
            .iter_mut()
            .find(|c| c.id == input.id)
            .ok_or_else(|| ToolError::new(format!("no contact with id {}", input.id)))?;
        if let Some(email) = input.email {
            if !email.contains('@') {
                return Err(ToolError::new(format!("`{email}` is not an email address")));
            }
            contact.email = email;
        }
        if let Some(company) = input.company {
            contact.company = company;
        }
        Ok(Json(contact.clone()))
    }
}
