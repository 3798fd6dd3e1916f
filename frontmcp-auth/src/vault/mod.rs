//! The token vault: the upstream tokens each session obtained for each app, encrypted at rest.
//!
//! The vault is authoritative for app-level authorization: `session_id -> app_id -> `
//! [`VaultEntry`] (access token, refresh token, expiry, scopes). Entries live in the
//! [`Store`] under [`Namespace::Vault`], key `{session_id}/{app_id}`, each sealed with
//! AES-256-GCM under the current key of a [`VaultKeys`] ring (from `FRONTMCP_VAULT_KEYS`).
//!
//! # Record format (version 2)
//!
//! The stored value is binary: `[2, kid length, kid, 12-byte nonce, ciphertext and tag]`.
//!
//! - `2`: the format version;
//! - `kid`: the id of the key that sealed the entry (see [`VaultKeys`]);
//! - the nonce: 96 bits, fresh from the operating system's random source for every write;
//! - the AES-256-GCM ciphertext followed by its 128-bit tag. The plaintext is the MessagePack of
//!   the [`VaultEntry`] as an array, in this order: access token, refresh token (or nil),
//!   expiry (or nil), scopes (an array), provider, when obtained, when the session ends (or
//!   nil).
//!
//! The associated data is `b"frontmcp-vault/v2\0" + session_id + b"\0" + app_id`: a record copied
//! to another session or another app does not decrypt, and neither does a record whose bytes were
//! altered. Such records, records under a key id the ring does not hold and malformed records are
//! reported as [`VaultError::Corrupt`] and left in place; the caller decides what to do (usually:
//! delete the entry and ask the user to authorize the app again).
//!
//! Version 1 records are read too: the JSON object
//! `{"v":1,"kid":"k2","nonce":"<base64>","ct":"<base64>"}` with the JSON of the entry as
//! plaintext and `frontmcp-vault/v1` in the associated data. Version 2 is 200 bytes for a typical
//! entry where version 1 takes 500.
//!
//! Which version a vault writes: version 2 on a store local to this process (the memory store),
//! version 1 on a shared store (Redis). Versions before this one read only version 1, and take
//! any other record for a corrupt one, which they delete: during a rolling upgrade, processes of
//! both versions share one Redis, so the shared store keeps version 1 until a release that every
//! process reading it can open version 2 with. [`rotate`](TokenVault::rotate) re-seals in the
//! version this vault writes.
//!
//! # Round trips
//!
//! [`put`](TokenVault::put), [`put_new`](TokenVault::put_new), [`delete`](TokenVault::delete)
//! and [`get_fresh`](TokenVault::get_fresh) are one store operation each (one Redis command, one
//! round trip); so is [`get`](TokenVault::get) when it does not answer from memory (below).
//! [`apps`](TokenVault::apps) makes one per candidate it does not remember;
//! [`rotate`](TokenVault::rotate) two (a read, then a write when the entry is under an older key).
//!
//! # Opened records
//!
//! Each vault remembers, for at most 10,000 entries (past that, the least used go one at a time),
//! the entries it opened, so that a record is decrypted once, not on every call.
//!
//! - **On a store that watches** ([`Store::watch`]: Redis), the store tells the vault of every
//!   change to a vault record, whichever process made it (a refresh, a revocation, a deletion,
//!   an expiry), a moment after it happened. [`get`](TokenVault::get) then answers from memory,
//!   with no store read at all, while the watch is up; when the store loses it (the connection
//!   dropped, a heartbeat went unanswered) everything remembered is forgotten and reads go to the
//!   store until it is back. What must be the latest word (a refresh deciding whether someone
//!   else refreshed already) reads with [`get_fresh`](TokenVault::get_fresh).
//! - **Otherwise** (the memory store, which is this process's own), [`get`](TokenVault::get)
//!   reads the store every time and remembers a keyed hash of the exact record bytes beside the
//!   entry: the very bytes it opened before give back the remembered entry instead of being
//!   decrypted again; any other bytes are opened and checked in full. Entries are remembered
//!   under a keyed 64-bit hash of their store key, not the key itself: a hit needs the exact
//!   record bytes as well, so two keys sharing a hash only make each other miss.
//!
//! A remembered entry is one allocation (see [`VaultEntry`]) and a hit hands out a shared
//! reference to it, no copy: a warm [`get`](TokenVault::get) on the memory store takes about 220
//! ns, as it did when an entry was a struct of `String`s in an `Arc`, for about 200 bytes per
//! entry where that took 430. (Keeping the entries packed in pages, as the verified grants are,
//! and unpacking a copy on each hit, saved memory too but doubled a hit's cost: 650 to 810 ns
//! against 320 on that day's machine.)
//!
//! The tokens are in the process's memory while they are used anyway; the store never holds them
//! in clear.
//!
//! # Identifiers
//!
//! Session ids must be non-empty and contain neither `/` nor NUL; app ids must be non-empty and
//! contain no NUL. That keeps both the store key and the associated data unambiguous. Session ids
//! are bearer-like: errors show only their first few characters.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::remembered::Remembered;

