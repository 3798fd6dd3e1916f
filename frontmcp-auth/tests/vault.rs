//! The token vault, checked on every store: each `case_*` runs on a [`MemoryStore`] and on a
//! [`RedisStore`] (the machine's, at `redis://127.0.0.1:6379`, with a random key prefix per
//! test so parallel runs do not collide).
//!
//! Without a reachable Redis the Redis tests are skipped loudly, unless `CI` is set: then they fail.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use support::{TestRedis, raw_connection};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use deadpool_redis::redis;
use frontmcp_auth::store::{Namespace, RedisStore, Store, StoreError, Watcher};
use frontmcp_auth::vault::{
    CorruptReason, TokenVault, VaultEntry, VaultError, VaultKeyError, VaultKeys,
};
use tokio::sync::Barrier;

const S1: &str = "sess_S1xxxxxxxxSECRETSESSIONxxxxxxxxxxxxxxxxxx";
const S2: &str = "sess_S2xxxxxxxxSECRETSESSIONxxxxxxxxxxxxxxxxxx";
const K1: [u8; 32] = [0x11; 32];
const K2: [u8; 32] = [0x22; 32];

/// An entry with recognisable tokens.
fn entry(tag: &str) -> VaultEntry {
    VaultEntry::builder(
        &format!("xoxb-SECRET-access-{tag}"),
        "https://slack.example",
    )
    .refresh_token(Some(&format!("xoxe-SECRET-refresh-{tag}")))
    .expires_at(Some(1_700_003_600))
    .scopes(["chat:write", "channels:read"])
    .obtained_at(1_700_000_000)
    .build()
}

fn ring(current: (&str, [u8; 32]), older: Vec<(&str, [u8; 32])>) -> VaultKeys {
    VaultKeys::new(current, older).unwrap()
}

fn vault(store: &Arc<dyn Store>, keys: VaultKeys) -> TokenVault {
    TokenVault::new(Arc::clone(store), keys)
}

fn raw_key(session: &str, app: &str) -> String {
    format!("{session}/{app}")
}

/// A stored record's parts: version 2 is `[2, kid length, kid, 12-byte nonce, ciphertext and
/// tag]`, version 1 the JSON `{"v":1,"kid","nonce","ct"}` with base64 fields.
#[derive(Clone, Debug)]
struct RawRecord {
    version: u8,
    kid: String,
    nonce: Vec<u8>,
    ct: Vec<u8>,
}

/// The record version a vault on `store` writes: 2 on a store local to the process, 1 on a
/// shared one (see the vault's module docs).
fn written_version(store: &Arc<dyn Store>) -> u8 {
    if store.is_local() { 2 } else { 1 }
}

