//! [`VaultEntry`]: an upstream provider's tokens for one session and one app, in one allocation.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use triomphe::{Arc, HeaderSlice};
use zeroize::Zeroizing;

/// What the vault keeps for one session and one app: the upstream provider's tokens.
///
/// An entry is one shared allocation: its times, then the tokens, the provider and the scopes as
/// one string. Cloning it counts a reference, so the vault hands out what it remembers without
/// a copy. The vault remembers up to 10,000 opened entries; held this way, each takes about 200
/// bytes where a struct of `String`s (an allocation per token, scope and provider) took 430.
///
/// Scopes are OAuth scope tokens (RFC 6749 §3.3), which never hold spaces: a scope given with
/// whitespace in it is kept as the several scopes it separates, and empty ones are dropped.
///
/// ```
/// use frontmcp_auth::vault::VaultEntry;
///
/// let entry = VaultEntry::builder("at-123", "https://slack.example")
///     .refresh_token(Some("rt-456"))
///     .expires_at(Some(1_900_000_000))
///     .scopes(["chat:write", "channels:read"])
///     .build();
/// assert_eq!(entry.access_token(), "at-123");
/// assert_eq!(entry.refresh_token(), Some("rt-456"));
/// assert_eq!(entry.scopes().collect::<Vec<_>>(), ["chat:write", "channels:read"]);
/// // `Debug` never shows a token.
/// assert!(!format!("{entry:?}").contains("at-123"));
///
/// // Another entry like it: a refresh that got a new access token.
/// let refreshed = entry.to_builder().access_token("at-789").build();
/// assert_eq!(refreshed.refresh_token(), Some("rt-456"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VaultEntry(Arc<HeaderSlice<Layout, str>>);

/// An entry's times, and where each part of its text ends. The text is the access token, the
/// refresh token (if any), the provider, then the scopes separated by single spaces.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// [`NEVER`] for none.
    expires_at: u64,
    obtained_at: u64,
    /// [`NEVER`] for none.
    session_ends_at: u64,
    access_end: u32,
    /// `access_end` when there is no refresh token.
    refresh_end: u32,
    provider_end: u32,
    has_refresh: bool,
}

/// Whether the scopes `granted` grant `scope`: every one of the scopes it names, if it holds
/// whitespace (OAuth scopes never do, so the vault keeps such a string as the scopes it
/// separates); an empty one is always granted.
pub(crate) fn grants<'g>(granted: impl Iterator<Item = &'g str> + Clone, scope: &str) -> bool {
    scope
        .split_ascii_whitespace()
        .all(|part| granted.clone().any(|g| g == part))
}

/// A time that never comes (in the year 584 billion): what "no expiry" is stored as. An entry
/// given it as a time reads back as having none, which means the same.
const NEVER: u64 = u64::MAX;

fn time(stored: u64) -> Option<u64> {
    (stored != NEVER).then_some(stored)
}

impl VaultEntry {
    /// An entry for `access_token`, issued by `provider` (its issuer or base URL), obtained now,
    /// with no refresh token, expiry, scopes or session end until the builder says otherwise.
    pub fn builder<'a>(access_token: &'a str, provider: &'a str) -> VaultEntryBuilder<'a> {
        Self::obtained(access_token, provider, crate::tokens::now_secs())
    }

    fn obtained<'a>(
        access_token: &'a str,
        provider: &'a str,
        obtained_at: u64,
    ) -> VaultEntryBuilder<'a> {
        VaultEntryBuilder {
            access_token,
            refresh_token: None,
            expires_at: None,
            scopes: String::new(),
            provider,
            obtained_at,
            session_ends_at: None,
        }
    }

    /// A builder holding this entry's values, to make another entry like it.
    pub fn to_builder(&self) -> VaultEntryBuilder<'_> {
        let layout = self.layout();
        VaultEntryBuilder {
            access_token: self.access_token(),
            refresh_token: self.refresh_token(),
            expires_at: self.expires_at(),
            scopes: self.text()[layout.provider_end as usize..].to_owned(),
            provider: self.provider(),
            obtained_at: layout.obtained_at,
            session_ends_at: self.session_ends_at(),
        }
    }

    fn layout(&self) -> &Layout {
        &self.0.header
    }

    fn text(&self) -> &str {
        &self.0.slice
    }

    /// The upstream access token.
    pub fn access_token(&self) -> &str {
        &self.text()[..self.layout().access_end as usize]
    }

    /// The upstream refresh token, if the provider issued one.
    pub fn refresh_token(&self) -> Option<&str> {
        let layout = self.layout();
        layout
            .has_refresh
            .then(|| &self.text()[layout.access_end as usize..layout.refresh_end as usize])
    }

    /// When the access token expires (unix seconds), if the provider said.
    pub fn expires_at(&self) -> Option<u64> {
        time(self.layout().expires_at)
    }

    /// The scopes the provider granted, in the order it listed them.
    pub fn scopes(&self) -> impl Iterator<Item = &str> + Clone {
        self.text()[self.layout().provider_end as usize..].split_ascii_whitespace()
    }

    /// Whether the entry grants `scope`: every one of the scopes it names, if it holds
    /// whitespace (as [`VaultEntryBuilder::scopes`] splits it); an empty one is always granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        grants(self.scopes(), scope)
    }

    /// Which provider issued the tokens (its issuer or base URL).
    pub fn provider(&self) -> &str {
        let layout = self.layout();
        &self.text()[layout.refresh_end as usize..layout.provider_end as usize]
    }

    /// When the tokens were obtained (unix seconds).
    pub fn obtained_at(&self) -> u64 {
        self.layout().obtained_at
    }

    /// When the auth session they belong to ends (unix seconds): the entry never outlives it.
    pub fn session_ends_at(&self) -> Option<u64> {
        time(self.layout().session_ends_at)
    }
}