pub(crate) mod entry;
use crate::store::{Namespace, Store, StoreError, Watcher};
use crate::watched::Watched;
pub use entry::{VaultEntry, VaultEntryBuilder};

/// The environment variable that holds the vault's key ring (see [`VaultKeys::from_env_value`]).
pub const VAULT_KEYS_ENV: &str = "FRONTMCP_VAULT_KEYS";

/// The version of the stored record format (see the [module docs](self)).
const RECORD_VERSION: u8 = 2;

/// The start of the associated data of every record of a version (1, 2).
fn aad_prefix(version: u8) -> &'static [u8] {
    if version == 1 {
        b"frontmcp-vault/v1\0"
    } else {
        b"frontmcp-vault/v2\0"
    }
}

/// Longest accepted key id.
const MAX_KID_LEN: usize = 32;

/// Largest entry (serialized plaintext) the vault accepts: upstream tokens are far smaller.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;

/// How many characters of a session id errors may show.
const SESSION_PREFIX_CHARS: usize = 8;

// -------------------------------------------------------------------------------------------------
// Keys
// -------------------------------------------------------------------------------------------------

/// The vault's key ring: AES-256 keys by key id. The first key is the current one (it seals every
/// write); every key in the ring opens the records it sealed.
///
/// To rotate: put the new key first and keep the old ones after it
/// (`FRONTMCP_VAULT_KEYS=k2:NEW,k1:OLD`) until every entry sealed under them has expired or been
/// [rotated](TokenVault::rotate). `Debug` shows the key ids only.
#[derive(Clone)]
pub struct VaultKeys {
    /// Never empty; the first is current.
    keys: Vec<VaultKey>,
}

#[derive(Clone)]
struct VaultKey {
    kid: String,
    cipher: Aes256Gcm,
}

/// A key ring could not be built. Messages name the entry or key id at fault, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultKeyError {
    /// The variable is set but holds no key.
    #[error(
        "{VAULT_KEYS_ENV} is empty: expected `kid:BASE64KEY[,kid:BASE64KEY...]` with 32-byte keys"
    )]
    Empty,
    /// An entry of the comma-separated list is not `kid:BASE64KEY`.
    #[error(
        "{VAULT_KEYS_ENV}: entry {position} is not `kid:BASE64KEY` (entries are separated by `,`)"
    )]
    Malformed {
        /// Which entry (from 1).
        position: usize,
    },
    /// A key id is empty, too long or has characters outside `[A-Za-z0-9_-]`.
    #[error(
        "vault key {position}: the key id must be 1 to {MAX_KID_LEN} characters from A-Z, a-z, \
         0-9, `_` and `-` (it has {len} characters)"
    )]
    InvalidKid {
        /// Which key (from 1; the current key is 1).
        position: usize,
        /// The key id's length in characters.
        len: usize,
    },
    /// A key is not base64.
    #[error(
        "{VAULT_KEYS_ENV}: key `{kid}` is not valid base64 (standard or URL-safe alphabet, padding \
         optional)"
    )]
    InvalidBase64 {
        /// The key's id.
        kid: String,
    },
    /// A key does not decode to 32 bytes.
    #[error("{VAULT_KEYS_ENV}: key `{kid}` decodes to {len} bytes; AES-256 needs exactly 32")]
    WrongLength {
        /// The key's id.
        kid: String,
        /// How many bytes it decodes to.
        len: usize,
    },
    /// Two keys share an id.
    #[error("vault key id `{kid}` appears more than once")]
    DuplicateKid {
        /// The repeated id.
        kid: String,
    },
}