impl RawRecord {
    fn parse(bytes: &[u8]) -> Self {
        if bytes[0] == b'{' {
            let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let field = |name: &str| {
                URL_SAFE_NO_PAD
                    .decode(json[name].as_str().unwrap())
                    .unwrap()
            };
            return Self {
                version: 1,
                kid: json["kid"].as_str().unwrap().to_owned(),
                nonce: field("nonce"),
                ct: field("ct"),
            };
        }
        let kid_len = usize::from(bytes[1]);
        let (kid, rest) = bytes[2..].split_at(kid_len);
        let (nonce, ct) = rest.split_at(12);
        Self {
            version: bytes[0],
            kid: String::from_utf8(kid.to_vec()).unwrap(),
            nonce: nonce.to_vec(),
            ct: ct.to_vec(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        if self.version == 1 {
            return serde_json::to_vec(&serde_json::json!({
                "v": 1,
                "kid": self.kid,
                "nonce": URL_SAFE_NO_PAD.encode(&self.nonce),
                "ct": URL_SAFE_NO_PAD.encode(&self.ct),
            }))
            .unwrap();
        }
        let kid = u8::try_from(self.kid.len()).unwrap();
        [
            &[self.version, kid][..],
            self.kid.as_bytes(),
            &self.nonce,
            &self.ct,
        ]
        .concat()
    }
}

/// The stored record, parsed.
async fn raw_record(store: &Arc<dyn Store>, session: &str, app: &str) -> RawRecord {
    let bytes = store
        .get(Namespace::Vault, &raw_key(session, app))
        .await
        .unwrap()
        .expect("the record is stored");
    RawRecord::parse(&bytes)
}

/// A version 1 record of `entry` for `session` and `app` under `kid` and `key`, as versions before
/// 2 wrote them: JSON with base64 fields, the JSON of the entry sealed.
fn record_v1(kid: &str, key: [u8; 32], session: &str, app: &str, entry: &VaultEntry) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(&key.into());
    let nonce = [7u8; 12];
    let aad = [
        b"frontmcp-vault/v1\0",
        session.as_bytes(),
        b"\0",
        app.as_bytes(),
    ]
    .concat();
    let plaintext = serde_json::to_vec(entry).unwrap();
    let ct = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    serde_json::to_vec(&serde_json::json!({
        "v": 1,
        "kid": kid,
        "nonce": URL_SAFE_NO_PAD.encode(nonce),
        "ct": URL_SAFE_NO_PAD.encode(ct),
    }))
    .unwrap()
}

/// The reason of a [`VaultError::Corrupt`], after checking its message leaks nothing.
fn corrupt_reason(result: Result<Option<VaultEntry>, VaultError>, session: &str) -> CorruptReason {
    let error = result.expect_err("the record must not open");
    let message = error.to_string();
    assert!(
        !message.contains(session),
        "whole session id in {message:?}"
    );
    assert!(
        message.contains(&session[..8]),
        "no session prefix in {message:?}"
    );
    assert!(!message.contains("SECRET"), "secret in {message:?}");
    assert!(!format!("{error:?}").contains(session));
    match error {
        VaultError::Corrupt { reason, .. } => reason,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Whether `haystack` holds `secret` (at least 16 bytes, so that its base64 forms are long
/// enough not to turn up by chance) in clear or in base64 (any alphabet, padding, alignment).
fn leaks(haystack: &[u8], secret: &str) -> bool {
    assert!(
        secret.len() >= 16,
        "too short to look for in base64: {secret:?}"
    );
    let contains =
        |needle: &[u8]| !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle);
    if contains(secret.as_bytes()) {
        return true;
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        for skip in 0..3 {
            // The secret from byte `skip` on, as it would appear inside a longer base64 text: the
            // last group depends on what follows, so it is left out.
            let encoded = engine.encode(&secret.as_bytes()[skip..]);
            let stable = &encoded[..encoded.len().saturating_sub(4)];
            if contains(stable.as_bytes()) {
                return true;
            }
        }
    }
    false
}

/// Whether `haystack` holds `needle` in clear.
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn leak_check_sees_base64() {
    let secret = "xoxb-SECRET-access-1";
    assert!(leaks(secret.as_bytes(), secret));
    let embedded = format!("ab{secret}cd");
    assert!(leaks(STANDARD.encode(&embedded).as_bytes(), secret));
    assert!(leaks(
        URL_SAFE_NO_PAD.encode(format!("x{embedded}")).as_bytes(),
        secret
    ));
    assert!(!leaks(b"nothing to see", secret));
}

// ---------------------------------------------------------------------------------------------
// The cases, written once.
// ---------------------------------------------------------------------------------------------

async fn case_round_trip(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    assert_eq!(vault.get(S1, "slack").await.unwrap(), None);

    let first = entry("1");
    vault.put(S1, "slack", &first, None).await.unwrap();
    assert_eq!(vault.get(S1, "slack").await.unwrap().as_ref(), Some(&first));
    // Other sessions and apps see nothing.
    assert_eq!(vault.get(S2, "slack").await.unwrap(), None);
    assert_eq!(vault.get(S1, "github").await.unwrap(), None);

    // `put` replaces.
    let second = entry("2")
        .to_builder()
        .refresh_token(None)
        .expires_at(None)
        .scopes::<&str>([])
        .build();
    vault.put(S1, "slack", &second, None).await.unwrap();
    assert_eq!(
        vault.get(S1, "slack").await.unwrap().as_ref(),
        Some(&second)
    );

    // Every write has a fresh nonce: the same entry twice gives two different records.
    vault.put(S1, "a", &first, None).await.unwrap();
    vault.put(S1, "b", &first, None).await.unwrap();
    let (a, b) = (
        raw_record(&store, S1, "a").await,
        raw_record(&store, S1, "b").await,
    );
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ct, b.ct);
    assert_eq!(a.version, written_version(&store));
    assert_eq!(a.kid, "k1");

    // App ids may hold `/`; session ids may not; NUL is refused in both.
    vault.put(S1, "team/app", &first, None).await.unwrap();
    assert_eq!(
        vault.get(S1, "team/app").await.unwrap().as_ref(),
        Some(&first)
    );
    for (session, app) in [
        ("", "slack"),
        ("a/b", "slack"),
        ("a\0", "x"),
        (S1, ""),
        (S1, "x\0"),
    ] {
        assert!(matches!(
            vault.put(session, app, &first, None).await,
            Err(VaultError::InvalidId { .. })
        ));
        assert!(matches!(
            vault.get(session, app).await,
            Err(VaultError::InvalidId { .. })
        ));
    }

    // TTLs are the store's.
    vault
        .put(S2, "slack", &first, Some(Duration::from_millis(250)))
        .await
        .unwrap();
    assert!(vault.get(S2, "slack").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(vault.get(S2, "slack").await.unwrap(), None);
}

async fn case_put_new_first_writer_wins(store: Arc<dyn Store>) {
    const WRITERS: usize = 20;
    let vault = vault(&store, ring(("k1", K1), vec![]));
    let barrier = Arc::new(Barrier::new(WRITERS));
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let (vault, barrier) = (vault.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            let mine = entry(&format!("writer-{i}"));
            barrier.wait().await;
            let won = vault.put_new(S1, "slack", &mine, None).await.unwrap();
            (won, mine)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (won, mine) = task.await.unwrap();
        if won {
            winners.push(mine);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    assert_eq!(
        vault.get(S1, "slack").await.unwrap().as_ref(),
        Some(&winners[0])
    );

    // Later writers lose too and change nothing.
    assert!(
        !vault
            .put_new(S1, "slack", &entry("late"), None)
            .await
            .unwrap()
    );
    assert_eq!(
        vault.get(S1, "slack").await.unwrap().as_ref(),
        Some(&winners[0])
    );
    // Another app or session is free.
    assert!(
        vault
            .put_new(S1, "github", &entry("gh"), None)
            .await
            .unwrap()
    );
    assert!(
        vault
            .put_new(S2, "slack", &entry("s2"), None)
            .await
            .unwrap()
    );
}

async fn case_delete(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    vault.put(S1, "slack", &entry("1"), None).await.unwrap();
    vault.put(S1, "github", &entry("2"), None).await.unwrap();
    assert!(vault.delete(S1, "slack").await.unwrap());
    assert!(!vault.delete(S1, "slack").await.unwrap());
    assert_eq!(vault.get(S1, "slack").await.unwrap(), None);
    assert_eq!(
        store
            .get(Namespace::Vault, &raw_key(S1, "slack"))
            .await
            .unwrap(),
        None
    );
    // Only that entry.
    assert_eq!(
        vault.get(S1, "github").await.unwrap().as_ref(),
        Some(&entry("2"))
    );
    assert!(!vault.delete(S2, "github").await.unwrap());
    // After a delete, put_new may write again.
    assert!(vault.put_new(S1, "slack", &entry("3"), None).await.unwrap());
}

/// What `vault` reads for `S1`'s `app` once it reflects `expected`: another process's write
/// reaches a vault on a watched store (Redis) a moment after it landed, so this waits (at most
/// 5 s) for the store's word.
async fn seen(
    vault: &TokenVault,
    app: &str,
    expected: Option<&VaultEntry>,
) -> Result<Option<VaultEntry>, VaultError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let read = vault.get(S1, app).await;
        let done = match &read {
            Ok(entry) => entry.as_ref() == expected,
            Err(_) => expected.is_none(),
        };
        if done || std::time::Instant::now() > deadline {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Each vault remembers the records it opened; another vault over the same store (another
/// process) replacing, deleting or tampering with a record is still seen: on the next read
/// (memory store), or once the store's word of it arrives (Redis).
async fn case_other_writers_are_seen_through_opened_records(store: Arc<dyn Store>) {
    let keys = ring(("k1", K1), vec![]);
    let (this, other) = (vault(&store, keys.clone()), vault(&store, keys));
    this.put(S1, "slack", &entry("1"), None).await.unwrap();
    assert_eq!(
        this.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("1"))
    );
    assert_eq!(
        this.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("1")),
        "remembered"
    );
    other.put(S1, "slack", &entry("2"), None).await.unwrap();
    assert_eq!(
        seen(&this, "slack", Some(&entry("2")))
            .await
            .unwrap()
            .as_ref(),
        Some(&entry("2")),
        "replaced"
    );
    assert!(other.delete(S1, "slack").await.unwrap());
    assert_eq!(seen(&this, "slack", None).await.unwrap(), None, "deleted");

    this.put(S1, "slack", &entry("3"), None).await.unwrap();
    assert_eq!(
        this.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("3"))
    );
    let key = raw_key(S1, "slack");
    let mut record = raw_record(&store, S1, "slack").await;
    record.ct[0] ^= 0x01;
    let tampered = record.bytes();
    store
        .put(Namespace::Vault, &key, &tampered, None)
        .await
        .unwrap();
    assert!(matches!(
        corrupt_reason(seen(&this, "slack", None).await, S1),
        CorruptReason::Undecryptable { .. }
    ));
    // Another session's record copied over this one does not open either.
    this.put(S2, "slack", &entry("4"), None).await.unwrap();
    let copied = store
        .get(Namespace::Vault, &raw_key(S2, "slack"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        this.get(S2, "slack").await.unwrap().as_ref(),
        Some(&entry("4"))
    );
    this.put(S1, "slack", &entry("5"), None).await.unwrap();
    assert_eq!(
        this.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("5"))
    );
    store
        .put(Namespace::Vault, &key, &copied, None)
        .await
        .unwrap();
    assert!(matches!(
        corrupt_reason(seen(&this, "slack", None).await, S1),
        CorruptReason::Undecryptable { .. }
    ));
}

async fn case_apps(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    assert!(
        vault
            .apps(S1, &["slack", "github"])
            .await
            .unwrap()
            .is_empty()
    );
    vault.put(S1, "slack", &entry("1"), None).await.unwrap();
    vault.put(S1, "github", &entry("2"), None).await.unwrap();
    vault.put(S2, "crm", &entry("3"), None).await.unwrap();
    assert_eq!(
        vault
            .apps(S1, &["crm", "github", "slack", "github", "jira"])
            .await
            .unwrap(),
        ["github", "slack"]
    );
    assert_eq!(
        vault.apps(S2, &["slack", "github", "crm"]).await.unwrap(),
        ["crm"]
    );
    assert!(vault.apps(S1, &[]).await.unwrap().is_empty());
    // Presence only: a corrupt entry is still an entry (the caller finds out on `get`).
    store
        .put(Namespace::Vault, &raw_key(S1, "jira"), b"garbage", None)
        .await
        .unwrap();
    assert_eq!(vault.apps(S1, &["jira", "crm"]).await.unwrap(), ["jira"]);
    vault.delete(S1, "slack").await.unwrap();
    assert_eq!(
        vault.apps(S1, &["slack", "github"]).await.unwrap(),
        ["github"]
    );
}

async fn case_tampered_record_is_corrupt(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    let key = raw_key(S1, "slack");
    vault.put(S1, "slack", &entry("1"), None).await.unwrap();
    let original = store.get(Namespace::Vault, &key).await.unwrap().unwrap();
    let record = RawRecord::parse(&original);

    // One bit of the ciphertext (start, middle, the tag at the end), then of the nonce.
    let ct_len = record.ct.len();
    let flips: [(&str, usize); 4] = [
        ("ct", 0),
        ("ct", ct_len / 2),
        ("ct", ct_len - 1),
        ("nonce", 0),
    ];
    for (part, position) in flips {
        let mut tampered = record.clone();
        match part {
            "ct" => tampered.ct[position] ^= 0x01,
            _ => tampered.nonce[position] ^= 0x80,
        }
        store
            .put(Namespace::Vault, &key, &tampered.bytes(), None)
            .await
            .unwrap();
        assert_eq!(
            corrupt_reason(vault.get(S1, "slack").await, S1),
            CorruptReason::Undecryptable { kid: "k1".into() }
        );
        // Left in place for the caller to decide.
        assert!(store.get(Namespace::Vault, &key).await.unwrap().is_some());
    }

    // Any byte of the raw record: whatever breaks, it never opens.
    for position in 0..original.len() {
        let mut bytes = original.clone();
        bytes[position] ^= 0x01;
        store
            .put(Namespace::Vault, &key, &bytes, None)
            .await
            .unwrap();
        if let Ok(Some(opened)) = vault.get(S1, "slack").await {
            panic!("record altered at byte {position} still opens: {opened:?}");
        }
        let _ = corrupt_reason(vault.get(S1, "slack").await, S1);
    }

    // Not a record at all, records of another version, truncated ones.
    let v1_short_nonce = br#"{"v":1,"kid":"k1","nonce":"AAAA","ct":"AAAA"}"#;
    let v3_json = br#"{"v":3,"kid":"k1","nonce":"AAAAAAAAAAAAAAAA","ct":"AAAA"}"#;
    let v3_binary = [&[3u8, 2][..], b"k1", &[0; 40]].concat();
    for (bytes, expected) in [
        (&b""[..], None),
        (&b"not a record"[..], None),
        (&br#"{"v":1}"#[..], None),
        (&v1_short_nonce[..], None),
        (&[2u8][..], None),
        (&[2u8, 2, b'k', b'1', 0, 0][..], None),
        (&v3_json[..], Some(CorruptReason::UnsupportedVersion(3))),
        (&v3_binary[..], Some(CorruptReason::UnsupportedVersion(3))),
    ] {
        store
            .put(Namespace::Vault, &key, bytes, None)
            .await
            .unwrap();
        let reason = corrupt_reason(vault.get(S1, "slack").await, S1);
        match expected {
            Some(expected) => assert_eq!(reason, expected),
            None => assert!(matches!(reason, CorruptReason::Malformed(_)), "{reason:?}"),
        }
    }
    // A record sealed with this key but truncated ciphertext.
    let mut truncated = record.clone();
    truncated.ct.truncate(10);
    store
        .put(Namespace::Vault, &key, &truncated.bytes(), None)
        .await
        .unwrap();
    assert!(matches!(
        corrupt_reason(vault.get(S1, "slack").await, S1),
        CorruptReason::Undecryptable { .. }
    ));

    // The caller can remove it and start over.
    assert!(vault.delete(S1, "slack").await.unwrap());
    assert!(vault.put_new(S1, "slack", &entry("2"), None).await.unwrap());
    assert_eq!(
        vault.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("2"))
    );
}

async fn case_copied_record_is_corrupt(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    let original = entry("1");
    vault.put(S1, "slack", &original, None).await.unwrap();
    let bytes = store
        .get(Namespace::Vault, &raw_key(S1, "slack"))
        .await
        .unwrap()
        .unwrap();

    // To another session, same app; to another app, same session.
    for (session, app) in [(S2, "slack"), (S1, "github")] {
        store
            .put(Namespace::Vault, &raw_key(session, app), &bytes, None)
            .await
            .unwrap();
        let reason = corrupt_reason(vault.get(session, app).await, session);
        assert_eq!(reason, CorruptReason::Undecryptable { kid: "k1".into() });
        let message = vault.get(session, app).await.unwrap_err().to_string();
        assert!(message.contains(&format!("app `{app}`")), "{message}");
    }
    // The original still opens.
    assert_eq!(
        vault.get(S1, "slack").await.unwrap().as_ref(),
        Some(&original)
    );
}

async fn case_key_rotation(store: Arc<dyn Store>) {
    let old = vault(&store, ring(("k1", K1), vec![]));
    let rotated = vault(&store, ring(("k2", K2), vec![("k1", K1)]));
    let only_new = vault(&store, ring(("k2", K2), vec![]));
    let first = entry("1");
    old.put(S1, "slack", &first, None).await.unwrap();
    assert_eq!(raw_record(&store, S1, "slack").await.kid, "k1");

    // The new ring reads what the old one wrote.
    assert_eq!(
        rotated.get(S1, "slack").await.unwrap().as_ref(),
        Some(&first)
    );
    // A ring without k1 does not, and says which key is missing.
    let error = only_new.get(S1, "slack").await.unwrap_err();
    assert!(error.to_string().contains("`k1`"), "{error}");
    assert_eq!(
        corrupt_reason(only_new.get(S1, "slack").await, S1),
        CorruptReason::UnknownKey {
            kid: "k1".into(),
            known: "k2".into()
        }
    );
    // A different key under the same id: it does not decrypt.
    let impostor = vault(&store, ring(("k1", K2), vec![]));
    assert_eq!(
        corrupt_reason(impostor.get(S1, "slack").await, S1),
        CorruptReason::Undecryptable { kid: "k1".into() }
    );

    // New writes carry k2; the old ring cannot read them.
    rotated.put(S1, "github", &first, None).await.unwrap();
    assert_eq!(raw_record(&store, S1, "github").await.kid, "k2");
    assert_eq!(
        rotated.get(S1, "github").await.unwrap().as_ref(),
        Some(&first)
    );
    assert!(matches!(
        corrupt_reason(old.get(S1, "github").await, S1),
        CorruptReason::UnknownKey { kid, .. } if kid == "k2"
    ));

    // `rotate` re-seals under the current key, once.
    assert!(rotated.rotate(S1, "slack", None).await.unwrap());
    assert_eq!(raw_record(&store, S1, "slack").await.kid, "k2");
    assert!(!rotated.rotate(S1, "slack", None).await.unwrap());
    assert!(!rotated.rotate(S1, "missing", None).await.unwrap());
    assert_eq!(
        only_new.get(S1, "slack").await.unwrap().as_ref(),
        Some(&first)
    );
    // With a TTL.
    old.put(S2, "slack", &first, None).await.unwrap();
    assert!(
        rotated
            .rotate(S2, "slack", Some(Duration::from_millis(250)))
            .await
            .unwrap()
    );
    assert_eq!(
        only_new.get(S2, "slack").await.unwrap().as_ref(),
        Some(&first)
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(only_new.get(S2, "slack").await.unwrap(), None);
    // A corrupt record is reported, not rotated.
    store
        .put(Namespace::Vault, &raw_key(S1, "bad"), b"garbage", None)
        .await
        .unwrap();
    assert!(matches!(
        rotated.rotate(S1, "bad", None).await,
        Err(VaultError::Corrupt { .. })
    ));
}

/// Version 1 records open; rotating one re-seals it under the current key in the version the
/// vault writes, where it still opens; a version 1 record copied to another session does not.
async fn case_version_1_records_still_open(store: Arc<dyn Store>) {
    let old = entry("v1");
    store
        .put(
            Namespace::Vault,
            &raw_key(S1, "slack"),
            &record_v1("k1", K1, S1, "slack", &old),
            None,
        )
        .await
        .unwrap();
    let rotated = vault(&store, ring(("k2", K2), vec![("k1", K1)]));
    assert_eq!(rotated.get(S1, "slack").await.unwrap().as_ref(), Some(&old));
    assert!(rotated.rotate(S1, "slack", None).await.unwrap());
    let record = raw_record(&store, S1, "slack").await;
    assert_eq!(
        (record.version, record.kid.as_str()),
        (written_version(&store), "k2")
    );
    assert_eq!(
        vault(&store, ring(("k2", K2), vec![]))
            .get(S1, "slack")
            .await
            .unwrap()
            .as_ref(),
        Some(&old)
    );
    store
        .put(
            Namespace::Vault,
            &raw_key(S2, "slack"),
            &record_v1("k1", K1, S1, "slack", &old),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        corrupt_reason(rotated.get(S2, "slack").await, S2),
        CorruptReason::Undecryptable { kid: "k1".into() }
    );
}

async fn case_no_token_in_stored_values(store: Arc<dyn Store>) {
    let vault = vault(&store, ring(("k1", K1), vec![]));
    let apps = ["slack", "github", "crm"];
    for (i, app) in apps.iter().enumerate() {
        vault
            .put(S1, app, &entry(&i.to_string()), None)
            .await
            .unwrap();
    }
    for (i, app) in apps.iter().enumerate() {
        let e = entry(&i.to_string());
        let bytes = store
            .get(Namespace::Vault, &raw_key(S1, app))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !leaks(&bytes, e.access_token()),
            "access token of {app} in clear"
        );
        assert!(!leaks(&bytes, e.refresh_token().unwrap()));
        assert!(!contains(&bytes, "SECRET"));
        assert!(!contains(&bytes, "chat:write"), "scopes are sealed too");
    }
}

// ---------------------------------------------------------------------------------------------
// Running every case on every store.
// ---------------------------------------------------------------------------------------------

for_each_store!(
    case_round_trip,
    case_put_new_first_writer_wins,
    case_delete,
    case_other_writers_are_seen_through_opened_records,
    case_apps,
    case_tampered_record_is_corrupt,
    case_copied_record_is_corrupt,
    case_key_rotation,
    case_version_1_records_still_open,
    case_no_token_in_stored_values,
);

// ---------------------------------------------------------------------------------------------
// Redis only.
// ---------------------------------------------------------------------------------------------

/// Everything the vault leaves in Redis, read back with a plain connection: no token in clear or
/// in base64, in any key or value.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_dump_has_no_token_in_clear() {
    let Some(redis) = TestRedis::connect("dump").await else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(redis.store.clone());
    let vault = vault(&store, ring(("k2", K2), vec![("k1", K1)]));
    let old = TokenVault::new(Arc::clone(&store), ring(("k1", K1), vec![]));
    let mut secrets = Vec::new();
    let mut written = 0;
    for session in [S1, S2] {
        for app in ["slack", "github", "crm"] {
            let e = entry(&format!("{}-{app}", &session[5..7]));
            secrets.push(e.access_token().to_owned());
            secrets.push(e.refresh_token().unwrap().to_owned());
            if app == "crm" {
                old.put(session, app, &e, Some(Duration::from_secs(60)))
                    .await
                    .unwrap();
            } else {
                vault.put(session, app, &e, None).await.unwrap();
            }
            written += 1;
        }
    }
    assert!(vault.rotate(S1, "crm", None).await.unwrap());

    let keys = redis.keys().await;
    let mut conn = raw_connection().await;
    let mut values = Vec::new();
    for key in &keys {
        let value: Vec<u8> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let dump: Vec<u8> = redis::cmd("DUMP")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        values.push((key.clone(), value, dump));
    }
    redis.cleanup().await;

    assert_eq!(keys.len(), written, "one key per entry");
    for (key, value, dump) in &values {
        let key_text = String::from_utf8_lossy(key);
        assert!(key_text.contains(":vault:sess_"), "{key_text}");
        for secret in &secrets {
            for (what, bytes) in [("key", key), ("value", value), ("DUMP", dump)] {
                assert!(
                    !leaks(bytes, secret),
                    "{secret} appears in the {what} of {key_text}"
                );
            }
        }
        assert!(!contains(value, "SECRET"));
        let record = RawRecord::parse(value);
        // A shared store keeps version 1 for processes of earlier versions.
        assert_eq!(record.version, 1);
        // Everything under k2 but the (S2, crm) entry, written under k1 and not rotated.
        let expected = if key_text.ends_with(&format!("{S2}/crm")) {
            "k1"
        } else {
            "k2"
        };
        assert_eq!(record.kid, expected, "{key_text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Keys, errors and Debug.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn keys_from_the_environment_value() {
    let k1 = STANDARD.encode([0xfb; 32]); // `+` and `/`, padded
    let k2 = URL_SAFE_NO_PAD.encode([0xff; 32]); // `_`, unpadded
    let keys = VaultKeys::from_env_value(&format!(" k-2_B:{k2} , k1:{k1}\n")).unwrap();
    assert_eq!(keys.current_kid(), "k-2_B");
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["k-2_B", "k1"]);
    // Also URL-safe padded and standard unpadded.
    let same = VaultKeys::from_env_value(&format!(
        "k-2_B:{},k1:{}",
        URL_SAFE.encode([0xff; 32]),
        STANDARD_NO_PAD.encode([0xfb; 32])
    ))
    .unwrap();

    // The parsed keys are the bytes they encode: what one ring seals, an equivalent ring opens.
    let store: Arc<dyn Store> = Arc::new(frontmcp_auth::store::MemoryStore::new());
    vault(&store, keys)
        .put(S1, "slack", &entry("1"), None)
        .await
        .unwrap();
    let by_new = vault(&store, ring(("k-2_B", [0xff; 32]), vec![]));
    assert_eq!(
        by_new.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("1"))
    );
    assert!(
        vault(&store, same)
            .get(S1, "slack")
            .await
            .unwrap()
            .is_some()
    );
    // 32 characters of id is the limit.
    let long = "a".repeat(32);
    assert!(VaultKeys::from_env_value(&format!("{long}:{k1}")).is_ok());
}

#[test]
fn key_errors_name_the_problem_never_the_key() {
    let good = STANDARD.encode([0x42; 32]);
    let short = STANDARD.encode([0x42; 16]);
    let long = STANDARD.encode([0x42; 33]);
    let bad = "!!notbase64-KEYMATERIAL!!";
    let cases: Vec<(String, VaultKeyError, &str)> = vec![
        (String::new(), VaultKeyError::Empty, "is empty"),
        (" \n".into(), VaultKeyError::Empty, "is empty"),
        (
            format!("k1:{bad}"),
            VaultKeyError::InvalidBase64 { kid: "k1".into() },
            "not valid base64",
        ),
        (
            format!("k1:{good},k2:{short}"),
            VaultKeyError::WrongLength {
                kid: "k2".into(),
                len: 16,
            },
            "16 bytes",
        ),
        (
            format!("k1:{long}"),
            VaultKeyError::WrongLength {
                kid: "k1".into(),
                len: 33,
            },
            "exactly 32",
        ),
        (
            format!("k1:{good},k1:{good}"),
            VaultKeyError::DuplicateKid { kid: "k1".into() },
            "more than once",
        ),
        (
            // A bare key, no id.
            good.clone(),
            VaultKeyError::Malformed { position: 1 },
            "entry 1",
        ),
        (
            format!("k1:{good},"),
            VaultKeyError::Malformed { position: 2 },
            "entry 2",
        ),
        (
            // Swapped: the key where the id goes.
            format!("{good}:k1"),
            VaultKeyError::InvalidKid {
                position: 1,
                len: good.len(),
            },
            "key id",
        ),
        (
            format!("k1:{good},bad.kid:{good}"),
            VaultKeyError::InvalidKid {
                position: 2,
                len: 7,
            },
            "A-Z",
        ),
        (
            format!(":{good}"),
            VaultKeyError::InvalidKid {
                position: 1,
                len: 0,
            },
            "1 to 32",
        ),
        (
            format!("{}:{good}", "a".repeat(33)),
            VaultKeyError::InvalidKid {
                position: 1,
                len: 33,
            },
            "1 to 32",
        ),
    ];
    for (value, expected, needle) in cases {
        let error = VaultKeys::from_env_value(&value).unwrap_err();
        assert_eq!(error, expected, "for {value:?}");
        let message = error.to_string();
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        for secret in [&good, &short, &long, &bad.to_owned()] {
            assert!(
                !message.contains(secret.as_str()),
                "{message:?} shows a key"
            );
            assert!(!format!("{error:?}").contains(secret.as_str()));
        }
        assert!(!message.contains("KEYMATERIAL"));
        assert!(!message.contains("bad.kid"), "{message:?}");
    }
    // Messages about the variable name it.
    assert!(
        VaultKeyError::Empty
            .to_string()
            .contains("FRONTMCP_VAULT_KEYS")
    );
    // `new` checks ids the same way.
    assert_eq!(
        VaultKeys::new(("k1", K1), vec![("k2", K2), ("k1", K2)]).unwrap_err(),
        VaultKeyError::DuplicateKid { kid: "k1".into() }
    );
    assert!(matches!(
        VaultKeys::new(("k 1", K1), vec![]),
        Err(VaultKeyError::InvalidKid { position: 1, .. })
    ));
}

#[tokio::test]
async fn generated_keys_are_distinct_rings() {
    let (a, b) = (VaultKeys::generate(), VaultKeys::generate());
    assert_ne!(a.current_kid(), b.current_kid());
    assert!(a.current_kid().starts_with("dev-"));
    let store: Arc<dyn Store> = Arc::new(frontmcp_auth::store::MemoryStore::new());
    let (va, vb) = (vault(&store, a), vault(&store, b));
    va.put(S1, "slack", &entry("1"), None).await.unwrap();
    assert!(va.get(S1, "slack").await.unwrap().is_some());
    assert!(matches!(
        corrupt_reason(vb.get(S1, "slack").await, S1),
        CorruptReason::UnknownKey { .. }
    ));
}

#[test]
fn debug_never_shows_secrets() {
    let e = entry("dbg");
    let shown = format!("{e:?} {e:#?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains("chat:write"));
    assert!(shown.contains("https://slack.example"));
    let none = entry("x").to_builder().refresh_token(None).build();
    assert!(format!("{none:?}").contains("refresh_token: None"));

    let keys = ring(("k2", K2), vec![("k1", K1)]);
    let store: Arc<dyn Store> = Arc::new(frontmcp_auth::store::MemoryStore::new());
    let shown = format!("{keys:?} {keys:#?} {:?}", vault(&store, keys.clone()));
    assert!(shown.contains("k2") && shown.contains("k1"), "{shown}");
    for secret in [
        STANDARD.encode(K1),
        STANDARD.encode(K2),
        URL_SAFE_NO_PAD.encode(K1),
        "34, 34".to_owned(),
        "0x22".to_owned(),
        "2222".to_owned(),
        "17, 17".to_owned(),
        "1111".to_owned(),
    ] {
        assert!(!shown.contains(&secret), "{shown} shows {secret}");
    }
}

/// A store that counts the reads reaching it, over a Redis store (whose watch it passes on).
#[derive(Debug)]
struct CountingReads {
    inner: RedisStore,
    reads: AtomicU64,
}

impl CountingReads {
    fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Store for CountingReads {
    async fn put(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        self.inner.put(ns, key, value, ttl).await
    }
    async fn put_new(
        &self,
        ns: Namespace,
        key: &str,
        value: &[u8],
        ttl: Option<Duration>,
    ) -> Result<bool, StoreError> {
        self.inner.put_new(ns, key, value, ttl).await
    }
    async fn get(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(ns, key).await
    }
    async fn take(&self, ns: Namespace, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.take(ns, key).await
    }
    async fn delete(&self, ns: Namespace, key: &str) -> Result<bool, StoreError> {
        self.inner.delete(ns, key).await
    }
    async fn touch(&self, ns: Namespace, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.inner.touch(ns, key, ttl).await
    }
    async fn admit(
        &self,
        ns: Namespace,
        member: &str,
        ttl: Duration,
        cap: usize,
    ) -> Result<bool, StoreError> {
        self.inner.admit(ns, member, ttl, cap).await
    }
    async fn throttle(
        &self,
        ns: Namespace,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Result<Option<Duration>, StoreError> {
        self.inner.throttle(ns, key, interval, burst).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    fn watch(&self, ns: Namespace, watcher: Weak<dyn Watcher>) -> bool {
        self.inner.watch(ns, watcher)
    }
}

/// Waits (at most 5 s) until `vault`'s store watches it.
async fn until_watched(vault: &TokenVault) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !vault.is_watched() {
        assert!(
            std::time::Instant::now() < deadline,
            "the vault's watch never came up"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// On Redis a vault reads a record once, then answers from memory (no read reaches the store),
/// and still hears every change: another process's refresh and deletion, a plain client's
/// write, an expiry. `get_fresh` always reads. The memory store does not watch.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watched_vault_answers_from_memory_and_hears_every_change() {
    let Some(redis) = TestRedis::connect("watched").await else {
        return;
    };
    let keys = ring(("k1", K1), vec![]);
    let memory: Arc<dyn Store> = Arc::new(frontmcp_auth::store::MemoryStore::new());
    assert!(!vault(&memory, keys.clone()).is_watched());

    let writer: Arc<dyn Store> = Arc::new(redis.store.clone());
    let writer = vault(&writer, keys.clone());
    let counting = Arc::new(CountingReads {
        inner: RedisStore::connect(&support::redis_url(), &redis.prefixes[0])
            .await
            .unwrap(),
        reads: AtomicU64::new(0),
    });
    let reader = TokenVault::new(counting.clone(), keys);
    until_watched(&reader).await;

    writer.put(S1, "slack", &entry("1"), None).await.unwrap();
    // The first read may race Redis's word of that put, which then keeps it from being
    // remembered: read until a read reaches no store (at most 5 s).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let before = counting.reads();
        assert_eq!(
            reader.get(S1, "slack").await.unwrap().as_ref(),
            Some(&entry("1"))
        );
        if counting.reads() == before {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never remembered");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let before = counting.reads();
    for _ in 0..100 {
        assert_eq!(
            reader.get(S1, "slack").await.unwrap().as_ref(),
            Some(&entry("1"))
        );
    }
    assert_eq!(
        reader.apps(S1, &["slack"]).await.unwrap(),
        vec!["slack".to_owned()]
    );
    assert_eq!(counting.reads(), before, "answered from memory");
    reader.get_fresh(S1, "slack").await.unwrap();
    assert_eq!(counting.reads(), before + 1, "get_fresh reads the store");

    // Another process refreshes, then revokes.
    writer.put(S1, "slack", &entry("2"), None).await.unwrap();
    assert_eq!(
        seen(&reader, "slack", Some(&entry("2")))
            .await
            .unwrap()
            .as_ref(),
        Some(&entry("2"))
    );
    assert!(writer.delete(S1, "slack").await.unwrap());
    assert_eq!(seen(&reader, "slack", None).await.unwrap(), None);

    // Any client of Redis deleting the record is heard too.
    writer.put(S1, "slack", &entry("3"), None).await.unwrap();
    assert!(seen(&reader, "slack", Some(&entry("3"))).await.is_ok());
    let _: u64 = redis::cmd("DEL")
        .arg(format!(
            "{}vault:{}",
            redis.prefixes[0],
            raw_key(S1, "slack")
        ))
        .query_async(&mut raw_connection().await)
        .await
        .unwrap();
    assert_eq!(seen(&reader, "slack", None).await.unwrap(), None);

    // So is an expiry.
    writer
        .put(S1, "github", &entry("4"), Some(Duration::from_millis(300)))
        .await
        .unwrap();
    assert!(reader.get(S1, "github").await.unwrap().is_some());
    assert_eq!(seen(&reader, "github", None).await.unwrap(), None);

    // This process's own writes are seen at once, before Redis's word.
    reader.put(S1, "slack", &entry("5"), None).await.unwrap();
    assert_eq!(
        reader.get(S1, "slack").await.unwrap().as_ref(),
        Some(&entry("5"))
    );
    assert!(reader.delete(S1, "slack").await.unwrap());
    assert_eq!(reader.get(S1, "slack").await.unwrap(), None);
    redis.cleanup().await;
}