/// Builds a [`VaultEntry`]: from [`VaultEntry::builder`] or [`VaultEntry::to_builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct VaultEntryBuilder<'a> {
    access_token: &'a str,
    refresh_token: Option<&'a str>,
    expires_at: Option<u64>,
    /// Separated by single spaces.
    scopes: String,
    provider: &'a str,
    obtained_at: u64,
    session_ends_at: Option<u64>,
}

impl<'a> VaultEntryBuilder<'a> {
    /// The upstream access token.
    pub fn access_token(mut self, token: &'a str) -> Self {
        self.access_token = token;
        self
    }

    /// The upstream refresh token, if the provider issued one.
    pub fn refresh_token(mut self, token: Option<&'a str>) -> Self {
        self.refresh_token = token;
        self
    }

    /// When the access token expires (unix seconds), if the provider said.
    pub fn expires_at(mut self, at: Option<u64>) -> Self {
        self.expires_at = at;
        self
    }

    /// The scopes the provider granted (replacing any given before).
    pub fn scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.clear();
        for scope in scopes {
            for scope in scope.as_ref().split_ascii_whitespace() {
                if !self.scopes.is_empty() {
                    self.scopes.push(' ');
                }
                self.scopes.push_str(scope);
            }
        }
        self
    }

    /// Which provider issued the tokens (its issuer or base URL).
    pub fn provider(mut self, provider: &'a str) -> Self {
        self.provider = provider;
        self
    }

    /// When the tokens were obtained (unix seconds); now unless said.
    pub fn obtained_at(mut self, at: u64) -> Self {
        self.obtained_at = at;
        self
    }

    /// When the auth session the tokens belong to ends (unix seconds).
    pub fn session_ends_at(mut self, at: Option<u64>) -> Self {
        self.session_ends_at = at;
        self
    }

    /// The entry.
    ///
    /// # Panics
    ///
    /// If the tokens, provider and scopes together exceed 4 GiB (the vault refuses entries over
    /// [`MAX_ENTRY_BYTES`](super::MAX_ENTRY_BYTES) anyway).
    pub fn build(self) -> VaultEntry {
        let refresh = self.refresh_token.unwrap_or("");
        // Wiped when dropped: the tokens are copied from here into the entry.
        let mut text = Zeroizing::new(String::with_capacity(
            self.access_token.len() + refresh.len() + self.provider.len() + self.scopes.len(),
        ));
        let mut end = |part: &str| {
            text.push_str(part);
            u32::try_from(text.len()).expect("a vault entry's text is under 4 GiB")
        };
        let layout = Layout {
            expires_at: self.expires_at.unwrap_or(NEVER),
            obtained_at: self.obtained_at,
            session_ends_at: self.session_ends_at.unwrap_or(NEVER),
            access_end: end(self.access_token),
            refresh_end: end(refresh),
            provider_end: end(self.provider),
            has_refresh: self.refresh_token.is_some(),
        };
        end(&self.scopes);
        VaultEntry(Arc::from_header_and_str(layout, &text))
    }
}

impl fmt::Debug for VaultEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultEntry")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at())
            .field("scopes", &self.scopes().collect::<Vec<_>>())
            .field("provider", &self.provider())
            .field("obtained_at", &self.obtained_at())
            .field("session_ends_at", &self.session_ends_at())
            .finish()
    }
}