/// Base64 with either padding (or none).
const fn lenient(alphabet: &'static alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}
const STANDARD_LENIENT: GeneralPurpose = lenient(&alphabet::STANDARD);
const URL_SAFE_LENIENT: GeneralPurpose = lenient(&alphabet::URL_SAFE);

impl VaultKeys {
    /// A ring of `current` (which seals every write) and `older` keys (which still open what they
    /// sealed).
    ///
    /// # Errors
    ///
    /// [`VaultKeyError::InvalidKid`] if a key id is not 1 to 32 characters of `[A-Za-z0-9_-]`,
    /// [`VaultKeyError::DuplicateKid`] if two keys share an id.
    pub fn new(
        current: (&str, [u8; 32]),
        older: Vec<(&str, [u8; 32])>,
    ) -> Result<Self, VaultKeyError> {
        let current = (current.0, Zeroizing::new(current.1));
        let older: Vec<_> = older
            .into_iter()
            .map(|(kid, key)| (kid, Zeroizing::new(key)))
            .collect();
        Self::build(std::iter::once(&current).chain(&older))
    }

    /// A ring of `keys`, current first (there is at least one).
    fn build<'a>(
        keys: impl Iterator<Item = &'a (&'a str, Zeroizing<[u8; 32]>)>,
    ) -> Result<Self, VaultKeyError> {
        let mut ring: Vec<VaultKey> = Vec::new();
        for (index, (kid, key)) in keys.enumerate() {
            check_kid(index + 1, kid)?;
            if ring.iter().any(|k| k.kid == *kid) {
                return Err(VaultKeyError::DuplicateKid {
                    kid: (*kid).to_owned(),
                });
            }
            ring.push(VaultKey {
                kid: (*kid).to_owned(),
                cipher: Aes256Gcm::new(key.as_ref().into()),
            });
        }
        assert!(!ring.is_empty(), "a vault key ring has a current key");
        Ok(Self { keys: ring })
    }

    /// Parses the value of `FRONTMCP_VAULT_KEYS`: `kid1:BASE64KEY,kid2:BASE64KEY,...`, current key
    /// first. Key ids are 1 to 32 characters of `[A-Za-z0-9_-]`, unique; keys are 32 bytes in
    /// standard or URL-safe base64, padding optional (`openssl rand -base64 32`). Whitespace around
    /// entries is ignored.
    ///
    /// # Errors
    ///
    /// A [`VaultKeyError`] naming the entry (by position) or key id at fault; never key material.
    pub fn from_env_value(value: &str) -> Result<Self, VaultKeyError> {
        if value.trim().is_empty() {
            return Err(VaultKeyError::Empty);
        }
        let mut parsed: Vec<(&str, Zeroizing<[u8; 32]>)> = Vec::new();
        for (index, item) in value.split(',').enumerate() {
            let position = index + 1;
            let Some((kid, key)) = item.trim().split_once(':') else {
                return Err(VaultKeyError::Malformed { position });
            };
            let (kid, key) = (kid.trim(), key.trim());
            check_kid(position, kid)?;
            let bytes = Zeroizing::new(
                STANDARD_LENIENT
                    .decode(key)
                    .or_else(|_| URL_SAFE_LENIENT.decode(key))
                    .map_err(|_| VaultKeyError::InvalidBase64 {
                        kid: kid.to_owned(),
                    })?,
            );
            let mut array = Zeroizing::new([0u8; 32]);
            if bytes.len() != array.len() {
                return Err(VaultKeyError::WrongLength {
                    kid: kid.to_owned(),
                    len: bytes.len(),
                });
            }
            array.copy_from_slice(&bytes);
            parsed.push((kid, array));
        }
        Self::build(parsed.iter())
    }

    /// A ring of one random key, for development. Entries sealed under it do not survive a
    /// restart and other processes cannot open them: callers should log a warning saying so.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).expect("the operating system's random source is available");
        let kid = format!("dev-{}", &crate::random::token()[..8]);
        Self::build(std::iter::once(&(kid.as_str(), key))).expect("a generated key id is valid")
    }

    /// The id of the current key (the one that seals writes).
    pub fn current_kid(&self) -> &str {
        &self.keys[0].kid
    }

    /// Every key id, current first.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    fn current(&self) -> &VaultKey {
        &self.keys[0]
    }

    fn by_kid(&self, kid: &str) -> Option<&VaultKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Seals `plaintext` for `purpose` under the current key (AES-256-GCM, a fresh nonce, the
    /// purpose as associated data): what the server keeps in the store that must not be usable by
    /// whoever reads the store (a shared signing key, a provider flow's PKCE verifier, ...). Only
    /// [`open`](Self::open) with the same purpose and a ring holding the key reads it back.
    ///
    /// The bytes are `[1, kid length, kid, 12-byte nonce, ciphertext and tag]`.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
        self.seal_as(SEALED_VERSION, &sealed_aad(purpose), plaintext)
    }

    /// Opens what [`seal`](Self::seal) sealed for `purpose`.
    ///
    /// # Errors
    ///
    /// [`CorruptReason::Malformed`] for bytes that are not sealed ones,
    /// [`CorruptReason::UnsupportedVersion`], [`CorruptReason::UnknownKey`] when the ring lacks
    /// the key, [`CorruptReason::Undecryptable`] when the bytes were altered, sealed for another
    /// purpose or under another key of the same id.
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CorruptReason> {
        match sealed.first() {
            Some(&SEALED_VERSION) => Ok(self.open_as(&sealed_aad(purpose), sealed)?.0),
            Some(&version) => Err(CorruptReason::UnsupportedVersion(u64::from(version))),
            None => Err(CorruptReason::Malformed("empty")),
        }
    }

    /// `[version, kid length, kid, 12-byte nonce, ciphertext and tag]`: `plaintext` sealed with
    /// `aad` under the current key.
    fn seal_as(&self, version: u8, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let key = self.current();
        let (nonce, ciphertext) = key.encrypt(aad, plaintext);
        let kid = key.kid.as_bytes();
        let mut sealed = Vec::with_capacity(2 + kid.len() + nonce.len() + ciphertext.len());
        sealed.push(version);
        sealed.push(u8::try_from(kid.len()).expect("key ids are at most 32 bytes"));
        sealed.extend_from_slice(kid);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens what [`seal_as`](Self::seal_as) sealed with `aad` (whatever its version byte):
    /// the plaintext and the id of the key that sealed it.
    fn open_as<'s>(
        &self,
        aad: &[u8],
        sealed: &'s [u8],
    ) -> Result<(Zeroizing<Vec<u8>>, &'s str), CorruptReason> {
        let [_version, kid_len, rest @ ..] = sealed else {
            return Err(CorruptReason::Malformed("no key id"));
        };
        let kid_len = usize::from(*kid_len);
        if rest.len() < kid_len + 12 {
            return Err(CorruptReason::Malformed(
                "shorter than its key id and nonce",
            ));
        }
        let (kid, rest) = rest.split_at(kid_len);
        let (nonce, ciphertext) = rest.split_at(12);
        let kid = std::str::from_utf8(kid).map_err(|_| CorruptReason::Malformed("key id"))?;
        let key = self.known(kid)?;
        // Decrypted in place: the buffer holds the ciphertext, then the plaintext.
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        key.decrypt(aad, nonce, &mut buffer)?;
        Ok((buffer, kid))
    }

    /// The key `kid`, or why it is not in the ring.
    fn known(&self, kid: &str) -> Result<&VaultKey, CorruptReason> {
        self.by_kid(kid).ok_or_else(|| CorruptReason::UnknownKey {
            // A kid that is not a valid id is not worth echoing.
            kid: if check_kid(0, kid).is_ok() {
                kid.to_owned()
            } else {
                "<invalid>".to_owned()
            },
            known: self.kids().collect::<Vec<_>>().join(", "),
        })
    }
}

