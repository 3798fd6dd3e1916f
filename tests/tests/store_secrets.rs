//! What someone who reads the store can do with it: nothing. After a full flow on a Redis of the
//! test's own (a confidential client, a sign-in with an app authorized at its provider, a call, a
//! refresh, another app's provider flow left half-way), every key and value is read, and none
//! holds a token, a refresh token, a secret, a PKCE verifier or a signing key in clear; a session
//! token signed with any key material found there is refused.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use deadpool_redis::redis;
use frontmcp::auth::store::RedisStore;
use frontmcp::auth::tokens::{SessionClaims, TokenSigner, now_secs};
use frontmcp::auth::vault::VaultKeys;
use frontmcp_tests::initialize_body;
use frontmcp_tests::oauth::{VERIFIER, form, location_params, param, register};
use frontmcp_tests::own_redis::OwnRedis;
use frontmcp_tests::progressive::{Decision, Suite, demo_builder};
use hyper::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Every string inside a stored value: the value itself when it is text, and the strings of the
/// JSON or MessagePack record it is.
fn strings_in(value: &[u8]) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(fields) => fields.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = vec![String::from_utf8_lossy(value).into_owned()];
    let record = match value.split_first() {
        Some((1, rest)) => rmp_serde::from_slice::<Value>(rest).ok(),
        _ => serde_json::from_slice::<Value>(value).ok(),
    };
    if let Some(record) = record {
        walk(&record, &mut out);
    }
    out
}

/// Key material a reader could try: each stored value, each string inside it, and those strings
/// base64-decoded.
fn candidate_keys(values: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut candidates = values.to_vec();
    for value in values {
        for s in strings_in(value) {
            candidates.push(s.as_bytes().to_vec());
            for engine in [&URL_SAFE_NO_PAD, &STANDARD] {
                if let Ok(bytes) = engine.decode(s.trim_end_matches('=')) {
                    candidates.push(bytes);
                }
            }
        }
    }
    candidates
}

/// An ES256 signer from PKCS#8 bytes (DER, or PEM text), if they are a P-256 private key.
fn es256_key(bytes: &[u8]) -> Option<TokenSigner> {
    let text = String::from_utf8_lossy(bytes);
    let pem = if text.contains("PRIVATE KEY") {
        text.into_owned()
    } else {
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(bytes)
        )
    };
    TokenSigner::es256_from_pem(&pem).ok()
}

#[test]
fn the_key_detector_finds_a_key_in_clear() {
    // What earlier versions kept in Redis: the detector must see it, or the test proves nothing.
    let pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOQMhHCI9/10izPtb\n09FrtrUnEgxS45KQTWuxz0pUmYehRANCAATKPASt5/Y2LIZlYymZxtvKCgSMqeiu\n/iUJFfeEWv6q+d/SBSK1M2BUxtfHmW71mn5KgH6jo6239ZjbHHW8qTa7\n-----END PRIVATE KEY-----\n";
    let stored = serde_json::to_vec(&json!({ "pem": pem })).unwrap();
    assert!(
        candidate_keys(&[stored])
            .iter()
            .any(|c| es256_key(c).is_some())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_stored_is_usable_by_whoever_reads_the_store() {
    let Some(redis) = OwnRedis::start("store_secrets") else {
        return;
    };
    let store = RedisStore::connect(&redis.url(), "t:").await.unwrap();
    let suite = Suite::start_with(demo_builder(), |b| {
        b.store(Arc::new(store)).vault_keys(VaultKeys::generate())
    })
    .await;
    let confidential = register(
        &suite.http,
        json!({"token_endpoint_auth_method": "client_secret_post"}),
    )
    .await;
    let browser = suite.browser();
    let (client_id, tokens) = browser
        .sign_in(
            "ada",
            &[("slack", Decision::Authorize), ("github", Decision::Skip)],
        )
        .await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let client =
        frontmcp_tests::progressive::Client::connect(&suite.http, &access, json!({})).await;
    client.call_ok("slack:send_message").await;
    let refreshed = form(
        &suite.http,
        "/oauth/token",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ],
    )
    .await
    .json();
    // GitHub's flow left at its provider: the server keeps the PKCE verifier it will need.
    let link = client.auth_link("github:create_issue").await;
    let to_provider = browser.to_provider(&link, "ada").await;
    let provider_params = location_params(&to_provider);
    let challenge = param(&provider_params, "code_challenge")
        .unwrap()
        .to_owned();
    let state = param(&provider_params, "state").unwrap().to_owned();

    let mut secrets: Vec<String> = vec![
        access.clone(),
        tokens["refresh_token"].as_str().unwrap().into(),
        refreshed["access_token"].as_str().unwrap().into(),
        refreshed["refresh_token"].as_str().unwrap().into(),
        confidential["client_secret"].as_str().unwrap().into(),
        VERIFIER.into(),
        state,
        link.rsplit("ticket=").next().unwrap().into(),
    ];
    secrets.extend(browser.cookie_values());

    // Everything the store holds.
    let mut connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(keys.len() > 5, "the flow stored its records: {keys:?}");
    let mut values = Vec::new();
    for key in &keys {
        let kind: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut connection)
            .await
            .unwrap();
        if kind == "string" {
            let value: Vec<u8> = redis::cmd("GET")
                .arg(key)
                .query_async(&mut connection)
                .await
                .unwrap();
            values.push(value);
        }
    }
    for (key, value) in keys.iter().zip(&values) {
        let text = format!("{key} {}", String::from_utf8_lossy(value));
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{key} holds a secret in clear"
            );
        }
        assert!(
            !text.contains("demo_") && !text.contains("PRIVATE KEY"),
            "{key} holds an upstream token, code or a key in clear"
        );
        for s in strings_in(value) {
            assert_ne!(
                URL_SAFE_NO_PAD.encode(Sha256::digest(s.as_bytes())),
                challenge,
                "{key} holds the provider flow's PKCE verifier in clear"
            );
        }
    }

    // A reader knows session IDs (they name vault entries) and may try any bytes as a key.
    let real: SessionClaims = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let now = now_secs();
    let forged_claims = SessionClaims {
        iat: now,
        exp: now + 600,
        jti: "forged".into(),
        ..real
    };
    let mut tried = 0;
    for candidate in candidate_keys(&values) {
        let mut signers: Vec<TokenSigner> = es256_key(&candidate).into_iter().collect();
        signers.extend(TokenSigner::hs256(&candidate).ok());
        for signer in signers {
            tried += 1;
            let forged = signer.sign(&forged_claims);
            let reply = suite
                .http
                .post(
                    &[("authorization", &format!("Bearer {forged}"))],
                    initialize_body("2025-11-25", json!({})).to_string(),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "a token signed with bytes from the store was accepted"
            );
        }
    }
    assert!(tried > 0, "no candidate tried");
}
