//! MCP protocol revisions and their negotiation.

use std::fmt;

/// An MCP protocol revision this server speaks.
///
/// Ordered oldest to newest, so revision-dependent behaviour reads as a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// `2025-03-26`: Streamable HTTP, JSON-RPC batches.
    V2025_03_26,
    /// `2025-06-18`: no batches, `structuredContent`, `outputSchema`, `MCP-Protocol-Version` header.
    V2025_06_18,
    /// `2025-11-25`: URL-mode elicitation, input validation errors as tool errors.
    V2025_11_25,
    /// `2026-07-28`: stateless requests, each carrying its version and the client's
    /// capabilities in `_meta`; `server/discover` instead of `initialize`; multi round-trip
    /// results instead of server-initiated requests.
    V2026_07_28,
}

impl ProtocolVersion {
    /// The newest revision.
    pub const LATEST: Self = Self::V2026_07_28;

    /// The newest revision with the `initialize` handshake, offered to an `initialize` asking
    /// for one this server does not speak.
    pub const LATEST_HANDSHAKE: Self = Self::V2025_11_25;

    /// Every supported revision, newest first.
    pub const ALL: [Self; 4] = [
        Self::V2026_07_28,
        Self::V2025_11_25,
        Self::V2025_06_18,
        Self::V2025_03_26,
    ];

    /// The revision's date string as it travels on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Parses a wire string; `None` for revisions this server does not speak.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The revision to answer an `initialize` with: the client's when supported and a handshake
    /// revision, else the latest handshake revision (the client then decides whether it can go
    /// on, as the lifecycle specifies).
    pub fn negotiate(requested: &str) -> Self {
        Self::parse(requested)
            .filter(|v| !v.is_stateless())
            .unwrap_or(Self::LATEST_HANDSHAKE)
    }

    /// Whether requests of this revision stand alone (2026-07-28): no `initialize`, no protocol
    /// session, the version and capabilities in each request's `_meta`.
    pub fn is_stateless(self) -> bool {
        self >= Self::V2026_07_28
    }

    /// JSON-RPC batches were allowed only in 2025-03-26.
    pub fn allows_batches(self) -> bool {
        self == Self::V2025_03_26
    }

    /// From 2025-11-25 on, arguments that fail validation are tool execution errors
    /// (`isError: true`), so the model can correct itself; before, they were `-32602`.
    pub fn input_errors_are_tool_errors(self) -> bool {
        self >= Self::V2025_11_25
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ProtocolVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_keeps_supported_and_falls_back_to_latest() {
        assert_eq!(
            ProtocolVersion::negotiate("2025-06-18"),
            ProtocolVersion::V2025_06_18
        );
        assert_eq!(
            ProtocolVersion::negotiate("2025-03-26"),
            ProtocolVersion::V2025_03_26
        );
        assert_eq!(
            ProtocolVersion::negotiate("2024-11-05"),
            ProtocolVersion::LATEST_HANDSHAKE
        );
        assert_eq!(
            ProtocolVersion::negotiate("2099-01-01"),
            ProtocolVersion::LATEST_HANDSHAKE
        );
        // 2026-07-28 has no handshake: an initialize asking for it gets the latest that has.
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::LATEST_HANDSHAKE
        );
    }

    #[test]
    fn revision_rules() {
        assert!(ProtocolVersion::V2025_03_26.allows_batches());
        assert!(!ProtocolVersion::V2025_06_18.allows_batches());
        assert!(ProtocolVersion::V2025_11_25.input_errors_are_tool_errors());
        assert!(!ProtocolVersion::V2025_06_18.input_errors_are_tool_errors());
        assert!(ProtocolVersion::V2026_07_28.is_stateless());
        assert!(!ProtocolVersion::V2025_11_25.is_stateless());
    }
}