impl VaultKey {
    /// Encrypts `plaintext` with `aad` under a fresh random nonce: the nonce and the ciphertext
    /// followed by its tag.
    fn encrypt(&self, aad: &[u8], plaintext: &[u8]) -> ([u8; 12], Vec<u8>) {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the operating system's random source is available");
        let ciphertext = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            // AES-GCM refuses only plaintexts beyond 64 GiB; callers bound theirs far below.
            .expect("AES-256-GCM encrypts any bounded plaintext");
        (nonce, ciphertext)
    }

    /// Decrypts `buffer` (ciphertext and tag) in place, so it then holds the plaintext.
    fn decrypt(&self, aad: &[u8], nonce: &[u8], buffer: &mut Vec<u8>) -> Result<(), CorruptReason> {
        let nonce = <[u8; 12]>::try_from(nonce)
            .map_err(|_| CorruptReason::Malformed("the nonce is not 12 bytes"))?;
        self.cipher
            .decrypt_in_place(&Nonce::from(nonce), aad, buffer)
            .map_err(|_| CorruptReason::Undecryptable {
                kid: self.kid.clone(),
            })
    }
}

/// The version byte of [`VaultKeys::seal`]'s format.
const SEALED_VERSION: u8 = 1;

/// The associated data of [`VaultKeys::seal`]: a sealed value opens only for its purpose.
fn sealed_aad(purpose: &str) -> Vec<u8> {
    [b"frontmcp-sealed/v1\0".as_slice(), purpose.as_bytes()].concat()
}

impl fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultKeys")
            .field("current", &self.current_kid())
            .field(
                "older",
                &self.keys[1..].iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn check_kid(position: usize, kid: &str) -> Result<(), VaultKeyError> {
    let valid = !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(VaultKeyError::InvalidKid {
            position,
            len: kid.chars().count(),
        })
    }
}

