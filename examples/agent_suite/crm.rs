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

/// The arguments of the `email_contact` prompt.
#[derive(Deserialize, JsonSchema)]
pub struct EmailArguments {
    /// The contact's name.
    pub contact: String,
    /// What the email is about.
    #[serde(default)]
    pub topic: Option<String>,
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

    /// Every contact.
    #[resource(
        uri = "crm://contacts",
        mime_type = "application/json",
        scopes("crm:read")
    )]
    async fn contacts(&self) -> Json<Contacts> {
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        Json(Contacts {
            contacts: contacts.clone(),
        })
    }

    /// One contact, by its ID.
    #[resource(
        template = "crm://contacts/{id}",
        mime_type = "application/json",
        scopes("crm:read")
    )]
    async fn contact(&self, id: u32) -> Option<Json<Contact>> {
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        contacts.iter().find(|c| c.id == id).cloned().map(Json)
    }

    /// Suggests contact IDs.
    #[complete(resource = "contact")]
    async fn complete_contact_id(&self, argument: CompletionArgument) -> Vec<String> {
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        contacts
            .iter()
            .map(|c| c.id.to_string())
            .filter(|id| id.starts_with(&argument.value))
            .collect()
    }

    /// Drafts an email to a contact, with their record attached.
    #[prompt(scopes("crm:read"))]
    async fn email_contact(&self, args: EmailArguments) -> ToolResult<Vec<PromptMessage>> {
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        let contact = contacts
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&args.contact))
            .ok_or_else(|| ToolError::new(format!("no contact named {}", args.contact)))?;
        let record = serde_json::to_string(contact)?;
        let topic = args.topic.as_deref().unwrap_or("a follow-up");
        Ok(vec![
            PromptMessage::user(ResourceContents::text(
                format!("crm://contacts/{}", contact.id),
                Some("application/json"),
                record,
            )),
            PromptMessage::user(format!(
                "Draft a short email to {} at {} about {topic}.",
                contact.name, contact.company
            )),
        ])
    }

    /// Suggests contact names.
    #[complete(prompt = "email_contact")]
    async fn complete_contact_name(&self, argument: CompletionArgument) -> Vec<String> {
        if argument.name != "contact" {
            return Vec::new();
        }
        let typed = argument.value.to_lowercase();
        let contacts = self.contacts.read().unwrap_or_else(|p| p.into_inner());
        contacts
            .iter()
            .filter(|c| c.name.to_lowercase().starts_with(&typed))
            .map(|c| c.name.clone())
            .collect()
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
