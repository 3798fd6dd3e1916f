//! Small apps the tests serve where the tools themselves do not matter.

use frontmcp::prelude::*;

/// One tool, `notes:list`, covered by the sign-in.
#[derive(Debug, Default)]
pub struct NotesApp;

#[app(name = "Notes")]
impl NotesApp {
    /// Lists notes.
    #[tool]
    async fn list(&self) -> &'static str {
        "no notes"
    }
}