// -------------------------------------------------------------------------------------------------
// Errors
// -------------------------------------------------------------------------------------------------

/// A vault operation failed. Never carries tokens, plaintext, key material or a whole session id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The store failed (Redis down, timeout, ...).
    #[error("token vault: {0}")]
    Store(#[from] StoreError),
    /// The stored record cannot be opened. It was left in place: the caller decides whether to
    /// delete it (and ask for a new authorization).
    #[error(
        "token vault entry of session {session}, app `{app}` cannot be used: {reason} (the record \
         was left in place)"
    )]
    Corrupt {
        /// The first characters of the session id, then `…`.
        session: String,
        /// The app id.
        app: String,
        /// What is wrong.
        reason: CorruptReason,
    },
    /// A session id or app id the vault cannot key an entry by.
    #[error("token vault: invalid {what}: {problem}")]
    InvalidId {
        /// `session id` or `app id`.
        what: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The server keeps no vault: none of its apps has a provider of its own, so none has tokens
    /// to keep.
    #[error("token vault: this server keeps none (no app has its own provider)")]
    NoVault,
    /// The entry is larger than [`MAX_ENTRY_BYTES`] once serialized.
    #[error("token vault: entry of {len} bytes is larger than the limit of {MAX_ENTRY_BYTES}")]
    EntryTooLarge {
        /// Its serialized size.
        len: usize,
    },
}

/// Why a stored record cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorruptReason {
    /// The record is not a vault record of a known shape.
    #[error("the stored record is malformed ({0})")]
    Malformed(&'static str),
    /// The record has a format version this build does not know.
    #[error("the stored record has format version {0}, this build reads version 1")]
    UnsupportedVersion(u64),
    /// The record was sealed under a key id the ring does not hold.
    #[error(
        "it was encrypted under key id `{kid}`, which is not in the vault key ring \
         ({VAULT_KEYS_ENV}); known key ids: {known}"
    )]
    UnknownKey {
        /// The record's key id.
        kid: String,
        /// The ring's key ids, comma-separated.
        known: String,
    },
    /// Authentication failed: the record was altered, copied from another session or app, or
    /// sealed under a different key with the same id.
    #[error(
        "it does not decrypt under key `{kid}` (altered, copied from another session or app, or \
         sealed with a different key of the same id)"
    )]
    Undecryptable {
        /// The record's key id.
        kid: String,
    },
    /// It decrypted, but the entry inside does not parse.
    #[error("it decrypted, but the entry inside is not a valid vault entry")]
    BadEntry,
}

/// The first characters of a session id, for messages.
fn session_prefix(session_id: &str) -> String {
    let mut prefix: String = session_id.chars().take(SESSION_PREFIX_CHARS).collect();
    prefix.push('…');
    prefix
}

// -------------------------------------------------------------------------------------------------
// The vault
// -------------------------------------------------------------------------------------------------

/// A version 1 record (see the [module docs](self)); borrowed from the stored bytes when read.
#[derive(Serialize, Deserialize)]
struct RecordV1<'a> {
    v: u64,
    #[serde(borrow)]
    kid: Cow<'a, str>,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    ct: Cow<'a, str>,
}

/// Upstream tokens per session and app, sealed with AES-256-GCM in a [`Store`].
///
/// Cloning is cheap when the store is (it is shared). See the [module docs](self) for the
/// record format and the number of round trips.
#[derive(Clone, Debug)]
pub struct TokenVault {
    store: Arc<dyn Store>,
    keys: VaultKeys,
    opened: Opened,
    /// Writes version 2 records; else version 1 (see "Record format" in the
    /// [module docs](self)).
    writes_binary: bool,
}

/// The entries a vault opened: see "Opened records" in the [module docs](self).
#[derive(Clone, Debug)]
enum Opened {
    /// Kept current by the store's watch.
    Watched(Arc<Watched<VaultEntry>>),
    /// Checked against the record's bytes on every read.
    Fingerprinted(Arc<Remembered<VaultEntry>>),
}

/// How many opened records a vault remembers, as many as the verified-token cache.
const MAX_OPENED: usize = 10_000;

impl TokenVault {
    /// A vault over `store`, sealing with `keys`. When the store can watch the vault's records
    /// ([`Store::watch`]), reads are answered from memory while its watch is up, so this must then
    /// be called within a Tokio runtime (the watch is a task).
    pub fn new(store: Arc<dyn Store>, keys: VaultKeys) -> Self {
        let watched = Arc::new(Watched::new(MAX_OPENED));
        let watcher: Weak<dyn Watcher> = Arc::downgrade(&watched) as Weak<Watched<VaultEntry>>;
        let opened = if store.watch(Namespace::Vault, watcher) {
            Opened::Watched(watched)
        } else {
            Opened::Fingerprinted(Arc::new(Remembered::new(MAX_OPENED)))
        };
        Self {
            writes_binary: store.is_local(),
            store,
            keys,
            opened,
        }
    }