impl fmt::Debug for VaultEntryBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultEntryBuilder")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// An entry as it is serialized inside a sealed record: these fields in this order (MessagePack
/// writes them as an array, so the order is the format), borrowed from the plaintext when read.
#[derive(Serialize, Deserialize)]
struct Fields<'a> {
    #[serde(borrow)]
    access_token: Text<'a>,
    #[serde(default, borrow)]
    refresh_token: Option<Text<'a>>,
    #[serde(default)]
    expires_at: Option<u64>,
    #[serde(default, borrow)]
    scopes: Vec<Text<'a>>,
    #[serde(borrow)]
    provider: Text<'a>,
    obtained_at: u64,
    #[serde(default)]
    session_ends_at: Option<u64>,
}

/// A string of [`Fields`]: serde borrows a `Cow` only where it is a field's whole type, so one
/// inside an `Option` or a `Vec` needs this to borrow too (JSON with escapes is copied).
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Self {
        Self(Cow::Borrowed(text))
    }
}

impl Serialize for VaultEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Fields {
            access_token: self.access_token().into(),
            refresh_token: self.refresh_token().map(Text::from),
            expires_at: self.expires_at(),
            scopes: self.scopes().map(Text::from).collect(),
            provider: self.provider().into(),
            obtained_at: self.obtained_at(),
            session_ends_at: self.session_ends_at(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VaultEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Fields::deserialize(deserializer)?;
        let scopes = fields.scopes.iter().map(|scope| &*scope.0);
        Ok(VaultEntry::obtained(
            &fields.access_token.0,
            &fields.provider.0,
            fields.obtained_at,
        )
        .refresh_token(fields.refresh_token.as_ref().map(|token| &*token.0))
        .expires_at(fields.expires_at)
        .scopes(scopes)
        .session_ends_at(fields.session_ends_at)
        .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> VaultEntry {
        VaultEntry::builder("at", "https://p.example")
            .refresh_token(Some("rt"))
            .expires_at(Some(10))
            .scopes(["a", "b c", "", "  d "])
            .obtained_at(5)
            .session_ends_at(Some(20))
            .build()
    }

    #[test]
    fn every_part_reads_back() {
        let entry = full();
        assert_eq!(entry.access_token(), "at");
        assert_eq!(entry.refresh_token(), Some("rt"));
        assert_eq!(entry.expires_at(), Some(10));
        assert_eq!(entry.scopes().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(entry.provider(), "https://p.example");
        assert_eq!(entry.obtained_at(), 5);
        assert_eq!(entry.session_ends_at(), Some(20));
        assert_eq!(entry.to_builder().build(), entry);
        assert!(entry.has_scope("a") && entry.has_scope("b c") && entry.has_scope(" "));
        assert!(!entry.has_scope("e") && !entry.has_scope("a e"));

        let bare = VaultEntry::builder("", "p").obtained_at(0).build();
        assert_eq!(bare.access_token(), "");
        // An empty refresh token is still one.
        assert_eq!(
            bare.to_builder()
                .refresh_token(Some(""))
                .build()
                .refresh_token(),
            Some("")
        );
        assert_eq!(bare.refresh_token(), None);
        assert_eq!(bare.expires_at(), None);
        assert_eq!(bare.scopes().count(), 0);
        assert_eq!(bare.provider(), "p");
        assert_eq!(bare.session_ends_at(), None);
    }

    #[test]
    fn serializes_as_the_struct_it_replaced() {
        // The field names, order and optional fields of version 1 and 2 records.
        let json = serde_json::to_value(full()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "access_token": "at", "refresh_token": "rt", "expires_at": 10,
                "scopes": ["a", "b", "c", "d"], "provider": "https://p.example",
                "obtained_at": 5, "session_ends_at": 20,
            })
        );
        let minimal: VaultEntry =
            serde_json::from_str(r#"{"access_token":"x","provider":"p","obtained_at":1}"#).unwrap();
        assert_eq!(
            minimal,
            VaultEntry::builder("x", "p").obtained_at(1).build()
        );
        // Byte for byte what the struct of `String`s this replaced wrote.
        let two = VaultEntry::builder("at", "https://p.example")
            .refresh_token(Some("rt"))
            .expires_at(Some(10))
            .scopes(["a", "b"])
            .obtained_at(5)
            .build();
        let written_before = [
            b"\x97\xa2at\xa2rt\x0a\x92\xa1a\xa1b\xb1".as_slice(),
            b"https://p.example\x05\xc0",
        ]
        .concat();
        assert_eq!(rmp_serde::to_vec(&two).unwrap(), written_before);
        assert_eq!(
            rmp_serde::from_slice::<VaultEntry>(&written_before).unwrap(),
            two
        );
        let packed = rmp_serde::to_vec(&full()).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<VaultEntry>(&packed).unwrap(),
            full()
        );
    }
}