    /// Whether reads are answered from memory now, the store's watch being up (see "Opened
    /// records" in the [module docs](self)).
    pub fn is_watched(&self) -> bool {
        matches!(&self.opened, Opened::Watched(watched) if watched.is_up())
    }

    /// Tells this process's remembered entries that `key` was just written by it, before the
    /// store's own word arrives.
    fn wrote(&self, key: &str) {
        match &self.opened {
            Opened::Watched(watched) => watched.changed(key),
            Opened::Fingerprinted(remembered) => remembered.forget(key),
        }
    }

    /// The key ring.
    pub fn keys(&self) -> &VaultKeys {
        &self.keys
    }

    /// Stores `entry` for `session_id` and `app_id`, replacing any; it expires after `ttl` (never
    /// if `None`). One store operation.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidId`], [`VaultError::EntryTooLarge`], [`VaultError::Store`].
    pub async fn put(
        &self,
        session_id: &str,
        app_id: &str,
        entry: &VaultEntry,
        ttl: Option<Duration>,
    ) -> Result<(), VaultError> {
        let key = store_key(session_id, app_id)?;
        let record = self.seal(session_id, app_id, entry)?;
        let written = self.store.put(Namespace::Vault, &key, &record, ttl).await;
        // Even a failed write may have landed.
        self.wrote(&key);
        written?;
        Ok(())
    }

    /// Stores `entry` only if there is none for `session_id` and `app_id`: of concurrent
    /// authorizations of one app, the first writer wins. `Ok(false)` when an entry was already
    /// there (it is left as it was). One store operation.
    ///
    /// # Errors
    ///
    /// As [`put`](Self::put).
    pub async fn put_new(
        &self,
        session_id: &str,
        app_id: &str,
        entry: &VaultEntry,
        ttl: Option<Duration>,
    ) -> Result<bool, VaultError> {
        let key = store_key(session_id, app_id)?;
        let record = self.seal(session_id, app_id, entry)?;
        let written = self
            .store
            .put_new(Namespace::Vault, &key, &record, ttl)
            .await;
        self.wrote(&key);
        Ok(written?)
    }

    /// The entry for `session_id` and `app_id`, if any (and not expired in the store): from
    /// memory while the store's watch is up and this process opened it already, else one store
    /// operation.
    ///
    /// # Errors
    ///
    /// [`VaultError::Corrupt`] when the record cannot be opened (it is left in place),
    /// [`VaultError::InvalidId`], [`VaultError::Store`].
    pub async fn get(
        &self,
        session_id: &str,
        app_id: &str,
    ) -> Result<Option<VaultEntry>, VaultError> {
        let key = store_key(session_id, app_id)?;
        if let Opened::Watched(watched) = &self.opened
            && let Some(entry) = watched.get(&key)
            // An expiry Redis has not carried out yet.
            && entry.session_ends_at().is_none_or(|at| at > crate::tokens::now_secs())
        {
            metrics::counter!("frontmcp_vault_reads_total", "source" => "memory").increment(1);
            return Ok(Some(entry));
        }
        self.read(session_id, app_id, &key).await
    }

    /// The entry for `session_id` and `app_id` as the store holds it now: always one store
    /// operation. For decisions that another process's latest write must inform (has someone
    /// refreshed already?), where [`get`](Self::get) may answer a moment before the store's word
    /// of that write arrives.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_fresh(
        &self,
        session_id: &str,
        app_id: &str,
    ) -> Result<Option<VaultEntry>, VaultError> {
        let key = store_key(session_id, app_id)?;
        self.read(session_id, app_id, &key).await
    }

    /// Reads and opens the record under `key`, and remembers it.
    async fn read(
        &self,
        session_id: &str,
        app_id: &str,
        key: &str,
    ) -> Result<Option<VaultEntry>, VaultError> {
        metrics::counter!("frontmcp_vault_reads_total", "source" => "store").increment(1);
        match &self.opened {
            Opened::Watched(watched) => {
                let fill = watched.begin(key);
                let Some(bytes) = self.store.get(Namespace::Vault, key).await? else {
                    return Ok(None);
                };
                let entry = self.open(session_id, app_id, &bytes)?.0;
                if let Some(fill) = fill {
                    watched.keep(key, fill, entry.clone());
                }
                Ok(Some(entry))
            }
            Opened::Fingerprinted(remembered) => {
                let Some(bytes) = self.store.get(Namespace::Vault, key).await? else {
                    remembered.forget(key);
                    return Ok(None);
                };
                let fingerprint = remembered.fingerprint(key, &bytes);
                if let Some(entry) = remembered.get(key, fingerprint) {
                    return Ok(Some(entry));
                }
                let entry = self.open(session_id, app_id, &bytes)?.0;
                remembered.insert(key, fingerprint, entry.clone());
                Ok(Some(entry))
            }
        }
    }

    /// Removes the entry for `session_id` and `app_id`; `Ok(true)` if there was one. One store
    /// operation.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidId`], [`VaultError::Store`].
    pub async fn delete(&self, session_id: &str, app_id: &str) -> Result<bool, VaultError> {
        let key = store_key(session_id, app_id)?;
        let deleted = self.store.delete(Namespace::Vault, &key).await;
        self.wrote(&key);
        Ok(deleted?)
    }

    /// Which of `candidates` have an entry for `session_id`, in the order given (duplicates
    /// once). Presence only: entries are not decrypted, so a corrupt one counts. One store
    /// operation per candidate [`get`](Self::get) would not answer from memory, one after the
    /// other.
    ///
    /// # Errors
    ///
    /// [`VaultError::InvalidId`], [`VaultError::Store`].
    pub async fn apps(
        &self,
        session_id: &str,
        candidates: &[&str],
    ) -> Result<Vec<String>, VaultError> {
        let mut present = Vec::new();
        for &app_id in candidates {
            if present.iter().any(|p| p == app_id) {
                continue;
            }
            let key = store_key(session_id, app_id)?;
            let remembered = matches!(&self.opened, Opened::Watched(w) if w.get(&key).is_some());
            if remembered || self.store.get(Namespace::Vault, &key).await?.is_some() {
                present.push(app_id.to_owned());
            }
        }
        Ok(present)
    }

    /// Re-seals the entry for `session_id` and `app_id` under the current key, with `ttl` (the
    /// store does not tell the remaining one). `Ok(true)` if it was rewritten, `Ok(false)` if
    /// there is no entry or it is already under the current key. Two store operations (read,
    /// write) and not atomic: a write between them is overwritten, so rotate when the entry is not
    /// being re-authorized (e.g. in a maintenance pass).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get) and [`put`](Self::put).
    pub async fn rotate(
        &self,
        session_id: &str,
        app_id: &str,
        ttl: Option<Duration>,
    ) -> Result<bool, VaultError> {
        let key = store_key(session_id, app_id)?;
        let Some(bytes) = self.store.get(Namespace::Vault, &key).await? else {
            return Ok(false);
        };
        let (entry, kid) = self.open(session_id, app_id, &bytes)?;
        if kid == self.keys.current_kid() {
            return Ok(false);
        }
        let record = self.seal(session_id, app_id, &entry)?;
        let written = self.store.put(Namespace::Vault, &key, &record, ttl).await;
        self.wrote(&key);
        written?;
        Ok(true)
    }

    /// Encrypts `entry` into a record under the current key.
    fn seal(
        &self,
        session_id: &str,
        app_id: &str,
        entry: &VaultEntry,
    ) -> Result<Vec<u8>, VaultError> {
        let plaintext = Zeroizing::new(if self.writes_binary {
            rmp_serde::to_vec(entry).expect("a vault entry always serializes to MessagePack")
        } else {
            serde_json::to_vec(entry).expect("a vault entry always serializes to JSON")
        });
        if plaintext.len() > MAX_ENTRY_BYTES {
            return Err(VaultError::EntryTooLarge {
                len: plaintext.len(),
            });
        }
        if self.writes_binary {
            return Ok(self.keys.seal_as(
                RECORD_VERSION,
                &aad(RECORD_VERSION, session_id, app_id),
                &plaintext,
            ));
        }
        let key = self.keys.current();
        let (nonce, ciphertext) = key.encrypt(&aad(1, session_id, app_id), &plaintext);
        let record = RecordV1 {
            v: 1,
            kid: Cow::Borrowed(&key.kid),
            nonce: Cow::Owned(URL_SAFE_NO_PAD.encode(nonce)),
            ct: Cow::Owned(URL_SAFE_NO_PAD.encode(ciphertext)),
        };
        Ok(serde_json::to_vec(&record).expect("a vault record always serializes to JSON"))
    }

    /// Decrypts a record; returns the entry and the id of the key that sealed it.
    fn open(
        &self,
        session_id: &str,
        app_id: &str,
        bytes: &[u8],
    ) -> Result<(VaultEntry, String), VaultError> {
        let corrupt = |reason| VaultError::Corrupt {
            session: session_prefix(session_id),
            app: app_id.to_owned(),
            reason,
        };
        let (entry, kid) = match bytes.first() {
            Some(&RECORD_VERSION) => open_binary(&self.keys, session_id, app_id, bytes),
            Some(b'{') => open_json(&self.keys, session_id, app_id, bytes),
            // A version byte, of a version this code does not know.
            Some(&version) if version < b' ' => {
                Err(CorruptReason::UnsupportedVersion(u64::from(version)))
            }
            Some(_) => Err(CorruptReason::Malformed("not a vault record")),
            None => Err(CorruptReason::Malformed("empty")),
        }
        .map_err(corrupt)?;
        Ok((entry, kid))
    }
}

/// Opens a version 2 record (see the [module docs](self)).
fn open_binary(
    keys: &VaultKeys,
    session_id: &str,
    app_id: &str,
    bytes: &[u8],
) -> Result<(VaultEntry, String), CorruptReason> {
    let (plaintext, kid) = keys.open_as(&aad(RECORD_VERSION, session_id, app_id), bytes)?;
    // Only that it failed: serde's messages may quote the plaintext.
    let entry = rmp_serde::from_slice(&plaintext).map_err(|_| CorruptReason::BadEntry)?;
    Ok((entry, kid.to_owned()))
}

/// Opens a version 1 record (see the [module docs](self)).
fn open_json(
    keys: &VaultKeys,
    session_id: &str,
    app_id: &str,
    bytes: &[u8],
) -> Result<(VaultEntry, String), CorruptReason> {
    // Only the shape is reported: serde's messages may quote the record.
    let record: RecordV1 = serde_json::from_slice(bytes)
        .map_err(|_| CorruptReason::Malformed("not a JSON vault record"))?;
    if record.v != 1 {
        return Err(CorruptReason::UnsupportedVersion(record.v));
    }
    let key = keys.known(&record.kid)?;
    let nonce = URL_SAFE_NO_PAD
        .decode(record.nonce.as_bytes())
        .map_err(|_| CorruptReason::Malformed("the nonce is not base64"))?;
    let mut buffer = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(record.ct.as_bytes())
            .map_err(|_| CorruptReason::Malformed("the ciphertext is not base64"))?,
    );
    key.decrypt(&aad(1, session_id, app_id), &nonce, &mut buffer)?;
    let entry = serde_json::from_slice(&buffer).map_err(|_| CorruptReason::BadEntry)?;
    Ok((entry, record.kid.into_owned()))
}

/// `{session_id}/{app_id}`, after checking both ids.
fn store_key(session_id: &str, app_id: &str) -> Result<String, VaultError> {
    let invalid = |what, problem| Err(VaultError::InvalidId { what, problem });
    if session_id.is_empty() {
        return invalid("session id", "it is empty");
    }
    if session_id.contains('/') {
        return invalid("session id", "it contains `/`");
    }
    if session_id.contains('\0') {
        return invalid("session id", "it contains a NUL character");
    }
    if app_id.is_empty() {
        return invalid("app id", "it is empty");
    }
    if app_id.contains('\0') {
        return invalid("app id", "it contains a NUL character");
    }
    Ok(format!("{session_id}/{app_id}"))
}

/// The associated data binding a record of `version` to its session and app.
fn aad(version: u8, session_id: &str, app_id: &str) -> Vec<u8> {
    let prefix = aad_prefix(version);
    let mut aad = Vec::with_capacity(prefix.len() + session_id.len() + 1 + app_id.len());
    aad.extend_from_slice(prefix);
    aad.extend_from_slice(session_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(app_id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_layout() {
        assert_eq!(
            aad(1, "s1", "slack"),
            b"frontmcp-vault/v1\0s1\0slack".to_vec()
        );
        assert_eq!(
            aad(2, "s1", "slack"),
            b"frontmcp-vault/v2\0s1\0slack".to_vec()
        );
    }

    #[test]
    fn session_prefix_is_short() {
        assert_eq!(session_prefix("sess_abcdefghijkl"), "sess_abc…");
        assert_eq!(session_prefix("ab"), "ab…");
    }

    #[test]
    fn ids_are_checked() {
        assert!(store_key("s", "a").is_ok());
        assert!(store_key("", "a").is_err());
        assert!(store_key("s/x", "a").is_err());
        assert!(store_key("s\0", "a").is_err());
        assert!(store_key("s", "").is_err());
        assert!(store_key("s", "a\0b").is_err());
        assert_eq!(store_key("s", "a/b").unwrap(), "s/a/b");
    }
}
